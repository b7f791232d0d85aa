package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/reefhq/reef/internal/api"
	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/wsfs"
)

// Sessions lists a claw's sessions.
func (c *Client) Sessions(ctx context.Context, name string) ([]claw.SessionInfo, error) {
	var out struct{ Sessions []claw.SessionInfo }
	_, err := c.doJSON(ctx, http.MethodGet, clawPath(name, "sessions"), nil, &out)
	return out.Sessions, err
}

// Session returns a session's transcript and summaries; limit > 0 keeps
// the newest messages.
func (c *Client) Session(ctx context.Context, name, session string, limit int) (api.SessionView, error) {
	var out api.SessionView
	path := clawPath(name, "sessions", url.PathEscape(session))
	if limit > 0 {
		path += fmt.Sprintf("?limit=%d", limit)
	}
	_, err := c.doJSON(ctx, http.MethodGet, path, nil, &out)
	return out, err
}

// ResetSession starts a fresh context for a session.
func (c *Client) ResetSession(ctx context.Context, name, session string) (claw.Summary, error) {
	var out claw.Summary
	_, err := c.doJSON(ctx, http.MethodPost, clawPath(name, "sessions", url.PathEscape(session), "reset"), nil, &out)
	return out, err
}

// PutWorkspaceFile writes one file of a claw's workspace; rel is a
// slash-separated path inside it, within wsfs.CheckPath's bounds.
func (c *Client) PutWorkspaceFile(ctx context.Context, name, rel string, data []byte) error {
	if err := wsfs.CheckPath(rel); err != nil {
		return fmt.Errorf("workspace path %.100q: %w", rel, err)
	}
	parts := strings.Split(rel, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	_, err := c.do(ctx, http.MethodPut, clawPath(name, "workspace", strings.Join(parts, "/")), data, "application/octet-stream", nil)
	return err
}
