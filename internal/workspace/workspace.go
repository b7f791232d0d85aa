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
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Files are the bootstrap files loaded into the context, in this order.
var Files = []string{"AGENTS.md", "SOUL.md", "TOOLS.md", "IDENTITY.md", "USER.md", "HEARTBEAT.md", "MEMORY.md"}

// Caps, in bytes: OpenClaw's defaults (bootstrapMaxChars,
// bootstrapTotalMaxChars).
const (
	MaxFileBytes  = 12_000
	MaxTotalBytes = 60_000
)

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
// left out). A missing dir loads nothing.
func Load(dir string) ([]File, error) {
	if dir == "" {
		return nil, nil
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, nil // no workspace yet: one call, not one per file
	}
	var out []File
	total := 0
	for _, name := range Files {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		text := strings.TrimSpace(string(b))
		if text == "" {
			continue
		}
		room := min(MaxFileBytes, MaxTotalBytes-total)
		if room <= 0 {
			break
		}
		f := File{Name: name, Content: text, Size: len(b)}
		if len(text) > room {
			f.Content, f.Truncated = Cut(text, room, name), true
		}
		total += len(f.Content)
		out = append(out, f)
	}
	return out, nil
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
