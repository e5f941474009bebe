package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// AuditEntry is one line of the staff audit log: who did what to which
// target, and when. It never holds a password, a client address or a user
// agent.
type AuditEntry struct {
	ID     int64
	At     time.Time
	Actor  string // staff username, or a fixed name for the system / the CLI
	Action string // dotted verb, e.g. "campaign.publish", "staff.disable"
	Target string // what was acted on, e.g. "chien-dich/thang-hanh-dong"; may be empty
}

// AppendAudit writes one audit entry on its own.
func (db *DB) AppendAudit(ctx context.Context, e AuditEntry) error {
	if _, err := insertAudit(ctx, db.sql, e); err != nil {
		return fmt.Errorf("store: append audit %s: %w", e.Action, err)
	}
	return nil
}

// ListAudit returns up to limit entries, newest first, with ID below
// beforeID (0: from the newest), for paging.
func (db *DB) ListAudit(ctx context.Context, beforeID int64, limit int) ([]AuditEntry, error) {
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	rows, err := db.sql.QueryContext(ctx,
		`SELECT id, at, actor, action, target FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?`,
		beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target); err != nil {
			return nil, fmt.Errorf("store: list audit: %w", err)
		}
		e.At = time.Unix(at, 0).UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list audit: %w", err)
	}
	return out, nil
}

// insertAudit writes e through x (the DB or a transaction) unless e.Action
// is empty, which means "nothing to record".
func insertAudit(ctx context.Context, x execer, e AuditEntry) (sql.Result, error) {
	if e.Action == "" {
		return nil, nil
	}
	return x.ExecContext(ctx, `INSERT INTO audit_log (at, actor, action, target) VALUES (?, ?, ?, ?)`,
		e.At.Unix(), e.Actor, e.Action, e.Target)
}
