package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Session is one staff login. It is known by the SHA-256 hash of its token;
// the token itself lives only in the cookie.
type Session struct {
	TokenHash  []byte // SHA-256 of the cookie token, 32 bytes
	StaffID    int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute expiry, whatever the activity
}

// SessionStaff is a session joined with its account, as looked up on every
// admin request.
type SessionStaff struct {
	Session
	Staff Staff
}

// CreateSession stores a new session. If replace is non-nil, the session
// with that token hash is deleted in the same transaction (rotation at
// login). Expired sessions of every account are swept in the same
// transaction so the table stays small, and audit (e.g. "staff.login") is
// written with it.
func (db *DB) CreateSession(ctx context.Context, s Session, replace []byte, audit AuditEntry) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	defer tx.Rollback()
	if replace != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE token_hash = ?`, replace); err != nil {
			return fmt.Errorf("store: create session: rotate: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE expires_at <= ?`, s.CreatedAt.Unix()); err != nil {
		return fmt.Errorf("store: create session: sweep: %w", err)
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO staff_sessions (token_hash, staff_id, created_at, last_seen_at, expires_at)
		 VALUES (?, ?, ?, ?, ?)`,
		s.TokenHash, s.StaffID, s.CreatedAt.Unix(), s.LastSeenAt.Unix(), s.ExpiresAt.Unix()); err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	if _, err := insertAudit(ctx, tx, audit); err != nil {
		return fmt.Errorf("store: create session: audit: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SessionByHash returns the session with that token hash and its account,
// or ErrNotFound. It does not judge expiry: package press does, with its
// own clock and idle limit.
func (db *DB) SessionByHash(ctx context.Context, tokenHash []byte) (SessionStaff, error) {
	var out SessionStaff
	var created, seen, expires int64
	var st Staff
	var stCreated, stUpdated int64
	err := db.sql.QueryRowContext(ctx,
		`SELECT s.token_hash, s.staff_id, s.created_at, s.last_seen_at, s.expires_at,
		        u.id, u.username, u.role, u.password_hash, u.disabled, u.created_at, u.updated_at
		 FROM staff_sessions s JOIN staff u ON u.id = s.staff_id
		 WHERE s.token_hash = ?`, tokenHash).Scan(
		&out.TokenHash, &out.StaffID, &created, &seen, &expires,
		&st.ID, &st.Username, &st.Role, &st.PasswordHash, &st.Disabled, &stCreated, &stUpdated)
	if errors.Is(err, sql.ErrNoRows) {
		return SessionStaff{}, fmt.Errorf("store: session: %w", ErrNotFound)
	}
	if err != nil {
		return SessionStaff{}, fmt.Errorf("store: session: %w", err)
	}
	out.CreatedAt, out.LastSeenAt, out.ExpiresAt = time.Unix(created, 0).UTC(), time.Unix(seen, 0).UTC(), time.Unix(expires, 0).UTC()
	st.CreatedAt, st.UpdatedAt = time.Unix(stCreated, 0).UTC(), time.Unix(stUpdated, 0).UTC()
	out.Staff = st
	return out, nil
}

// TouchSession records activity on a session (for the idle expiry).
// A session that no longer exists gives ErrNotFound.
func (db *DB) TouchSession(ctx context.Context, tokenHash []byte, now time.Time) error {
	res, err := db.sql.ExecContext(ctx,
		`UPDATE staff_sessions SET last_seen_at = ? WHERE token_hash = ?`, now.Unix(), tokenHash)
	if err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: touch session: %w", ErrNotFound)
	}
	return nil
}

// DeleteSession removes one session (logout, or an expired one found on
// use) and writes audit (if its Action is set) in the same transaction.
// Deleting a session that does not exist is not an error.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte, audit AuditEntry) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	if _, err := insertAudit(ctx, tx, audit); err != nil {
		return fmt.Errorf("store: delete session: audit: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}
