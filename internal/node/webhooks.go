package node

import (
	"fmt"
	"os"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/webhook"
)

// webhookSecrets checks that every webhook secret a spec takes from the
// environment is set on this node and usable by the hook's scheme.
func webhookSecrets(s claw.Spec, getenv func(string) string) []string {
	if getenv == nil {
		getenv = os.Getenv
	}
	var problems []string
	for i, h := range s.Webhooks {
		if h.SecretEnv == "" {
			continue
		}
		v := getenv(h.SecretEnv)
		if v == "" {
			problems = append(problems, fmt.Sprintf("webhooks[%d].secret_env: %s is not set on this node", i, h.SecretEnv))
			continue
		}
		if _, err := webhook.ParseSecret(h.EffectiveScheme(), v); err != nil {
			problems = append(problems, fmt.Sprintf("webhooks[%d].secret_env: %s: %v", i, h.SecretEnv, err))
		}
	}
	return problems
}
