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
