package sandbox

import "time"

// WithoutNamespaces makes r never ask for the namespaces in flags, as on
// a host whose kernel lacks them.
func WithoutNamespaces(r *Runner, flags uintptr) { r.withoutNS = flags }

// SweepAnyAge makes r's Sweep remove egress socket leftovers of any age.
func SweepAnyAge(r *Runner) { r.sweepAge = time.Nanosecond }

// GroupParents returns the parent cgroups of a group's sandboxes.
func GroupParents(group string) []string { return groupParents(group) }
