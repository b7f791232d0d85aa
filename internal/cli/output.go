package cli

import "fmt"

// output is a read command's --output flag: "table" (for people, the
// default) or "json" (for scripts: the node's answer as it came, indented).
type output struct{ v *string }

func addOutputFlag(f flags) output {
	return output{f.String("output", "table", "output format: table or json")}
}

// json reports whether JSON was asked for, refusing an unknown format.
func (o output) json() (bool, error) {
	if o.v == nil {
		return false, nil
	}
	switch *o.v {
	case "table", "":
		return false, nil
	case "json":
		return true, nil
	}
	return false, fmt.Errorf("--output: unknown format %q: table or json", *o.v)
}

// print writes v as JSON when JSON was asked for, and otherwise runs
// table, which prints it for people.
func (o output) print(env Env, v any, table func() error) error {
	asJSON, err := o.json()
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(env.Stdout, v)
	}
	return table()
}
