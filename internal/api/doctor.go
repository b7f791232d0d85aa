package api

// DoctorResponse is GET /v1/doctor: the sandbox layers a tool started now
// would get, each active or missing with the reason, and the claws whose
// stored workspace the node does not allow (their runs fail).
type DoctorResponse struct {
	Layers     []Layer            `json:"layers"`
	Summary    string             `json:"summary"`
	Workspaces []WorkspaceProblem `json:"workspaces"`
	// Error is set when the sandbox helper could not start at all.
	Error string `json:"error,omitempty"`
}

// Layer is one layer of the sandbox of tools: active, or missing with the
// reason.
type Layer struct {
	Name   string `json:"name"`
	Active bool   `json:"active"`
	Detail string `json:"detail"` // what it does, or why it is missing
}

// WorkspaceProblem is a stored claw whose workspace the node does not
// allow.
type WorkspaceProblem struct {
	Tenant    string `json:"tenant"`
	Claw      string `json:"claw"`
	Workspace string `json:"workspace"`
	// Reason is the error its runs get.
	Reason string `json:"reason"`
}
