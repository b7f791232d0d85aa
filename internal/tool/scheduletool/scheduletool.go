// Package scheduletool is the "schedule" tool: a claw makes, lists and
// cancels its own schedules (a reminder in 4s, a daily cron). What it makes
// is stored like the spec's schedules, so it survives restarts and fires
// exactly once per fire time.
package scheduletool

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/schedule"
	"github.com/reefhq/reef/internal/scheduler"
	"github.com/reefhq/reef/internal/tool"
)

// Tool is the schedule tool.
type Tool struct {
	Scheduler *scheduler.Scheduler
}

var _ tool.Tool = (*Tool)(nil)

// Name is "schedule".
func (*Tool) Name() string { return "schedule" }

// Description tells the model what the tool does.
func (*Tool) Description() string {
	return "Make, list or cancel your own schedules. action=create with a prompt and exactly one of: in (a delay such as \"4s\" or \"2h\"), " +
		"at (an RFC 3339 time), every (an interval, at least 1s), cron (5 or 6 fields, with an optional IANA timezone). " +
		"When it fires, the prompt comes back to you as a user message in the session (default: this one). " +
		"action=list shows every schedule with its next fire; action=cancel removes one of yours by name."
}

// Schema describes the arguments.
func (*Tool) Schema() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{` +
		`"action":{"type":"string","enum":["create","list","cancel"]},` +
		`"prompt":{"type":"string","description":"What you will be told when it fires (create)."},` +
		`"in":{"type":"string","description":"Fire once after this delay, e.g. \"4s\", \"2h\"."},` +
		`"at":{"type":"string","description":"Fire once at this RFC 3339 time."},` +
		`"every":{"type":"string","description":"Fire at this interval, e.g. \"30m\" (at least 1s)."},` +
		`"cron":{"type":"string","description":"A cron expression, e.g. \"0 9 * * mon-fri\"."},` +
		`"timezone":{"type":"string","description":"IANA time zone of cron (default UTC)."},` +
		`"session":{"type":"string","description":"Session the prompt arrives in (default: the current one)."},` +
		`"name":{"type":"string","description":"The schedule to cancel."}},` +
		`"required":["action"],"additionalProperties":false}`)
}

// Idempotent is false: a create repeated after a crash would make a
// second schedule.
func (*Tool) Idempotent() bool { return false }

type args struct {
	Action   string `json:"action"`
	Prompt   string `json:"prompt"`
	In       string `json:"in"`
	At       string `json:"at"`
	Every    string `json:"every"`
	Cron     string `json:"cron"`
	Timezone string `json:"timezone"`
	Session  string `json:"session"`
	Name     string `json:"name"`
}

// Call runs one action.
func (t *Tool) Call(ctx context.Context, env tool.Env, raw json.RawMessage) (string, error) {
	var a args
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return "", fmt.Errorf("schedule: arguments: %v", err)
	}
	tenant, name := env.Claw.Tenant, env.Claw.Name
	switch a.Action {
	case "create":
		return t.create(ctx, env, a)
	case "list":
		list, err := t.Scheduler.List(ctx, tenant, name)
		if err != nil {
			return "", err
		}
		if len(list) == 0 {
			return "no schedules", nil
		}
		var b strings.Builder
		for _, sc := range list {
			next := "none"
			if !sc.NextFire.IsZero() {
				next = sc.NextFire.UTC().Format(time.RFC3339)
			}
			if sc.Paused {
				next = "paused"
			}
			fmt.Fprintf(&b, "%s (%s, %s): next %s, fired %d times; prompt %q\n", sc.Name, sc.Origin, schedule.Describe(sc.Def), next, sc.Fires, sc.Def.Prompt)
		}
		return b.String(), nil
	case "cancel":
		if a.Name == "" {
			return "", fmt.Errorf("schedule: cancel needs the name of the schedule")
		}
		if err := t.Scheduler.Cancel(ctx, tenant, name, a.Name); err != nil {
			return "", fmt.Errorf("schedule: %s", claw.ErrorMessage(err))
		}
		return "cancelled " + a.Name, nil
	case "":
		return "", fmt.Errorf("schedule: action is required (create, list or cancel)")
	}
	return "", fmt.Errorf("schedule: unknown action %q (create, list or cancel)", a.Action)
}

func (t *Tool) create(ctx context.Context, env tool.Env, a args) (string, error) {
	if strings.TrimSpace(a.Prompt) == "" {
		return "", fmt.Errorf("schedule: create needs a prompt")
	}
	def := claw.ScheduleSpec{Prompt: a.Prompt, Session: a.Session, Cron: a.Cron, At: a.At, Timezone: a.Timezone}
	if def.Session == "" {
		def.Session = env.Event.Session
	}
	n := 0
	for _, v := range []string{a.In, a.At, a.Every, a.Cron} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return "", fmt.Errorf("schedule: create needs exactly one of in, at, every and cron")
	}
	if a.In != "" {
		d, err := time.ParseDuration(a.In)
		if err != nil || d < schedule.MinEvery {
			return "", fmt.Errorf("schedule: in must be a duration of at least 1s such as \"4s\" or \"2h\", got %q", a.In)
		}
		def.At = t.Scheduler.Now().Add(d).UTC().Format(time.RFC3339Nano)
	}
	if a.Every != "" {
		d, err := time.ParseDuration(a.Every)
		if err != nil {
			return "", fmt.Errorf("schedule: every must be a duration such as \"30m\", got %q", a.Every)
		}
		def.Every = claw.Duration(d)
	}
	var b [4]byte
	rand.Read(b[:])
	def.Name = "self-" + hex.EncodeToString(b[:])
	max := env.Claw.Spec.MaxSchedules
	if max == 0 {
		max = claw.DefaultMaxSchedules
	}
	sc, err := t.Scheduler.Create(ctx, env.Claw.Tenant, env.Claw.Name, def, max)
	if err != nil {
		return "", fmt.Errorf("schedule: %s", claw.ErrorMessage(err))
	}
	return fmt.Sprintf("created schedule %s (%s): first fire at %s", sc.Name, schedule.Describe(sc.Def), sc.NextFire.UTC().Format(time.RFC3339)), nil
}
