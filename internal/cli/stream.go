package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/client"
)

// streamReply sends a message and prints its run as it happens: the
// model's text on stdout as it is written, each tool call as one line on
// stderr; then what the stream lacked of the reply. A failed run, or one
// not finished within wait, is the error, as printReply says.
func streamReply(ctx context.Context, env Env, c *client.Client, name string, req api.MessageRequest, wait time.Duration) (api.EventResponse, error) {
	var step int
	var stepText strings.Builder
	printed := false
	res, err := c.SendStream(ctx, name, req, wait, client.StreamHandler{
		Delta: func(d api.StreamDelta) {
			if d.Step != step {
				if stepText.Len() > 0 {
					fmt.Fprint(env.Stdout, "\n\n")
				}
				step = d.Step
				stepText.Reset()
			}
			stepText.WriteString(d.Text)
			fmt.Fprint(env.Stdout, d.Text)
			printed = true
		},
		Tool: func(t api.StreamTool) {
			if printed && stepText.Len() > 0 {
				fmt.Fprintln(env.Stdout)
				stepText.Reset()
			}
			line := fmt.Sprintf("→ %s %s", t.Tool, oneLine(string(t.Arguments), 100))
			if t.Error != "" {
				line += " (failed: " + oneLine(t.Error, 80) + ")"
			}
			fmt.Fprintln(env.Stderr, line)
		},
	})
	if err != nil {
		if printed {
			fmt.Fprintln(env.Stdout)
		}
		return res, err
	}
	if res.Status != claw.EventCompleted {
		if printed {
			fmt.Fprintln(env.Stdout)
		}
		return res, printReply(env, res)
	}
	streamed := stepText.String()
	switch {
	case streamed == res.Reply:
		fmt.Fprintln(env.Stdout)
	case streamed != "" && strings.HasPrefix(res.Reply, streamed):
		fmt.Fprintln(env.Stdout, res.Reply[len(streamed):])
	default: // nothing streamed (the run was on another node), or other text
		if printed {
			fmt.Fprint(env.Stdout, "\n\n")
		}
		fmt.Fprintln(env.Stdout, res.Reply)
	}
	return res, nil
}
