package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// DeskToken is one token of the desk API (migration 00100). Only the
// SHA-256 of the token is stored.
type DeskToken struct {
	ID   int64
	Name string
	// Desk is the desk code whose cases the token reads and works.
	Desk       string
	TokenHash  []byte
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero: active
}

const deskTokenColumns = `id, name, desk, token_hash, created_at, last_used_at, revoked_at`

func scanDeskToken(row interface{ Scan(...any) error }) (DeskToken, error) {
	var t DeskToken
	var created int64
	var used, revoked sql.NullInt64
	if err := row.Scan(&t.ID, &t.Name, &t.Desk, &t.TokenHash, &created, &used, &revoked); err != nil {
		return DeskToken{}, err
	}
	t.CreatedAt = time.Unix(created, 0).UTC()
	if used.Valid {
		t.LastUsedAt = time.Unix(used.Int64, 0).UTC()
	}
	if revoked.Valid {
		t.RevokedAt = time.Unix(revoked.Int64, 0).UTC()
	}
	return t, nil
}

// CreateDeskToken stores a new token (its hash) for desk under name, with
// audit in the same transaction. An active token of the same name gives
// ErrConflict.
func (db *DB) CreateDeskToken(ctx context.Context, name, desk string, hash []byte, now time.Time, audit AuditEntry) (DeskToken, error) {
	tx, err := db.begin(ctx, "create desk token")
	if err != nil {
		return DeskToken{}, err
	}
	defer tx.Rollback()
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO desk_tokens (name, desk, token_hash, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`, name, desk, hash, now.Unix()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return DeskToken{}, fmt.Errorf("store: create desk token %q: %w", name, ErrConflict)
	}
	if err != nil {
		return DeskToken{}, fmt.Errorf("store: create desk token %q: %w", name, err)
	}
	if _, err := insertAudit(ctx, tx, audit); err != nil {
		return DeskToken{}, fmt.Errorf("store: create desk token %q: audit: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return DeskToken{}, fmt.Errorf("store: create desk token %q: %w", name, err)
	}
	return DeskToken{ID: id, Name: name, Desk: desk, TokenHash: hash, CreatedAt: time.Unix(now.Unix(), 0).UTC()}, nil
}

// DeskTokenByHash returns the active token with that hash, or ErrNotFound
// (also for a revoked one).
func (db *DB) DeskTokenByHash(ctx context.Context, hash []byte) (DeskToken, error) {
	t, err := scanDeskToken(db.sql.QueryRowContext(ctx,
		`SELECT `+deskTokenColumns+` FROM desk_tokens WHERE token_hash = ? AND revoked_at IS NULL`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return DeskToken{}, fmt.Errorf("store: desk token: %w", ErrNotFound)
	}
	if err != nil {
		return DeskToken{}, fmt.Errorf("store: desk token: %w", err)
	}
	return t, nil
}

// ListDeskTokens returns every token, revoked ones too, by name then id.
func (db *DB) ListDeskTokens(ctx context.Context) ([]DeskToken, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+deskTokenColumns+` FROM desk_tokens ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("store: list desk tokens: %w", err)
	}
	defer rows.Close()
	var out []DeskToken
	for rows.Next() {
		t, err := scanDeskToken(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list desk tokens: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list desk tokens: %w", err)
	}
	return out, nil
}

// RevokeDeskToken revokes the active token called name, with audit in the
// same transaction; no active token of that name gives ErrNotFound.
func (db *DB) RevokeDeskToken(ctx context.Context, name string, now time.Time, audit AuditEntry) error {
	tx, err := db.begin(ctx, "revoke desk token")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE desk_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL`, now.Unix(), name)
	if err != nil {
		return fmt.Errorf("store: revoke desk token %q: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: revoke desk token %q: %w", name, ErrNotFound)
	}
	if _, err := insertAudit(ctx, tx, audit); err != nil {
		return fmt.Errorf("store: revoke desk token %q: audit: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: revoke desk token %q: %w", name, err)
	}
	return nil
}

// TouchDeskToken records that token id was used, to the minute, writing
// only when the minute changed.
func (db *DB) TouchDeskToken(ctx context.Context, id int64, now time.Time) error {
	m := now.Truncate(time.Minute).Unix()
	if _, err := db.sql.ExecContext(ctx, `UPDATE desk_tokens SET last_used_at = ?
		WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`, m, id, m); err != nil {
		return fmt.Errorf("store: touch desk token: %w", err)
	}
	return nil
}
