package workspace

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/reefhq/reef/internal/store"
)

// MaxChunkBytes bounds one indexed chunk of a memory file.
const MaxChunkBytes = 1200

// maxMemoryFileBytes bounds the part of one memory file that is indexed.
const maxMemoryFileBytes = 1 << 20

var dailyRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}\.md$`)

// MemoryFiles reads the workspace's memory files for the index: MEMORY.md
// and memory/YYYY-MM-DD.md (a valid date), each cut into chunks of
// paragraphs. A missing dir or file gives nothing.
func MemoryFiles(dir string) ([]store.MemoryFile, error) {
	if dir == "" {
		return nil, nil
	}
	paths := []string{"MEMORY.md"}
	entries, err := os.ReadDir(filepath.Join(dir, "memory"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read memory directory: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !dailyRE.MatchString(name) {
			continue
		}
		if _, err := time.Parse("2006-01-02", strings.TrimSuffix(name, ".md")); err != nil {
			continue
		}
		paths = append(paths, "memory/"+name)
	}
	var out []store.MemoryFile
	for _, p := range paths {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		sum := sha256.Sum256(b)
		if len(b) > maxMemoryFileBytes {
			b = b[:maxMemoryFileBytes]
		}
		out = append(out, store.MemoryFile{Path: p, Hash: hex.EncodeToString(sum[:]), Chunks: Chunks(string(b), MaxChunkBytes)})
	}
	return out, nil
}

// Chunks cuts markdown text into chunks of at most n bytes: paragraphs
// (split at blank lines and before headings) are joined while they fit; a
// longer paragraph is split at line ends, then at rune boundaries.
func Chunks(text string, n int) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	for _, para := range paragraphs(text) {
		for para != "" {
			piece := para
			if len(piece) > n {
				piece = runePrefix(para, n)
				if i := strings.LastIndexByte(piece, '\n'); i > n/2 {
					piece = piece[:i]
				}
				if piece == "" {
					_, size := utf8.DecodeRuneInString(para)
					piece = para[:size]
				}
			}
			para = strings.TrimSpace(para[len(piece):])
			if cur.Len() > 0 && cur.Len()+2+len(piece) > n {
				flush()
			}
			if cur.Len() > 0 {
				cur.WriteString("\n\n")
			}
			cur.WriteString(piece)
		}
	}
	flush()
	return out
}

func paragraphs(text string) []string {
	var out []string
	var cur []string
	flush := func() {
		if p := strings.TrimSpace(strings.Join(cur, "\n")); p != "" {
			out = append(out, p)
		}
		cur = cur[:0]
	}
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		switch {
		case strings.TrimSpace(line) == "":
			flush()
			continue
		case strings.HasPrefix(line, "#"):
			flush()
		}
		cur = append(cur, line)
	}
	flush()
	return out
}
