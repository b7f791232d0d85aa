package workspace

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/reefhq/reef/internal/store"
	"github.com/reefhq/reef/internal/wsfs"
)

// MaxChunkBytes bounds one indexed chunk of a memory file.
const MaxChunkBytes = 1200

// maxMemoryFileBytes bounds the part of one memory file that is indexed.
const maxMemoryFileBytes = 1 << 20

var dailyRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}\.md$`)

// maxMemoryDir bounds the entries of memory/ that are looked at.
const maxMemoryDir = 10_000

// MemoryFiles reads the workspace's memory files for the index: MEMORY.md
// and memory/YYYY-MM-DD.md (a valid date), each cut into chunks of
// paragraphs. A missing dir or file gives nothing. Files are read through
// wsfs: a link out of the workspace, or a file that is not regular, is
// left out of the index.
func MemoryFiles(dir string) ([]store.MemoryFile, error) {
	if dir == "" {
		return nil, nil
	}
	root, err := wsfs.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open workspace: %w", err)
	}
	defer root.Close()
	paths := []string{"MEMORY.md"}
	entries, err := root.ReadDir("memory", maxMemoryDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !wsfs.Refused(err) {
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
		b, size, err := root.ReadFile(p, maxMemoryFileBytes)
		if errors.Is(err, fs.ErrNotExist) || wsfs.Refused(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		h := sha256.New()
		h.Write(b)
		if size > int64(len(b)) { // only the head is read: its size marks a change beyond it
			fmt.Fprintf(h, "\x00%d", size)
		}
		out = append(out, store.MemoryFile{Path: p, Hash: hex.EncodeToString(h.Sum(nil)), Chunks: Chunks(string(b), MaxChunkBytes)})
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
