package httpapi

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Defaults of the input bounds (docs/security.md, "Input bounds").
const (
	// DefaultBodyTimeout is how long a client has to send a request's
	// whole body once its headers are in.
	DefaultBodyTimeout = 30 * time.Second
	// DefaultPeerLimit is how many requests one remote address may have
	// in flight on the unauthenticated routes (/hooks, /healthz, /readyz).
	DefaultPeerLimit = 16
)

// bodyDeadline gives every request with a body a read deadline: the
// body must arrive within timeout, or its reads fail ("not received in
// time", 400) and the connection is closed. Once the body has been read
// to its end net/http lifts the deadline itself (its background read,
// which notices a client going away, starts without one), so a long
// answer (a ?wait= poll, a stream) is not cut off.
func bodyDeadline(timeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody && timeout > 0 {
			http.NewResponseController(w).SetReadDeadline(time.Now().Add(timeout))
		}
		next.ServeHTTP(w, r)
	})
}

// peerLimiter bounds the requests in flight per remote address.
type peerLimiter struct {
	mu       sync.Mutex
	inFlight map[string]int
	// entered, when set, is called with the address once a request is
	// counted (tests wait on it).
	entered func(addr string)
}

// limit answers 429 with Retry-After to a remote address that already
// has most requests in flight through it; the others go on to next.
func (l *peerLimiter) limit(most int, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if most <= 0 {
			next(w, r)
			return
		}
		addr := r.RemoteAddr
		if host, _, err := net.SplitHostPort(addr); err == nil {
			addr = host
		}
		l.mu.Lock()
		if l.inFlight == nil {
			l.inFlight = map[string]int{}
		}
		n := l.inFlight[addr]
		if n >= most {
			l.mu.Unlock()
			w.Header().Set("Retry-After", "1")
			var body errorBody
			body.Error.Code = "rate_limited"
			body.Error.Message = "too many requests in flight from " + addr + " (at most " + strconv.Itoa(most) + "); retry later"
			writeJSON(w, http.StatusTooManyRequests, body)
			return
		}
		l.inFlight[addr] = n + 1
		entered := l.entered
		l.mu.Unlock()
		defer func() {
			l.mu.Lock()
			if l.inFlight[addr]--; l.inFlight[addr] <= 0 {
				delete(l.inFlight, addr)
			}
			l.mu.Unlock()
		}()
		if entered != nil {
			entered(addr)
		}
		next(w, r)
	}
}
