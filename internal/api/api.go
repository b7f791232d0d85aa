// Package api holds the request and response types of reef's HTTP API
// (docs/api.md), the one vocabulary of the server (internal/httpapi) and
// its clients (internal/client, the CLI, the tests). It imports only the
// domain types of internal/claw, so that a client links nothing of the
// server: no store, supervisor or sandbox. The JSON of every type here is
// a contract.
package api

// MaxBody is the largest request body the API accepts, in bytes.
const MaxBody = 1 << 20
