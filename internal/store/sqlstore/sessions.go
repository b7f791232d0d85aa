package sqlstore

import (
	"context"

	"github.com/reefhq/reef/internal/store"
)

// ClawSessions lists a claw's sessions, most recently active first.
func (db *DB) ClawSessions(ctx context.Context, tenant, name string, limit int) ([]store.SessionInfo, error) {
	if _, err := db.GetClaw(ctx, tenant, name); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	return queryAll(ctx, db, "claw sessions", func(r rowScanner) (store.SessionInfo, error) {
		var s store.SessionInfo
		var last int64
		if err := r.Scan(&s.Session, &s.Messages, &last); err != nil {
			return s, err
		}
		s.LastAt = fromMicros(last)
		return s, nil
	}, `SELECT session, count(*), max(created_at) FROM messages WHERE tenant_id = ? AND claw = ?
		GROUP BY session ORDER BY max(seq) DESC LIMIT ?`, tenant, name, limit)
}
