package spec_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/spec"
)

func TestParseWebhooks(t *testing.T) {
	t.Parallel()
	const head = "name: a\nmodel: a/b\nwebhooks:\n"
	tests := []struct {
		name string
		in   string
		want []claw.Webhook
		errs []string
	}{
		{
			name: "standard and github",
			in: head + `  - name: billing
    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
    prompt: "Invoice {{.JSON.id}} changed"
  - name: gh
    scheme: github
    secret_env: GH_HOOK_SECRET
    headers: [X-GitHub-Event]
    session: main
`,
			want: []claw.Webhook{
				{Name: "billing", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Prompt: "Invoice {{.JSON.id}} changed"},
				{Name: "gh", Scheme: "github", SecretEnv: "GH_HOOK_SECRET", Headers: []string{"X-GitHub-Event"}, Session: "main"},
			},
		},
		{
			name: "JSON",
			in:   `{"name": "a", "model": "a/b", "webhooks": [{"name": "h", "secret_env": "S"}]}`,
			want: []claw.Webhook{{Name: "h", SecretEnv: "S"}},
		},
		{
			name: "unknown key",
			in:   head + "  - name: h\n    secret_env: S\n    promt: x\n",
			errs: []string{`line 6: unknown key "promt" in webhooks[0] (did you mean "prompt"?)`},
		},
		{
			name: "every problem",
			in: head + `  - name: Bad Name
    secret: whsec_not base64
    scheme: gitlab
    prompt: "{{.Body"
    headers: ["X-A", "x-a", "bad header"]
    session: "has space"
  - name: h
  - name: h
    secret: s
    secret_env: S
  - name: e
    secret_env: "1BAD"
`,
			errs: []string{
				`line 4: webhooks[0].name: must be 1 to 63 lowercase letters, digits, '-' or '_', starting and ending with a letter or digit (^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$), got "Bad Name"`,
				`line 6: webhooks[0].scheme: must be "standard" or "github", got "gitlab"`,
				`line 7: webhooks[0].prompt: template: prompt:1: unclosed action`,
				`line 8: webhooks[0].headers[1]: duplicate header "x-a" (also headers[0])`,
				`line 8: webhooks[0].headers[2]: must be an HTTP header name, got "bad header"`,
				`line 9: webhooks[0].session: must be 1-128 printable ASCII characters without spaces, got "has space"`,
				`line 10: webhooks[1].secret: one of secret or secret_env is required`,
				`line 11: webhooks[2].name: duplicate webhook "h" (also webhooks[1])`,
				`line 12: webhooks[2].secret: set secret or secret_env, not both`,
				`line 15: webhooks[3].secret_env: must be an environment variable name (^[A-Za-z_][A-Za-z0-9_]{0,127}$), got "1BAD"`,
			},
		},
		{
			name: "bad standard secret",
			in:   head + "  - name: h\n    secret: not-base64!\n",
			errs: []string{`line 5: webhooks[0].secret: secret must be whsec_ followed by base64`},
		},
		{
			name: "unknown template function",
			in:   head + "  - name: h\n    secret_env: S\n    prompt: '{{upper .Body}}'\n",
			errs: []string{`line 6: webhooks[0].prompt: template: prompt:1: function "upper" not defined`},
		},
		{
			name: "prompt too long",
			in:   head + "  - name: h\n    secret_env: S\n    prompt: " + strings.Repeat("x", spec.MaxWebhookPrompt+1) + "\n",
			errs: []string{`line 6: webhooks[0].prompt: must be at most 64 KiB, got 65537 bytes`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := spec.Parse([]byte(tt.in))
			if tt.errs != nil {
				if err == nil {
					t.Fatalf("parsed %+v, want errors", s)
				}
				if got := problemLines(t, err); !reflect.DeepEqual(got, tt.errs) {
					t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.errs, "\n"))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Webhooks, tt.want) {
				t.Fatalf("webhooks = %+v, want %+v", s.Webhooks, tt.want)
			}
			// A canonical spec reads back the same.
			b, err := spec.Canonical(s)
			if err != nil {
				t.Fatal(err)
			}
			again, err := spec.Parse(b)
			if err != nil || !reflect.DeepEqual(again, s) {
				t.Fatalf("canonical %s read back as %+v, %v", b, again, err)
			}
		})
	}
}
