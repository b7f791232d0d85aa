package claw

// KindWebhook is the kind of an event made by a verified webhook delivery.
const KindWebhook = "webhook"

// Webhook signature schemes.
const (
	// SchemeStandard is Standard Webhooks (standardwebhooks.com): headers
	// webhook-id, webhook-timestamp and webhook-signature, secret whsec_...
	SchemeStandard = "standard"
	// SchemeGitHub is GitHub's X-Hub-Signature-256 with a plain secret.
	SchemeGitHub = "github"
)

// SecretSet is what the API shows in place of a webhook secret that is
// set: secrets are never returned. Applied back as a hook's secret, it
// keeps the secret stored for that hook, so a spec read from the API can
// be applied again as is.
const SecretSet = "(set)"

// Webhook is one signed endpoint of a claw, POST /hooks/{claw}/{name}
// (docs/webhooks.md). A verified delivery becomes an event whose text is
// the hook's prompt template rendered with the delivery.
type Webhook struct {
	Name string `json:"name"`
	// Secret is the signing secret: whsec_<base64> for the standard scheme,
	// any string for github. Prefer SecretEnv: a spec is readable by every
	// token of the tenant.
	Secret string `json:"secret,omitempty"`
	// SecretEnv names an environment variable of the node holding the
	// secret, read on each delivery.
	SecretEnv string `json:"secret_env,omitempty"`
	// Scheme is SchemeStandard (the default) or SchemeGitHub.
	Scheme string `json:"scheme,omitempty"`
	// Prompt is a text/template turning a delivery into the event's text;
	// empty uses a default that shows the hook's name and the body.
	Prompt string `json:"prompt,omitempty"`
	// Headers lists request headers passed to the prompt as .Headers.
	Headers []string `json:"headers,omitempty"`
	// Session is the session the events land in; default "hook:NAME".
	Session string `json:"session,omitempty"`
}

// EffectiveScheme returns the hook's scheme, SchemeStandard when unset.
func (w Webhook) EffectiveScheme() string {
	if w.Scheme == "" {
		return SchemeStandard
	}
	return w.Scheme
}

// EffectiveSession returns the session the hook's events land in.
func (w Webhook) EffectiveSession() string {
	if w.Session == "" {
		return "hook:" + w.Name
	}
	return w.Session
}
