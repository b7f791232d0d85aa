package scheduletool_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/scheduler"
	"github.com/reefhq/reef/internal/store/sqlite"
	"github.com/reefhq/reef/internal/tool"
	"github.com/reefhq/reef/internal/tool/scheduletool"
)

func TestScheduleTool(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "reef.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	res, err := st.ApplyClaw(t.Context(), claw.DefaultTenant, claw.Spec{Name: "c", Model: "p/m", MaxSchedules: 2}, []byte(`{"name":"c","max_schedules":2}`))
	if err != nil {
		t.Fatal(err)
	}
	tl := &scheduletool.Tool{Scheduler: scheduler.New(st, func(claw.Ref) {}, nil, scheduler.Config{})}
	env := tool.Env{Claw: res.Claw, Event: claw.Event{Session: "chat-7"}}
	call := func(args string) (string, error) {
		if !json.Valid([]byte(args)) {
			t.Fatalf("bad test JSON %s", args)
		}
		return tl.Call(t.Context(), env, json.RawMessage(args))
	}
	tests := []struct {
		args, want, wantErr string
	}{
		{`{"action":"create","in":"4s","prompt":"stretch"}`, "created schedule self-", ""},
		{`{"action":"create","cron":"0 9 * * *","timezone":"Europe/Lisbon","prompt":"standup"}`, "cron 0 9 * * * Europe/Lisbon", ""},
		{`{"action":"create","every":"1h","prompt":"third"}`, "", "max_schedules 2"},
		{`{"action":"create","in":"4s","every":"1h","prompt":"x"}`, "", "exactly one of in, at, every and cron"},
		{`{"action":"create","in":"500ms","prompt":"x"}`, "", "at least 1s"},
		{`{"action":"create","every":"10ms","prompt":"x"}`, "", "at least 1s"},
		{`{"action":"create","at":"2020-01-01T00:00:00Z","prompt":"x"}`, "", "in the past"},
		{`{"action":"create","cron":"99 * * * *","prompt":"x"}`, "", "out of range"},
		{`{"action":"create","in":"4s"}`, "", "needs a prompt"},
		{`{"action":"explode"}`, "", "unknown action"},
		{`{"action":"create","when":"now"}`, "", "unknown field"},
		{`{"action":"list"}`, "stretch", ""},
		{`{"action":"cancel"}`, "", "needs the name"},
		{`{"action":"cancel","name":"self-nope"}`, "", "no schedule"},
	}
	for _, tt := range tests {
		out, err := call(tt.args)
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.args, err, tt.wantErr)
			}
		case err != nil || !strings.Contains(out, tt.want):
			t.Errorf("%s = %q, %v; want %q", tt.args, out, err, tt.want)
		}
	}
	list, err := st.ListSchedules(t.Context(), claw.Ref{Tenant: claw.DefaultTenant, Name: "c"})
	if err != nil || len(list) != 2 {
		t.Fatalf("stored = %+v, %v", list, err)
	}
	if list[0].Def.Session != "chat-7" {
		t.Errorf("session = %q, want the caller's", list[0].Def.Session)
	}
	if out, err := call(`{"action":"cancel","name":"` + list[0].Name + `"}`); err != nil || !strings.Contains(out, "cancelled") {
		t.Fatalf("cancel = %q, %v", out, err)
	}
	if _, err := call(`{"action":"create","every":"1h","prompt":"now fits"}`); err != nil {
		t.Fatalf("create after cancel: %v", err)
	}
}
