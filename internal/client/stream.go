package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/sse"
)

// StreamHandler receives a streamed run as it happens; nil fields ignore
// their events.
type StreamHandler struct {
	Delta func(api.StreamDelta) // text the model writes
	Tool  func(api.StreamTool)  // a tool call, once its result is recorded
}

// SendStream posts a message and relays its run to h until it ends or
// wait passes, then returns the event as Send would. The message carries
// an idempotency key (a new one unless given): when the stream breaks
// before its end (the node crashed or restarted), SendStream falls back to
// Send with the same key, which finds the event again and waits for it.
func (c *Client) SendStream(ctx context.Context, name string, req api.MessageRequest, wait time.Duration, h StreamHandler) (api.EventResponse, error) {
	if req.IdempotencyKey == "" {
		req.IdempotencyKey = NewKey()
	}
	res, err := c.stream(ctx, name, req, wait, h)
	if err == nil || !dropped(err) {
		return res, err
	}
	return c.Send(ctx, name, req, wait)
}

func (c *Client) stream(ctx context.Context, name string, req api.MessageRequest, wait time.Duration, h StreamHandler) (api.EventResponse, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return api.EventResponse{}, err
	}
	path := clawPath(name, "messages") + "?stream=true&wait=" + url.QueryEscape(wait.String())
	resp, err := c.send(ctx, http.MethodPost, path, body, "application/json")
	if err != nil {
		return api.EventResponse{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, api.MaxBody))
		return api.EventResponse{}, apiError(resp.StatusCode, data)
	}
	rd := sse.NewReader(resp.Body)
	for {
		kind, data, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return api.EventResponse{}, io.ErrUnexpectedEOF // the stream ended before its event
		}
		if err != nil {
			return api.EventResponse{}, fmt.Errorf("read stream: %w", err)
		}
		switch kind {
		case "delta":
			var d api.StreamDelta
			if json.Unmarshal([]byte(data), &d) == nil && h.Delta != nil {
				h.Delta(d)
			}
		case "tool":
			var t api.StreamTool
			if json.Unmarshal([]byte(data), &t) == nil && h.Tool != nil {
				h.Tool(t)
			}
		case "event":
			var out api.EventResponse
			if err := json.Unmarshal([]byte(data), &out); err != nil {
				return out, fmt.Errorf("decode stream's event: %w", err)
			}
			return out, nil
		}
	}
}
