package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/client"
)

// freeAddr returns an address nothing listens on (yet).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestNoNodeFailsAtOnceWithoutWaitReady(t *testing.T) {
	t.Parallel()
	c := client.New("http://"+freeAddr(t), "tok")
	_, err := c.Claws(t.Context())
	if !errors.Is(err, client.ErrNoNode) || !strings.Contains(err.Error(), "reef serve") {
		t.Fatalf("err = %v, want ErrNoNode naming `reef serve`", err)
	}
}

func TestWaitReadyWaitsForAStartingNode(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	c := client.New("http://"+addr, "tok")
	c.WaitReady = time.Minute
	done := make(chan error, 1)
	go func() {
		_, err := c.Claws(context.Background())
		done <- err
	}()
	// The node comes up after the client started trying.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port taken meanwhile: %v", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"claws":[]}`))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	if err := <-done; err != nil {
		t.Fatalf("Claws after the node started: %v", err)
	}
}

// A node that dies after reading a message (the connection drops with no
// answer) gets it again with the same idempotency key.
func TestSendAgainAfterDroppedConnection(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var keys []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req api.MessageRequest
		json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		keys = append(keys, req.IdempotencyKey)
		first := len(keys) == 1
		mu.Unlock()
		if first {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close() // the node crashed mid-request
			}
			return
		}
		json.NewEncoder(w).Encode(api.EventResponse{EventID: 7, Status: claw.EventCompleted, Reply: "hi", Duplicate: true})
	}))
	t.Cleanup(srv.Close)
	c := client.New(srv.URL, "tok")
	c.RetryFor = time.Minute
	res, err := c.Send(t.Context(), "a", api.MessageRequest{Text: "hello"}, time.Second)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if res.EventID != 7 || res.Reply != "hi" {
		t.Fatalf("Send = %+v", res)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] {
		t.Fatalf("keys sent = %q, want the same generated key twice", keys)
	}
}

// Without RetryFor a dropped connection is reported, not retried.
func TestSendDroppedWithoutRetry(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	c := client.New(srv.URL, "tok")
	if _, err := c.Send(t.Context(), "a", api.MessageRequest{Text: "hello", IdempotencyKey: "k"}, 0); err == nil {
		t.Fatal("Send over a dropped connection succeeded")
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("calls = %d, want 1", n)
	}
}
