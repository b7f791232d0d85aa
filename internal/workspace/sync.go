package workspace

import (
	"context"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// SyncMemory brings the store's index of a claw's workspace memory files
// up to date with the files in dir (an empty dir has none).
func SyncMemory(ctx context.Context, st store.Memory, ref claw.Ref, dir string) error {
	files, err := MemoryFiles(dir)
	if err != nil {
		return err
	}
	return st.SyncMemoryFiles(ctx, ref, files)
}
