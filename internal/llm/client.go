package llm

import (
	"net/http"
	"time"
)

// DefaultMaxRetries is the number of retries of a provider's call when
// ClientConfig.MaxRetries is 0.
const DefaultMaxRetries = 2

// ClientConfig configures the HTTP client of a provider built on a
// vendor's SDK (openai, anthropic). Nothing is read from the environment.
type ClientConfig struct {
	Name    string // provider name in errors; the provider's kind when empty
	BaseURL string // API root (with or without "/v1" as the provider says); the vendor's API when empty
	APIKey  string

	// MaxRetries is the number of retries on connection errors, 408, 409,
	// 429 and 5xx: 0 means DefaultMaxRetries, -1 none.
	MaxRetries int
	// Timeout bounds each attempt, streaming included; 0 means none beyond
	// the context's (and the SDK's own, where the provider says so).
	Timeout time.Duration
	// HTTPClient sends the requests; nil means a client on
	// http.DefaultTransport.
	HTTPClient *http.Client
}

// Retries is MaxRetries as an SDK counts them: DefaultMaxRetries for 0,
// none for a negative value.
func (c ClientConfig) Retries() int {
	switch {
	case c.MaxRetries == 0:
		return DefaultMaxRetries
	case c.MaxRetries < 0:
		return 0
	default:
		return c.MaxRetries
	}
}

// Client is HTTPClient, or a new client on http.DefaultTransport.
func (c ClientConfig) Client() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return &http.Client{}
}
