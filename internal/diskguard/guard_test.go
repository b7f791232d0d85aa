package diskguard_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/diskguard"
)

func TestParseReserve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want diskguard.Reserve
		str  string
		bad  bool
	}{
		{in: "5%", want: diskguard.Reserve{Percent: 5}, str: "5%"},
		{in: "2.5%", want: diskguard.Reserve{Percent: 2.5}, str: "2.5%"},
		{in: "0%", want: diskguard.Reserve{}, str: "0"},
		{in: "10Gi", want: diskguard.Reserve{Bytes: 10 << 30}, str: "10Gi"},
		{in: "0", want: diskguard.Reserve{}, str: "0"},
		{in: "51%", bad: true},
		{in: "-1%", bad: true},
		{in: "%", bad: true},
		{in: "five%", bad: true},
		{in: "10 GiB", bad: true},
		{in: "", bad: true},
	}
	for _, tt := range tests {
		got, err := diskguard.ParseReserve(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("ParseReserve(%q) = %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want || got.String() != tt.str {
			t.Errorf("ParseReserve(%q) = %+v (%s), %v; want %+v (%s)", tt.in, got, got, err, tt.want, tt.str)
		}
	}
}

func TestReserveJSON(t *testing.T) {
	t.Parallel()
	var r diskguard.Reserve
	if err := json.Unmarshal([]byte(`"7%"`), &r); err != nil || r.Percent != 7 {
		t.Fatalf(`"7%%" = %+v, %v`, r, err)
	}
	if err := json.Unmarshal([]byte(`1048576`), &r); err != nil || r != (diskguard.Reserve{Bytes: 1 << 20}) {
		t.Fatalf("1048576 = %+v, %v", r, err)
	}
	if err := json.Unmarshal([]byte(`true`), &r); claw.ErrorCode(err) != claw.EINVALID {
		t.Fatalf("true: err = %v, want EINVALID", err)
	}
	b, err := json.Marshal(diskguard.Reserve{Percent: 5})
	if err != nil || string(b) != `"5%"` {
		t.Fatalf("marshal = %s, %v", b, err)
	}
}

func TestGuard(t *testing.T) {
	t.Parallel()
	const gi = 1 << 30
	tests := []struct {
		name    string
		reserve diskguard.Reserve
		space   diskguard.Space
		err     error
		want    string // "" when Check passes
	}{
		{name: "plenty", reserve: diskguard.Reserve{Percent: 5}, space: diskguard.Space{Free: 10 * gi, Total: 64 * gi}},
		{name: "at the reserve", reserve: diskguard.Reserve{Bytes: gi}, space: diskguard.Space{Free: gi, Total: 64 * gi}},
		{name: "under percent", reserve: diskguard.Reserve{Percent: 5}, space: diskguard.Space{Free: 3*gi + gi/10, Total: 64 * gi},
			want: "disk reserve reached: 3.1 GiB free of 64.0 GiB on /data (reserve 5%); the node accepts no new events until space is freed"},
		{name: "under bytes", reserve: diskguard.Reserve{Bytes: 10 * gi}, space: diskguard.Space{Free: 512 << 20, Total: 64 * gi},
			want: "disk reserve reached: 512.0 MiB free of 64.0 GiB on /data (reserve 10Gi)"},
		{name: "no reserve, full", space: diskguard.Space{Free: 0, Total: 64 * gi}},
		{name: "statfs fails", reserve: diskguard.Reserve{Percent: 5}, err: errors.New("boom"),
			want: "measure the free space of the data volume: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := &diskguard.Guard{Dir: "/data", Reserve: tt.reserve, Stat: func(string) (diskguard.Space, error) { return tt.space, tt.err }}
			err := g.Check()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Check = %v, want it to contain %q", err, tt.want)
			}
			if tt.err == nil && !errors.Is(err, diskguard.ErrReserve) {
				t.Fatalf("Check = %v, want ErrReserve", err)
			}
		})
	}
}

func TestGuardCaches(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	calls, free := 0, uint64(100)
	g := &diskguard.Guard{Dir: "/d", Reserve: diskguard.Reserve{Bytes: 50}, Now: func() time.Time { return now },
		Stat: func(string) (diskguard.Space, error) { calls++; return diskguard.Space{Free: free, Total: 1000}, nil }}
	for range 3 {
		if err := g.Check(); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 1 {
		t.Fatalf("3 checks within MaxAge measured %d times, want 1", calls)
	}
	free = 10
	if err := g.Check(); err != nil {
		t.Fatalf("a cached measure still passes, got %v", err)
	}
	now = now.Add(diskguard.DefaultMaxAge)
	if err := g.Check(); !errors.Is(err, diskguard.ErrReserve) || calls != 2 {
		t.Fatalf("after MaxAge: %v (%d measures), want ErrReserve after 2", err, calls)
	}
	free = 100
	if err := g.Refresh(); err != nil || calls != 3 {
		t.Fatalf("Refresh = %v (%d measures), want nil after 3", err, calls)
	}
	var nilGuard *diskguard.Guard
	if nilGuard.Check() != nil {
		t.Fatal("a nil guard refused")
	}
}

func TestStatfs(t *testing.T) {
	t.Parallel()
	s, err := diskguard.Statfs(t.TempDir())
	if err != nil || s.Total == 0 || s.Free > s.Total {
		t.Fatalf("Statfs = %+v, %v", s, err)
	}
	if _, err := diskguard.Statfs("/nonexistent/reef"); err == nil {
		t.Fatal("Statfs of a missing directory: no error")
	}
}

func TestHuman(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0 B", 900: "900 B", 1536: "1.5 KiB", 1 << 30: "1.0 GiB", 1288490189: "1.2 GiB", 3 << 40: "3.0 TiB"} {
		if got := diskguard.Human(n); got != want {
			t.Errorf("Human(%d) = %q, want %q", n, got, want)
		}
	}
}
