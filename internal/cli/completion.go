package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// completion prints a shell completion script for bash, zsh or fish: it
// completes command names (with their summaries where the shell shows
// them) and, after a command, its flags as `reef COMMAND -h` lists them.
func completion(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "completion")
	pos, err := f.parse(args, 1)
	if err != nil {
		return err
	}
	var names []string
	for _, c := range commands() {
		if c.name != "sandbox-exec" {
			names = append(names, c.name)
		}
	}
	switch pos[0] {
	case "bash":
		writeBash(env.Stdout, names)
	case "zsh":
		fmt.Fprintln(env.Stdout, "#compdef reef\nautoload -U +X bashcompinit && bashcompinit")
		writeBash(env.Stdout, names)
	case "fish":
		writeFish(env.Stdout)
	default:
		return fmt.Errorf("completion: unknown shell %q: bash, zsh or fish", pos[0])
	}
	return nil
}

// flagsOf is the shell pipeline that lists a command's flags from its -h.
const flagsOf = `reef "$1" -h 2>&1 | sed -n 's/^  -\([a-z][a-z-]*\).*/--\1/p'`

func writeBash(w io.Writer, names []string) {
	fmt.Fprintf(w, `# reef completion for bash: source <(reef completion bash)
_reef_flags() { %s; }
_reef() {
	local cur=${COMP_WORDS[COMP_CWORD]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "%s" -- "$cur"))
	elif [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_reef_flags "${COMP_WORDS[1]}")" -- "$cur"))
	fi
}
complete -o default -F _reef reef
`, flagsOf, strings.Join(names, " "))
}

func writeFish(w io.Writer) {
	fmt.Fprintln(w, "# reef completion for fish: reef completion fish | source")
	fmt.Fprintf(w, "function __reef_flags\n    %s\nend\n", strings.ReplaceAll(flagsOf, `"$1"`, `$argv[1]`))
	for _, c := range commands() {
		if c.name == "sandbox-exec" {
			continue
		}
		fmt.Fprintf(w, "complete -c reef -n __fish_use_subcommand -f -a %s -d %s\n", c.name, fishQuote(c.summary))
	}
	fmt.Fprintln(w, `complete -c reef -n 'not __fish_use_subcommand' -a '(__reef_flags (commandline -opc)[2])'`)
}

// fishQuote quotes s for fish.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
