package store

import (
	"context"

	"github.com/reefhq/reef/internal/claw"
)

// Memory stores a claw's long-term memories: the ones it wrote and the
// chunks of its workspace memory files (docs/context.md).
type Memory interface {
	// WriteMemory stores a memory of a claw and returns it with its id.
	WriteMemory(ctx context.Context, ref claw.Ref, m claw.Memory) (claw.Memory, error)
	// SearchMemory returns up to limit of a claw's memories that match any
	// word of query, best ranked first (EINVALID when query has no word).
	SearchMemory(ctx context.Context, ref claw.Ref, query string, limit int) ([]claw.Memory, error)
	// ListMemories returns up to limit of a claw's memories, written ones
	// and file chunks, newest first (ENOTFOUND for an unknown claw).
	ListMemories(ctx context.Context, ref claw.Ref, limit int) ([]claw.Memory, error)
	// GetMemory returns one memory of a claw (ENOTFOUND).
	GetMemory(ctx context.Context, ref claw.Ref, id int64) (claw.Memory, error)
	// ForgetMemory deletes a written memory (ENOTFOUND; EINVALID for a
	// chunk of a workspace file, which changes with its file).
	ForgetMemory(ctx context.Context, ref claw.Ref, id int64) error
	// SyncMemoryFiles makes the claw's file memories those of files: the
	// chunks of a file whose hash changed are replaced, those of a file not
	// listed are deleted.
	SyncMemoryFiles(ctx context.Context, ref claw.Ref, files []MemoryFile) error
}

// MemoryFile is a workspace memory file cut into chunks for the index.
type MemoryFile struct {
	Path   string // relative to the workspace, such as "memory/2026-01-02.md"
	Hash   string // of the content; an unchanged hash is not re-indexed
	Chunks []string
}
