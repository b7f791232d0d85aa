// Package workspace reads what a claw's workspace directory contributes to
// its context, in the layout OpenClaw uses: the bootstrap files (AGENTS.md,
// SOUL.md, TOOLS.md, IDENTITY.md, USER.md, HEARTBEAT.md, MEMORY.md) with
// their size caps, the memory files indexed for search (MEMORY.md and
// memory/YYYY-MM-DD.md), and the Agent Skills of skills/NAME/SKILL.md.
package workspace

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"unicode/utf8"

	"github.com/reefhq/reef/internal/wsfs"
)

// Files are the bootstrap files loaded into the context, in this order.
var Files = []string{"AGENTS.md", "SOUL.md", "TOOLS.md", "IDENTITY.md", "USER.md", "HEARTBEAT.md", "MEMORY.md"}

// Caps, in bytes: OpenClaw's defaults (bootstrapMaxChars,
// bootstrapTotalMaxChars).
const (
	MaxFileBytes  = 12_000
	MaxTotalBytes = 60_000
)

// maxReadBytes bounds what is read of one bootstrap file before it is
// cut to the caps; the whole size is still reported.
const maxReadBytes = 1 << 20

// File is one bootstrap file as it goes into the context.
type File struct {
	Name      string
	Content   string
	Size      int  // of the file on disk
	Truncated bool // Content was cut to the caps
}

// Load reads the bootstrap files of dir in order: blank and missing files
// are skipped, each is cut to MaxFileBytes, and the files together to
// MaxTotalBytes (a file that no longer fits is cut, then later files are
// left out). A missing dir loads nothing. Files are read through wsfs:
// one that is a link out of the workspace, or not a regular file, is left
// out and reported in problems, for the claw to read.
func Load(dir string) (files []File, problems []error, err error) {
	if dir == "" {
		return nil, nil, nil
	}
	root, err := wsfs.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil // no workspace yet
	}
	if err != nil {
		return nil, nil, fmt.Errorf("open workspace: %w", err)
	}
	defer root.Close()
	total := 0
	for _, name := range Files {
		b, size, err := root.ReadFile(name, maxReadBytes)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case wsfs.Refused(err):
			problems = append(problems, fmt.Errorf("%s was left out: %s", name, wsfs.Reason(err)))
			continue
		case err != nil:
			return nil, problems, fmt.Errorf("read %s: %w", name, err)
		}
		text := strings.TrimSpace(string(b))
		if text == "" {
			continue
		}
		room := min(MaxFileBytes, MaxTotalBytes-total)
		if room <= 0 {
			break
		}
		f := File{Name: name, Content: text, Size: int(size)}
		if len(text) > room {
			f.Content, f.Truncated = Cut(text, room, name), true
		}
		total += len(f.Content)
		files = append(files, f)
	}
	return files, problems, nil
}

// Cut shortens text to at most n bytes: its head (about 70%) and its tail
// (about 20%) with a marker between them that names the file to read for
// the rest. It cuts at rune boundaries.
func Cut(text string, n int, name string) string {
	if len(text) <= n {
		return text
	}
	marker := fmt.Sprintf("\n\n[... %d bytes of %s cut to fit; read the file for all of it ...]\n\n", len(text), name)
	if n <= len(marker) {
		return runePrefix(text, n)
	}
	n -= len(marker)
	head := runePrefix(text, n*7/9)
	tail := runeSuffix(text, n-len(head))
	return head + marker + tail
}

func runePrefix(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func runeSuffix(s string, n int) string {
	if n <= 0 {
		return ""
	}
	i := len(s) - n
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return s[i:]
}
