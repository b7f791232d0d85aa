package httpapi

import (
	"errors"
	"net/http"
	"os"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/webhook"
)

// webhook serves POST /hooks/{claw}/{hook} (the default tenant) and
// POST /hooks/{tenant}/{claw}/{hook}. The hook's signature is the only
// authentication; nothing is stored unless it verifies.
func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	if err := s.serveWebhook(w, r); err != nil {
		if code := claw.ErrorCode(err); code == claw.EINTERNAL || code == claw.EUNAVAILABLE {
			s.Log.Error("webhook failed", "path", r.URL.Path, "err", err)
		}
		writeError(w, err)
	}
}

func (s *Server) serveWebhook(w http.ResponseWriter, r *http.Request) error {
	tenant, name, hookName := r.PathValue("tenant"), r.PathValue("claw"), r.PathValue("hook")
	if tenant == "" {
		tenant = claw.DefaultTenant
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	notFound := claw.Errorf(claw.ENOTFOUND, "no webhook %s of claw %s", hookName, name)
	c, err := s.Store.GetClaw(r.Context(), claw.Ref{Tenant: tenant, Name: name})
	if claw.ErrorCode(err) == claw.ENOTFOUND {
		return notFound
	}
	if err != nil {
		return err
	}
	var hook *claw.Webhook
	for i := range c.Spec.Webhooks {
		if c.Spec.Webhooks[i].Name == hookName {
			hook = &c.Spec.Webhooks[i]
		}
	}
	if hook == nil {
		return notFound
	}
	secret := hook.Secret
	if hook.SecretEnv != "" {
		secret = s.hookEnv(hook.SecretEnv)
	}
	scheme := hook.EffectiveScheme()
	key, err := webhook.ParseSecret(scheme, secret)
	if err != nil {
		s.Log.Error("webhook secret unusable", "tenant", tenant, "claw", name, "hook", hookName, "secret_env", hook.SecretEnv, "err", err)
		return claw.Errorf(claw.EUNAVAILABLE, "webhook %s is not configured on this node", hookName)
	}
	dl, err := webhook.Verify(scheme, key, r.Header, body, time.Now())
	if err != nil {
		return claw.Errorf(claw.EUNAUTHORIZED, "webhook signature: %v", err)
	}
	prompt, err := webhook.ParsePrompt(hook.Prompt)
	if err != nil {
		return err // validated when applied
	}
	text, err := prompt.Render(webhook.NewData(name, hookName, dl, body, r.Header, hook.Headers))
	if errors.Is(err, webhook.ErrRender) {
		return claw.Errorf(claw.EUNPROCESSABLE, "webhook %s: %v", hookName, err)
	}
	if err != nil {
		return err
	}
	if err := s.refuseUnderReserve(w); err != nil {
		return err
	}
	if err := s.admitRate(r.Context(), tenant); err != nil {
		return err
	}
	ev, created, err := s.Store.Enqueue(r.Context(), claw.Ref{Tenant: tenant, Name: name}, claw.NewEvent{
		Kind: claw.KindWebhook, IdempotencyKey: "hook:" + hookName + ":" + dl.ID, Session: hook.EffectiveSession(), Text: text,
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusAccepted
		s.Wake.Notify(claw.Ref{Tenant: tenant, Name: name})
	}
	writeJSON(w, status, api.WebhookResponse{EventID: ev.ID, Status: ev.Status, Duplicate: !created})
	return nil
}

func (s *Server) hookEnv(name string) string {
	if s.Getenv != nil {
		return s.Getenv(name)
	}
	return os.Getenv(name)
}

// webhookRoutes take signed webhook deliveries (the signature is their
// authentication).
func (s *Server) webhookRoutes(t *routeTable) {
	t.public("POST /hooks/{claw}/{hook}", s.webhook)
	t.public("POST /hooks/{tenant}/{claw}/{hook}", s.webhook)
}
