package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/reefhq/reef/internal/api"
)

func schedulePath(name, sched string, rest ...string) string {
	return clawPath(name, append([]string{"schedules", url.PathEscape(sched)}, rest...)...)
}

// Schedules lists a claw's schedules with their next fires.
func (c *Client) Schedules(ctx context.Context, name string) ([]api.ScheduleView, error) {
	var out struct{ Schedules []api.ScheduleView }
	_, err := c.doJSON(ctx, http.MethodGet, clawPath(name, "schedules"), nil, &out)
	return out.Schedules, err
}

// Schedule returns one schedule with its recent fires.
func (c *Client) Schedule(ctx context.Context, name, sched string) (api.ScheduleView, error) {
	var out api.ScheduleView
	_, err := c.doJSON(ctx, http.MethodGet, schedulePath(name, sched), nil, &out)
	return out, err
}

// Trigger fires a schedule now.
func (c *Client) Trigger(ctx context.Context, name, sched string) (api.EventResponse, error) {
	var out api.EventResponse
	_, err := c.doJSON(ctx, http.MethodPost, schedulePath(name, sched, "trigger"), nil, &out)
	return out, err
}

// SetSchedulePaused pauses or resumes a schedule.
func (c *Client) SetSchedulePaused(ctx context.Context, name, sched string, paused bool) (api.ScheduleView, error) {
	verb := "resume"
	if paused {
		verb = "pause"
	}
	var out api.ScheduleView
	_, err := c.doJSON(ctx, http.MethodPost, schedulePath(name, sched, verb), nil, &out)
	return out, err
}

// CancelSchedule removes a schedule the claw made.
func (c *Client) CancelSchedule(ctx context.Context, name, sched string) error {
	_, err := c.doJSON(ctx, http.MethodDelete, schedulePath(name, sched), nil, nil)
	return err
}
