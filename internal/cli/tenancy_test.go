package cli_test

import (
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/llm/llmtest"
)

// TestTenantsAndTokens: an admin makes a tenant and its owner; the owner
// applies a claw of the same name as default's and sees only its own; a
// quota refuses a claw too many and a sandbox above the ceiling; a
// viewer reads but cannot apply; a revoked token is refused; deleting the
// tenant says what it removed.
func TestTenantsAndTokens(t *testing.T) {
	t.Parallel()
	b := setup(t, llmtest.Echo)
	path := writeSpec(t, helloSpec)
	b.ok(t, "apply", "-f", path)

	if out := b.ok(t, "tenants", "create", "acme"); !strings.Contains(out, "tenant acme created") {
		t.Fatalf("tenants create printed %q", out)
	}
	if out := b.ok(t, "tenants", "set", "acme", "--max-claws", "3", "--max-memory", "2Gi"); !strings.Contains(out, "max-claws=3 max-memory=2Gi") {
		t.Fatalf("tenants set printed %q", out)
	}
	owner := strings.TrimSpace(b.ok(t, "tokens", "create", "--tenant", "acme", "--role", "owner", "--name", "boss"))
	asOwner := map[string]string{"REEF_TOKEN": owner}
	if r := b.run(t, "", asOwner, "get", "hello"); r.err == nil || !strings.Contains(r.err.Error(), `claw "hello" not found`) {
		t.Fatalf("acme's owner reads default's claw: %+v", r)
	}
	if r := b.run(t, "", asOwner, "apply", "-f", path); r.err != nil {
		t.Fatalf("acme's owner applies: %+v", r)
	}
	b.ok(t, "tenants", "set", "acme", "--max-claws", "1")
	if r := b.run(t, "", asOwner, "apply", "-f", writeSpec(t, "name: other\nmodel: fake/m1\n")); r.err == nil || !strings.Contains(r.err.Error(), "max-claws=1") {
		t.Fatalf("a claw past max-claws: %+v", r)
	}
	if r := b.run(t, "", asOwner, "apply", "-f", writeSpec(t, "name: hello\nmodel: fake/m1\nsandbox:\n  memory: 4Gi\n")); r.err == nil || !strings.Contains(r.err.Error(), "max-memory 2Gi") {
		t.Fatalf("a sandbox above max-memory: %+v", r)
	}
	b.ok(t, "tenants", "set", "acme", "--rate", "0.1/s")
	if r := b.run(t, "", asOwner, "send", "hello", "one"); r.err != nil {
		t.Fatalf("first message under the rate: %+v", r)
	}
	if r := b.run(t, "", asOwner, "send", "hello", "two"); r.err == nil || !strings.Contains(r.err.Error(), "rate=0.1/s") {
		t.Fatalf("second message over the rate: %+v", r)
	}
	b.ok(t, "tenants", "set", "acme", "--rate", "0")
	viewer := strings.TrimSpace(b.run(t, "", asOwner, "tokens", "create", "--role", "viewer").stdout)
	asViewer := map[string]string{"REEF_TOKEN": viewer}
	if r := b.run(t, "", asViewer, "claws"); r.err != nil || !strings.Contains(r.stdout, "hello") {
		t.Fatalf("viewer lists claws: %+v", r)
	}
	if r := b.run(t, "", asViewer, "apply", "-f", path); r.err == nil || !strings.Contains(r.err.Error(), "role viewer cannot change claws") {
		t.Fatalf("viewer applies: %+v", r)
	}
	if r := b.run(t, "", asOwner, "tenants", "list"); r.err == nil || !strings.Contains(r.err.Error(), "cannot manage the node") {
		t.Fatalf("owner lists tenants: %+v", r)
	}
	list := b.run(t, "", asOwner, "tokens", "list").stdout
	var viewerID string
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[2] == "viewer" {
			viewerID = f[0]
		}
	}
	if viewerID == "" || strings.Contains(list, "admin") {
		t.Fatalf("owner's token list:\n%s", list)
	}
	b.run(t, "", asOwner, "tokens", "revoke", viewerID)
	if r := b.run(t, "", asViewer, "claws"); r.err == nil || !strings.Contains(r.err.Error(), "revoked") {
		t.Fatalf("revoked viewer: %+v", r)
	}
	out := b.ok(t, "tenants", "delete", "acme")
	if !strings.Contains(out, "1 claws") || !strings.Contains(out, "2 tokens") {
		t.Fatalf("tenants delete printed %q", out)
	}
	if r := b.run(t, "", asOwner, "claws"); r.err == nil {
		t.Fatalf("a deleted tenant's owner still works: %+v", r)
	}
	b.ok(t, "get", "hello") // default's claw is untouched
}
