package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/reefhq/reef/internal/claw"
	"github.com/reefhq/reef/internal/store"
)

// Search bounds: a query keeps its first maxTerms words.
const (
	maxTerms     = 32
	maxTermBytes = 64
	maxLimit     = 100
)

const memoryColumns = `id, text, tags, source, created_at`

func scanMemory(r rowScanner) (claw.Memory, error) {
	var m claw.Memory
	var tags string
	var created int64
	if err := r.Scan(&m.ID, &m.Text, &tags, &m.Source, &created); err != nil {
		return m, err
	}
	m.Tags, m.CreatedAt = strings.Fields(tags), fromMicros(created)
	return m, nil
}

// memoryTerms returns the distinct lowercase words of a query that are
// not stopwords: runs of letters and digits, so that no query syntax
// reaches the index.
func memoryTerms(query string) []string {
	words := strings.FieldsFunc(strings.ToLower(query), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	var out []string
	seen := map[string]bool{}
	for _, w := range words {
		if len(w) > maxTermBytes || seen[w] || isStopword(w) {
			continue
		}
		seen[w] = true
		out = append(out, w)
		if len(out) == maxTerms {
			break
		}
	}
	return out
}

// WriteMemory stores a memory.
func (db *DB) WriteMemory(ctx context.Context, ref claw.Ref, m claw.Memory) (claw.Memory, error) {
	if strings.TrimSpace(m.Text) == "" {
		return claw.Memory{}, claw.Errorf(claw.EINVALID, "memory text must not be empty")
	}
	var out claw.Memory
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		out, err = db.insertMemory(ctx, tx, ref.Tenant, ref.Name, m)
		return err
	})
	return out, err
}

func (db *DB) insertMemory(ctx context.Context, tx *sql.Tx, tenant, name string, m claw.Memory) (claw.Memory, error) {
	out, err := scanMemory(db.txRow(ctx, tx, `INSERT INTO memories (tenant_id, claw, text, tags, source, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING `+memoryColumns,
		tenant, name, m.Text, strings.Join(m.Tags, " "), m.Source, micros(db.now())))
	if err != nil {
		return claw.Memory{}, fmt.Errorf("insert memory: %w", err)
	}
	return out, nil
}

// SearchMemory ranks a claw's memories against the words of query.
func (db *DB) SearchMemory(ctx context.Context, ref claw.Ref, query string, limit int) ([]claw.Memory, error) {
	terms := memoryTerms(query)
	if len(terms) == 0 {
		return nil, claw.Errorf(claw.EINVALID, "search query has no words to look for (stopwords such as \"the\" are left out)")
	}
	if limit <= 0 || limit > maxLimit {
		limit = min(max(limit, 10), maxLimit)
	}
	scan := func(r rowScanner) (claw.Memory, error) {
		var m claw.Memory
		var tags string
		var created int64
		if err := r.Scan(&m.ID, &m.Text, &tags, &m.Source, &created, &m.Score); err != nil {
			return m, err
		}
		m.Tags, m.CreatedAt = strings.Fields(tags), fromMicros(created)
		return m, nil
	}
	if db.dialect.Name == "postgres" {
		// websearch_to_tsquery reads "a or b" as a disjunction; the words
		// carry no other syntax.
		return queryAll(ctx, db, "search memory", scan, `SELECT id, text, tags, source, created_at, ts_rank_cd(tsv, q)::float8 AS rank
			FROM memories, websearch_to_tsquery('english', ?) q
			WHERE tenant_id = ? AND claw = ? AND tsv @@ q ORDER BY rank DESC, id DESC LIMIT ?`,
			strings.Join(terms, " or "), ref.Tenant, ref.Name, limit)
	}
	match, ranked, err := db.ftsMatch(ctx, terms)
	if err != nil {
		return nil, err
	}
	// The claw's filter is on the joined row, not in the MATCH: bm25
	// counts the rows of every phrase of the query, which is also why a
	// query of only common words is ordered newest first instead.
	score, order := `-memories_fts.rank`, `memories_fts.rank, m.id DESC`
	if !ranked {
		score, order = `0.0`, `m.id DESC`
	}
	return queryAll(ctx, db, "search memory", scan, `SELECT m.id, m.text, m.tags, m.source, m.created_at, `+score+`
		FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid
		WHERE memories_fts MATCH ? AND m.tenant_id = ? AND m.claw = ? ORDER BY `+order+` LIMIT ?`,
		match, ref.Tenant, ref.Name, limit)
}

// commonDocs is the document frequency past which a word is common: a
// search leaves common words out when the query has rarer ones, since
// ranking every memory that holds a common word is what makes a search
// slow, and such words add little to the rank.
const commonDocs = 1000

// ftsMatch builds the FTS5 query of a search: any of the query's words,
// without its common words when some are rare (ranked by bm25), or all of
// them when every word is common (not ranked).
func (db *DB) ftsMatch(ctx context.Context, terms []string) (match string, ranked bool, err error) {
	var rare, all []string
	for _, t := range terms {
		var docs int64
		err := db.readRow(ctx, `SELECT doc FROM memories_vocab WHERE term = ?`, t).Scan(&docs)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", false, fmt.Errorf("search memory: %w", err)
		}
		q := `"` + t + `"`
		all = append(all, q)
		if docs <= commonDocs {
			rare = append(rare, q)
		}
	}
	if len(rare) == 0 {
		return "{text tags} : (" + strings.Join(all, " AND ") + ")", false, nil
	}
	return "{text tags} : (" + strings.Join(rare, " OR ") + ")", true, nil
}

// ListMemories returns a claw's newest memories.
func (db *DB) ListMemories(ctx context.Context, ref claw.Ref, limit int) ([]claw.Memory, error) {
	if _, err := db.GetClaw(ctx, ref); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > maxLimit {
		limit = min(max(limit, 10), maxLimit)
	}
	return queryAll(ctx, db, "list memories", scanMemory, `SELECT `+memoryColumns+` FROM memories
		WHERE tenant_id = ? AND claw = ? ORDER BY id DESC LIMIT ?`, ref.Tenant, ref.Name, limit)
}

// GetMemory returns one memory.
func (db *DB) GetMemory(ctx context.Context, ref claw.Ref, id int64) (claw.Memory, error) {
	m, err := scanMemory(db.readRow(ctx, `SELECT `+memoryColumns+` FROM memories WHERE tenant_id = ? AND claw = ? AND id = ?`, ref.Tenant, ref.Name, id))
	if errors.Is(err, sql.ErrNoRows) {
		return claw.Memory{}, claw.Errorf(claw.ENOTFOUND, "memory %d not found", id)
	}
	if err != nil {
		return claw.Memory{}, fmt.Errorf("get memory: %w", err)
	}
	return m, nil
}

// ForgetMemory deletes a written memory.
func (db *DB) ForgetMemory(ctx context.Context, ref claw.Ref, id int64) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var source string
		err := db.txRow(ctx, tx, `SELECT source FROM memories WHERE tenant_id = ? AND claw = ? AND id = ?`, ref.Tenant, ref.Name, id).Scan(&source)
		if errors.Is(err, sql.ErrNoRows) {
			return claw.Errorf(claw.ENOTFOUND, "memory %d not found", id)
		}
		if err != nil {
			return fmt.Errorf("read memory: %w", err)
		}
		if source != "" {
			return claw.Errorf(claw.EINVALID, "memory %d comes from the workspace file %s: edit the file instead", id, source)
		}
		if _, err := db.txExec(ctx, tx, `DELETE FROM memories WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete memory: %w", err)
		}
		return nil
	})
}

// SyncMemoryFiles re-indexes the workspace memory files that changed. It
// runs on every run of a claw with memory tools, so when nothing changed
// it only reads: no write transaction.
func (db *DB) SyncMemoryFiles(ctx context.Context, ref claw.Ref, files []store.MemoryFile) error {
	const hashes = `SELECT path, hash FROM memory_files WHERE tenant_id = ? AND claw = ?`
	rows, err := db.readQuery(ctx, hashes, ref.Tenant, ref.Name)
	if err != nil {
		return fmt.Errorf("read memory files: %w", err)
	}
	known, err := scanFileHashes(rows)
	if err != nil {
		return err
	}
	if memoryFilesCurrent(known, files) {
		return nil
	}
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		rows, err := db.txQuery(ctx, tx, hashes, ref.Tenant, ref.Name)
		if err != nil {
			return fmt.Errorf("read memory files: %w", err)
		}
		known, err := scanFileHashes(rows)
		if err != nil {
			return err
		}
		drop := func(path string) error {
			if _, err := db.txExec(ctx, tx, `DELETE FROM memories WHERE tenant_id = ? AND claw = ? AND source = ?`, ref.Tenant, ref.Name, path); err != nil {
				return fmt.Errorf("drop memory file: %w", err)
			}
			return nil
		}
		listed := map[string]bool{}
		for _, f := range files {
			if f.Path == "" {
				return claw.Errorf(claw.EINVALID, "memory file without a path")
			}
			listed[f.Path] = true
			if h, ok := known[f.Path]; ok && h == f.Hash {
				continue
			}
			if err := drop(f.Path); err != nil {
				return err
			}
			for _, c := range f.Chunks {
				if _, err := db.insertMemory(ctx, tx, ref.Tenant, ref.Name, claw.Memory{Text: c, Source: f.Path}); err != nil {
					return err
				}
			}
			if _, err := db.txExec(ctx, tx, `INSERT INTO memory_files (tenant_id, claw, path, hash) VALUES (?, ?, ?, ?)
				ON CONFLICT (tenant_id, claw, path) DO UPDATE SET hash = excluded.hash`, ref.Tenant, ref.Name, f.Path, f.Hash); err != nil {
				return fmt.Errorf("record memory file: %w", err)
			}
		}
		for p := range known {
			if listed[p] {
				continue
			}
			if err := drop(p); err != nil {
				return err
			}
			if _, err := db.txExec(ctx, tx, `DELETE FROM memory_files WHERE tenant_id = ? AND claw = ? AND path = ?`, ref.Tenant, ref.Name, p); err != nil {
				return fmt.Errorf("drop memory file: %w", err)
			}
		}
		return nil
	})
}

// scanFileHashes reads (path, hash) rows into a map and closes them.
func scanFileHashes(rows *sql.Rows) (map[string]string, error) {
	defer rows.Close()
	known := map[string]string{}
	for rows.Next() {
		var p, h string
		if err := rows.Scan(&p, &h); err != nil {
			return nil, fmt.Errorf("read memory files: %w", err)
		}
		known[p] = h
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read memory files: %w", err)
	}
	return known, nil
}

// memoryFilesCurrent reports whether the index holds exactly files, each
// with its hash.
func memoryFilesCurrent(known map[string]string, files []store.MemoryFile) bool {
	if len(known) != len(files) {
		return false
	}
	for _, f := range files {
		if h, ok := known[f.Path]; f.Path == "" || !ok || h != f.Hash {
			return false
		}
	}
	return true
}
