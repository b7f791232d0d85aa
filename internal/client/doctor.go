package client

import (
	"context"
	"net/http"

	"github.com/reefhq/reef/internal/api"
)

// Doctor asks the node which sandbox layers its tools get.
func (c *Client) Doctor(ctx context.Context) (api.DoctorResponse, error) {
	var out api.DoctorResponse
	_, err := c.doJSON(ctx, http.MethodGet, "/v1/doctor", nil, &out)
	return out, err
}
