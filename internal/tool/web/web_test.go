package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/tool"
	"github.com/reefhq/reef/internal/tool/web"
)

func env(network ...string) tool.Env {
	return tool.Env{Claw: claw.Claw{Tenant: "t1", Name: "c1", Spec: claw.Spec{Sandbox: claw.Sandbox{Network: network}}}}
}

// rebinder resolves every name to loopback, as a DNS rebinding attacker would.
type rebinder struct{}

func (rebinder) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
}

func TestFetch(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			io.WriteString(w, strings.Repeat("x", 100))
		case "/redirect":
			http.Redirect(w, r, "http://127.0.0.2:1/", http.StatusFound)
		default:
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("X-Seen", r.Header.Get("X-Test"))
			w.WriteHeader(201)
			io.WriteString(w, r.Method+" "+string(b))
		}
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	f := &web.Fetch{MaxBody: 10, Resolver: rebinder{}}
	tests := []struct {
		name    string
		env     tool.Env
		args    string
		want    web.Response
		wantErr string
	}{
		{name: "post", env: env(host), args: `{"url":"` + srv.URL + `/p","method":"POST","headers":{"X-Test":"yes"},"body":"hi"}`,
			want: web.Response{Status: 201, Body: "POST hi"}},
		{name: "get truncated", env: env(host), args: `{"url":"` + srv.URL + `/big"}`,
			want: web.Response{Status: 200, Body: "xxxxxxxxxx", Notes: []string{"body truncated to 10 bytes"}}},
		{name: "network off", env: env(), args: `{"url":"` + srv.URL + `"}`, wantErr: "network is off"},
		{name: "host not listed", env: env("example.com:443"), args: `{"url":"` + srv.URL + `"}`, wantErr: "not in the claw's sandbox.network allowlist"},
		{name: "loopback by name refused", env: env("rebind.test:1"), args: `{"url":"http://rebind.test:1/"}`, wantErr: "resolves only to internal addresses"},
		{name: "redirect to unlisted", env: env(host), args: `{"url":"` + srv.URL + `/redirect"}`, wantErr: "allowlist"},
		{name: "bad scheme", env: env(host), args: `{"url":"file:///etc/passwd"}`, wantErr: "http:// or https://"},
		{name: "bad method", env: env(host), args: `{"url":"` + srv.URL + `","method":"DELETE"}`, wantErr: "GET or POST"},
		{name: "get with body", env: env(host), args: `{"url":"` + srv.URL + `","body":"x"}`, wantErr: "no body"},
		{name: "unknown argument", env: env(host), args: `{"url":"` + srv.URL + `","verb":"GET"}`, wantErr: "unknown field"},
		{name: "no url", env: env(host), args: `{}`, wantErr: "missing required argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := f.Call(t.Context(), tt.env, json.RawMessage(tt.args))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %s, %v; want error with %q", out, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got web.Response
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.want.Status || got.Body != tt.want.Body || strings.Join(got.Notes, ";") != strings.Join(tt.want.Notes, ";") {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	var schema map[string]any
	if err := json.Unmarshal(f.Schema(), &schema); err != nil {
		t.Fatalf("schema: %v", err)
	}
}
