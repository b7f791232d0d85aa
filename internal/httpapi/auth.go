package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// TenantHeader names the tenant an admin token acts on (default:
// claw.DefaultTenant). A tenant's token may name only its own.
const TenantHeader = "Reef-Tenant"

// tokenCacheTTL bounds how long a looked-up token is trusted without
// reading the store again: a revocation on this node takes effect at once
// (revoke drops the entry and cancels the token's requests), one made on
// another node within this time.
const tokenCacheTTL = 5 * time.Second

// authState is the server's token cache and the cancel functions of the
// requests in flight, by token id, so that a revocation ends open
// streams.
type authState struct {
	cache sync.Map // hash -> cachedToken

	mu       sync.Mutex
	inflight map[string]map[*context.CancelFunc]struct{}
}

type cachedToken struct {
	tok store.Token
	at  time.Time
}

// track registers a request's cancel function under the token id and
// returns its release.
func (a *authState) track(id string, cancel context.CancelFunc) func() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.inflight == nil {
		a.inflight = map[string]map[*context.CancelFunc]struct{}{}
	}
	set := a.inflight[id]
	if set == nil {
		set = map[*context.CancelFunc]struct{}{}
		a.inflight[id] = set
	}
	key := &cancel
	set[key] = struct{}{}
	return func() {
		a.mu.Lock()
		delete(set, key)
		if cur, ok := a.inflight[id]; ok && len(cur) == 0 {
			delete(a.inflight, id)
		}
		a.mu.Unlock()
		cancel()
	}
}

// revoked forgets a token and cancels its requests in flight.
func (a *authState) revoked(t store.Token) {
	a.cache.Delete(t.Hash)
	a.mu.Lock()
	set := a.inflight[t.ID]
	delete(a.inflight, t.ID)
	a.mu.Unlock()
	for c := range set {
		(*c)()
	}
}

// authed wraps a PolicyToken route: the caller's token must be live and
// its role must grant act; errors are answered in reef's JSON shape.
func (s *Server) authed(act claw.Action, h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, r, done, err := s.authorize(r, act)
		defer done()
		if err == nil {
			err = h(w, r, tok)
		}
		if err != nil {
			if claw.ErrorCode(err) == claw.EINTERNAL {
				s.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			writeError(w, err)
		}
	})
}

// authorize authenticates the request, checks that the token's role
// grants act, resolves the tenant it acts on (TenantHeader, for an admin),
// and hides the claws the token does not reach: a {name} outside its claw
// list answers exactly as a missing claw. The returned request's context
// ends when the token is revoked; done releases it.
func (s *Server) authorize(r *http.Request, act claw.Action) (store.Token, *http.Request, func(), error) {
	nop := func() {}
	tok, err := s.authenticate(r)
	if err != nil {
		return tok, r, nop, err
	}
	if !tok.Role.Can(act) {
		return tok, r, nop, claw.Forbidden(tok.Role, act)
	}
	if want := strings.TrimSpace(r.Header.Get(TenantHeader)); want != "" && want != tok.Tenant {
		if !tok.Admin() {
			return tok, r, nop, claw.Errorf(claw.EFORBIDDEN, "a token of tenant %q cannot act on tenant %q", tok.Tenant, want)
		}
		if _, err := s.Store.GetTenant(r.Context(), want); err != nil {
			return tok, r, nop, err
		}
		tok.Tenant = want
	}
	if name := r.PathValue("name"); name != "" && !tok.Reaches(name) {
		return tok, r, nop, unreached(name)
	}
	ctx, cancel := context.WithCancel(r.Context())
	done := s.auth.track(tok.ID, cancel)
	return tok, r.WithContext(ctx), done, nil
}

// unreached is the error for a claw outside a token's claw list: the
// store's answer for a claw that does not exist, word for word.
func unreached(name string) error {
	return claw.Errorf(claw.ENOTFOUND, "claw %q not found", name)
}

// authenticate finds the request's bearer token and checks that it is
// live (not revoked, not expired).
func (s *Server) authenticate(r *http.Request) (store.Token, error) {
	tok, err := s.bearer(r.Context(), r.Header)
	if err == nil {
		noteCaller(r, tok)
	}
	return tok, err
}

// bearer finds the live token of a request's Authorization header.
func (s *Server) bearer(ctx context.Context, h http.Header) (store.Token, error) {
	secret, ok := strings.CutPrefix(h.Get("Authorization"), "Bearer ")
	if !ok || secret == "" {
		return store.Token{}, claw.Errorf(claw.EUNAUTHORIZED, "missing bearer token")
	}
	hash := HashToken(strings.TrimSpace(secret))
	now := time.Now()
	var tok store.Token
	if v, ok := s.auth.cache.Load(hash); ok && now.Sub(v.(cachedToken).at) < tokenCacheTTL {
		tok = v.(cachedToken).tok
	} else {
		t, err := s.Store.LookupToken(ctx, hash)
		if claw.ErrorCode(err) == claw.ENOTFOUND {
			return store.Token{}, claw.Errorf(claw.EUNAUTHORIZED, "invalid token")
		}
		if err != nil {
			return store.Token{}, err
		}
		tok = t
		s.auth.cache.Store(hash, cachedToken{tok, now})
	}
	if err := tok.Usable(now); err != nil {
		return store.Token{}, err
	}
	return tok, nil
}

// HashToken returns the stored form of a token secret.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// NewToken makes a token's secret and its stored form: a "reef_" secret
// of 32 random bytes and a public "tok_" id.
func NewToken(t store.Token) (secret string, _ store.Token) {
	b := make([]byte, 32+8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	secret = "reef_" + hex.EncodeToString(b[:32])
	t.ID = "tok_" + hex.EncodeToString(b[32:])
	t.Hash = HashToken(secret)
	return secret, t
}
