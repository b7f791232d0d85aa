package storetest

import (
	"fmt"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// say puts n user messages ("m0", "m1", ...) into a session of claw a.
func say(t *testing.T, s store.Store, tenant, session string, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		e, _, err := s.Enqueue(ctx(t), claw.Ref{Tenant: tenant, Name: "a"}, claw.NewEvent{Kind: claw.KindMessage, IdempotencyKey: fmt.Sprint(session, i), Session: session, Text: fmt.Sprint("m", i)})
		if err != nil {
			t.Fatal(err)
		}
		finish(t, s, e, "ok")
	}
}

func contents(ms []claw.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Content
	}
	return out
}

func testSessionContext(t *testing.T, s store.Store) {
	mustApply(t, s, claw.DefaultTenant, "a", "p/m")
	say(t, s, claw.DefaultTenant, "s1", 0, 4)
	sum, ms, err := s.SessionContext(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "s1")
	if err != nil || sum.ID != 0 || len(ms) != 4 {
		t.Fatalf("SessionContext without summary = %+v, %v, %v", sum, contents(ms), err)
	}
	// A compaction step's summary covers the first two messages.
	e := enqueue(t, s, claw.DefaultTenant, "a", "compact", "m4")
	run, err := s.BeginRun(ctx(t), claw.DefaultTenant, e, 1, claw.Message{Content: "m4"})
	if err != nil {
		t.Fatal(err)
	}
	step := claw.Step{RunID: run.ID, Seq: 1, Kind: claw.StepCompact, Name: "p/m"}
	if err := s.StartStep(ctx(t), claw.DefaultTenant, step); err != nil {
		t.Fatal(err)
	}
	step.Status, step.InputTokens = claw.StepFinished, 7
	saved, err := s.SaveSummary(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, &step, claw.Summary{Session: "s1", Through: ms[1].Seq, Text: "said m0 and m1", RunID: run.ID})
	if err != nil || saved.ID == 0 || saved.Text != "said m0 and m1" || saved.Through != ms[1].Seq {
		t.Fatalf("SaveSummary = %+v, %v", saved, err)
	}
	steps, _ := s.RunSteps(ctx(t), claw.DefaultTenant, run.ID)
	if len(steps) != 1 || steps[0].Status != claw.StepFinished || steps[0].Kind != claw.StepCompact {
		t.Fatalf("compaction step = %+v", steps)
	}
	sum, ms2, err := s.SessionContext(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "s1")
	if err != nil || sum.ID != saved.ID || len(ms2) != 2 || ms2[0].Content != "m2" {
		t.Fatalf("SessionContext after summary = %+v, %v, %v", sum, contents(ms2), err)
	}
	// The transcript is kept whole.
	if all, _ := s.SessionMessages(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "s1", 0); len(all) != 4 {
		t.Fatalf("transcript has %d messages after compaction, want 4", len(all))
	}
	// A reset starts an empty context; later messages follow it.
	reset, err := s.ResetSession(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "s1")
	if err != nil || !reset.Reset || reset.Text != "" || reset.Through != ms[3].Seq {
		t.Fatalf("ResetSession = %+v, %v", reset, err)
	}
	if sum, ms, _ := s.SessionContext(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "s1"); sum.ID != reset.ID || len(ms) != 0 {
		t.Fatalf("SessionContext after reset = %+v, %v", sum, contents(ms))
	}
	say(t, s, claw.DefaultTenant, "s1", 10, 1)
	if _, ms, _ := s.SessionContext(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "s1"); len(ms) != 1 || ms[0].Content != "m10" {
		t.Fatalf("SessionContext after reset and a message = %v", contents(ms))
	}
	if sums, err := s.SessionSummaries(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "s1"); err != nil || len(sums) != 2 || sums[0].Reset || !sums[1].Reset {
		t.Fatalf("SessionSummaries = %+v, %v", sums, err)
	}
	if _, err := s.ResetSession(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "nope"); claw.ErrorCode(err) != claw.ENOTFOUND {
		t.Fatalf("ResetSession of an unknown session = %v, want ENOTFOUND", err)
	}
}

func testListSessions(t *testing.T, s store.Store) {
	mustApply(t, s, claw.DefaultTenant, "a", "p/m")
	say(t, s, claw.DefaultTenant, "old", 0, 2)
	say(t, s, claw.DefaultTenant, "new", 0, 3)
	if _, err := s.ResetSession(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "new"); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListSessions(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, 0)
	if err != nil || len(got) != 2 {
		t.Fatalf("ListSessions = %+v, %v", got, err)
	}
	if got[0].Session != "new" || got[0].Messages != 3 || got[0].Summaries != 1 || got[1].Session != "old" || got[1].Messages != 2 || got[1].Summaries != 0 {
		t.Fatalf("ListSessions = %+v", got)
	}
	if got[0].LastSeq <= got[1].LastSeq || got[0].UpdatedAt.IsZero() {
		t.Fatalf("ListSessions order or times = %+v", got)
	}
	if err := s.EnsureTenant(ctx(t), "other"); err != nil {
		t.Fatal(err)
	}
	mustApply(t, s, "other", "a", "p/m")
	if got, _ := s.ListSessions(ctx(t), claw.Ref{Tenant: "other", Name: "a"}, 0); len(got) != 0 {
		t.Fatalf("other tenant sees sessions %+v", got)
	}
}

func testMemory(t *testing.T, s store.Store) {
	mustApply(t, s, claw.DefaultTenant, "a", "p/m")
	w := func(text string, tags ...string) claw.Memory {
		t.Helper()
		m, err := s.WriteMemory(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, claw.Memory{Text: text, Tags: tags})
		if err != nil || m.ID == 0 || m.Text != text || m.CreatedAt.IsZero() {
			t.Fatalf("WriteMemory = %+v, %v", m, err)
		}
		return m
	}
	cat := w("The user's cat is called Miso and likes tuna", "pets")
	w("The user works at a bakery in Lyon")
	both := w("Miso the cat visits the bakery every morning")
	if got, err := s.ListMemories(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, 2); err != nil || len(got) != 2 || got[0].ID != both.ID || got[1].Text != "The user works at a bakery in Lyon" {
		t.Fatalf("ListMemories(limit 2) = %+v, %v; want the newest two, newest first", got, err)
	}
	if _, err := s.ListMemories(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "nope"}, 10); claw.ErrorCode(err) != claw.ENOTFOUND {
		t.Fatalf("ListMemories(unknown claw) error = %v, want ENOTFOUND", err)
	}
	if got, err := s.ListMemories(ctx(t), claw.Ref{Tenant: "other", Name: "a"}, 10); claw.ErrorCode(err) != claw.ENOTFOUND || len(got) != 0 {
		t.Fatalf("ListMemories from another tenant = %+v, %v; want ENOTFOUND", got, err)
	}
	got, err := s.SearchMemory(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "Where is the bakery that Miso visits?", 10)
	if err != nil || len(got) != 3 {
		t.Fatalf("SearchMemory = %+v, %v", got, err)
	}
	if got[0].ID != both.ID || got[0].Score <= got[2].Score {
		t.Fatalf("SearchMemory ranks %+v first; want the memory matching most words (%d)", got[0], both.ID)
	}
	if got, _ := s.SearchMemory(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "pets", 10); len(got) != 1 || got[0].ID != cat.ID || len(got[0].Tags) != 1 || got[0].Tags[0] != "pets" {
		t.Fatalf("search by tag = %+v", got)
	}
	if got, _ := s.SearchMemory(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "cats", 10); len(got) != 2 {
		t.Fatalf("stemmed search for cats = %+v, want 2", got)
	}
	if got, _ := s.SearchMemory(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "miso", 1); len(got) != 1 {
		t.Fatalf("limit 1 gave %d", len(got))
	}
	if got, _ := s.SearchMemory(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, `"unbalanced OR (syntax* NEAR`, 10); len(got) != 0 {
		t.Fatalf("query syntax reached the index: %+v", got)
	}
	if _, err := s.SearchMemory(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, " ?! ", 10); claw.ErrorCode(err) != claw.EINVALID {
		t.Fatalf("search without words = %v, want EINVALID", err)
	}
	if m, err := s.GetMemory(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, cat.ID); err != nil || m.Text != cat.Text {
		t.Fatalf("GetMemory = %+v, %v", m, err)
	}
	if err := s.ForgetMemory(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, cat.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetMemory(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, cat.ID); claw.ErrorCode(err) != claw.ENOTFOUND {
		t.Fatalf("GetMemory after forget = %v", err)
	}
	if got, _ := s.SearchMemory(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "tuna", 10); len(got) != 0 {
		t.Fatalf("forgotten memory found: %+v", got)
	}
	if err := s.ForgetMemory(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, cat.ID); claw.ErrorCode(err) != claw.ENOTFOUND {
		t.Fatalf("ForgetMemory twice = %v", err)
	}
	if _, err := s.WriteMemory(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, claw.Memory{Text: "  "}); claw.ErrorCode(err) != claw.EINVALID {
		t.Fatalf("empty memory = %v", err)
	}
}

func testMemoryIsolation(t *testing.T, s store.Store) {
	if err := s.EnsureTenant(ctx(t), "other"); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []claw.Ref{{Tenant: claw.DefaultTenant, Name: "a"}, {Tenant: claw.DefaultTenant, Name: "b"}, {Tenant: "other", Name: "a"}} {
		mustApply(t, s, ref.Tenant, ref.Name, "p/m")
	}
	mine, err := s.WriteMemory(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, claw.Memory{Text: "secret launch code is pineapple"})
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []claw.Ref{{Tenant: claw.DefaultTenant, Name: "b"}, {Tenant: "other", Name: "a"}} {
		if got, err := s.SearchMemory(ctx(t), ref, "pineapple", 10); err != nil || len(got) != 0 {
			t.Fatalf("%v searches and finds %+v, %v", ref, got, err)
		}
		if _, err := s.GetMemory(ctx(t), ref, mine.ID); claw.ErrorCode(err) != claw.ENOTFOUND {
			t.Fatalf("%v gets another claw's memory: %v", ref, err)
		}
		if err := s.ForgetMemory(ctx(t), ref, mine.ID); claw.ErrorCode(err) != claw.ENOTFOUND {
			t.Fatalf("%v forgets another claw's memory: %v", ref, err)
		}
	}
	if got, _ := s.SearchMemory(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "pineapple", 10); len(got) != 1 {
		t.Fatalf("owner finds %+v", got)
	}
	// Deleting a claw deletes its memories.
	if err := s.DeleteClaw(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}); err != nil {
		t.Fatal(err)
	}
	mustApply(t, s, claw.DefaultTenant, "a", "p/m")
	if got, _ := s.SearchMemory(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, "pineapple", 10); len(got) != 0 {
		t.Fatalf("a re-created claw finds its predecessor's memory: %+v", got)
	}
}

func testMemoryFiles(t *testing.T, s store.Store) {
	mustApply(t, s, claw.DefaultTenant, "a", "p/m")
	sync := func(files ...store.MemoryFile) {
		t.Helper()
		if err := s.SyncMemoryFiles(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, files); err != nil {
			t.Fatal(err)
		}
	}
	find := func(q string) []claw.Memory {
		t.Helper()
		got, err := s.SearchMemory(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, q, 10)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	sync(store.MemoryFile{Path: "MEMORY.md", Hash: "h1", Chunks: []string{"prefers green tea", "lives near the harbour"}},
		store.MemoryFile{Path: "memory/2026-01-02.md", Hash: "d1", Chunks: []string{"bought a green bicycle"}})
	got := find("green")
	if len(got) != 2 {
		t.Fatalf("file memories = %+v", got)
	}
	if err := s.ForgetMemory(ctx(t), claw.Ref{Tenant: claw.DefaultTenant, Name: "a"}, got[0].ID); claw.ErrorCode(err) != claw.EINVALID {
		t.Fatalf("forget a file chunk = %v, want EINVALID", err)
	}
	// An unchanged hash keeps the chunks (and their ids).
	sync(store.MemoryFile{Path: "MEMORY.md", Hash: "h1", Chunks: []string{"ignored"}},
		store.MemoryFile{Path: "memory/2026-01-02.md", Hash: "d1"})
	if again := find("green"); len(again) != 2 || again[0].ID != got[0].ID && again[0].ID != got[1].ID {
		t.Fatalf("unchanged files re-indexed: %+v", again)
	}
	// A changed file is re-indexed; a file no longer listed is dropped.
	sync(store.MemoryFile{Path: "MEMORY.md", Hash: "h2", Chunks: []string{"prefers black coffee"}})
	if got := find("green"); len(got) != 0 {
		t.Fatalf("stale file memories: %+v", got)
	}
	if got := find("coffee"); len(got) != 1 || got[0].Source != "MEMORY.md" {
		t.Fatalf("re-indexed file memory = %+v", got)
	}
}
