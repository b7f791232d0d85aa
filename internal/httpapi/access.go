package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/reefhq/reef/internal/store"
)

// accessEntry is what the access log learns of a request while it is
// served: its route and who called it.
type accessEntry struct {
	route string
	token string // the token's name, never its secret
}

type accessKey struct{}

// accessLog logs one line per request at info level: method, route
// pattern (not the path, which may carry names), status, duration and the
// name of the caller's token.
func (s *Server) accessLog(next http.Handler) http.Handler {
	if s.Log == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.Log.Enabled(r.Context(), slog.LevelInfo) {
			next.ServeHTTP(w, r) // no access line: no bookkeeping either
			return
		}
		start := time.Now()
		e := &accessEntry{route: "(none)"}
		rec := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), accessKey{}, e)))
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		s.Log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("route", e.route), slog.Int("status", rec.status),
			slog.Duration("duration", time.Since(start)), slog.String("token", e.token))
	})
}

// routed records a request's route for the access log.
func routed(pattern string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e, ok := r.Context().Value(accessKey{}).(*accessEntry); ok {
			e.route = pattern
		}
		h.ServeHTTP(w, r)
	})
}

// noteCaller records a request's token for the access log.
func noteCaller(r *http.Request, tok store.Token) {
	if e, ok := r.Context().Value(accessKey{}).(*accessEntry); ok {
		e.token = tok.Name
	}
}

// statusWriter remembers the status a handler answered. Unwrap lets
// http.ResponseController reach the connection (flushes, deadlines).
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
