package sandbox

// WithoutNamespaces makes r never ask for the namespaces in flags, as on
// a host whose kernel lacks them.
func WithoutNamespaces(r *Runner, flags uintptr) { r.withoutNS = flags }
