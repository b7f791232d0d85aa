package cli_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/cli"
)

func completionScript(t *testing.T, shell string) string {
	t.Helper()
	var out, errb bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	if err := cli.Run(t.Context(), env, []string{"completion", shell}); err != nil {
		t.Fatalf("reef completion %s: %v (%s)", shell, err, errb.String())
	}
	return out.String()
}

// TestBashCompletion sources the script in bash and completes a command
// name and a flag (reef itself is a shell function printing -h's shape).
func TestBashCompletion(t *testing.T) {
	t.Parallel()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	script := filepath.Join(t.TempDir(), "reef.bash")
	if err := os.WriteFile(script, []byte(completionScript(t, "bash")), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		words string
		want  string
	}{
		{"reef sen", "send"},
		{"reef sch", "schedules"},
		{"reef send hello --w", "--wait --wait-ready"},
	} {
		words := strings.Fields(tt.words)
		prog := `reef() { printf '  -session string\n    \tsession\n  -wait\n    \twait\n  -wait-ready duration\n'; }
source ` + script + `
COMP_WORDS=(` + strings.Join(words, " ") + `); COMP_CWORD=` + string(rune('0'+len(words)-1)) + `
_reef; echo "${COMPREPLY[*]}"`
		out, err := exec.Command(bash, "-c", prog).CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		if got := strings.TrimSpace(string(out)); got != tt.want {
			t.Errorf("completing %q = %q, want %q", tt.words, got, tt.want)
		}
	}
}

func TestZshAndFishCompletion(t *testing.T) {
	t.Parallel()
	if z := completionScript(t, "zsh"); !strings.HasPrefix(z, "#compdef reef\n") || !strings.Contains(z, "complete -o default -F _reef reef") {
		t.Errorf("zsh script:\n%s", z)
	}
	f := completionScript(t, "fish")
	for _, c := range []string{"serve", "send", "completion"} {
		if !strings.Contains(f, "-a "+c+" -d '") {
			t.Errorf("fish script does not complete %s:\n%s", c, f)
		}
	}
	if strings.Contains(f, "sandbox-exec") {
		t.Error("fish script offers the internal sandbox-exec")
	}
}
