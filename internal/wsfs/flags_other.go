//go:build !unix

package wsfs

import "errors"

const (
	openNoBlock   = 0
	openDirectory = 0
)

var errNotDir = errors.New("not a directory")
