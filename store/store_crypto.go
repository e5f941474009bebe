package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// DeskKey is a desk's age key pair as stored: the public key in clear, the
// private key only wrapped to the recovery key (table desk_keys).
type DeskKey struct {
	Desk         string
	PublicKey    string // "age1…"
	RecoveryWrap []byte // age file of the private key, to the recovery key
	CreatedAt    time.Time
}

// CreateDeskKey stores desk's key pair; ErrConflict when the desk already
// has one (a second init would strand every case sealed to the first).
func (db *DB) CreateDeskKey(ctx context.Context, k DeskKey, audit AuditEntry) error {
	tx, err := db.begin(ctx, "create desk key")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO desk_keys (desk, public_key, recovery_wrap, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (desk) DO NOTHING`, k.Desk, k.PublicKey, k.RecoveryWrap, k.CreatedAt.Unix())
	if err != nil {
		return fmt.Errorf("store: create desk key %s: %w", k.Desk, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: create desk key %s: %w", k.Desk, ErrConflict)
	}
	if _, err := insertAudit(ctx, tx, audit); err != nil {
		return fmt.Errorf("store: audit %s: %w", audit.Action, err)
	}
	return tx.Commit()
}

// DeskKeys returns every desk's key pair (public part and recovery wrap).
func (db *DB) DeskKeys(ctx context.Context) ([]DeskKey, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT desk, public_key, recovery_wrap, created_at FROM desk_keys ORDER BY desk`)
	if err != nil {
		return nil, fmt.Errorf("store: desk keys: %w", err)
	}
	defer rows.Close()
	var out []DeskKey
	for rows.Next() {
		var k DeskKey
		var at int64
		if err := rows.Scan(&k.Desk, &k.PublicKey, &k.RecoveryWrap, &at); err != nil {
			return nil, fmt.Errorf("store: desk keys: %w", err)
		}
		k.CreatedAt = time.Unix(at, 0).UTC()
		out = append(out, k)
	}
	return out, rows.Err()
}

// StaffKey is a staff member's own key pair: the private key wrapped under
// their password (table staff_keys).
type StaffKey struct {
	StaffID   int64
	PublicKey string
	Wrap      []byte
}

// StaffKeyByID returns the key pair of staff member id, or ErrNotFound.
func (db *DB) StaffKeyByID(ctx context.Context, id int64) (StaffKey, error) {
	k := StaffKey{StaffID: id}
	err := db.sql.QueryRowContext(ctx, `SELECT public_key, wrap FROM staff_keys WHERE staff_id = ?`, id).Scan(&k.PublicKey, &k.Wrap)
	if errors.Is(err, sql.ErrNoRows) {
		return StaffKey{}, fmt.Errorf("store: staff key %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return StaffKey{}, fmt.Errorf("store: staff key %d: %w", id, err)
	}
	return k, nil
}

// PutStaffKey stores (or replaces, on a password change) the key pair of
// a staff member. replaceGrants, when true, also deletes every grant made
// to the member's previous public key (they can no longer be opened).
func (db *DB) PutStaffKey(ctx context.Context, k StaffKey, now time.Time, replaceGrants bool) error {
	tx, err := db.begin(ctx, "put staff key")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO staff_keys (staff_id, public_key, wrap, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (staff_id) DO UPDATE SET public_key = excluded.public_key, wrap = excluded.wrap, updated_at = excluded.updated_at`,
		k.StaffID, k.PublicKey, k.Wrap, now.Unix()); err != nil {
		return fmt.Errorf("store: put staff key %d: %w", k.StaffID, err)
	}
	if replaceGrants {
		if _, err := tx.ExecContext(ctx, `DELETE FROM desk_key_grants WHERE holder = ?`, fmt.Sprintf("staff:%d", k.StaffID)); err != nil {
			return fmt.Errorf("store: put staff key %d: grants: %w", k.StaffID, err)
		}
	}
	return tx.Commit()
}

// PutDeskGrant stores the wrap of desk's private key for holder ("staff:ID"
// or "token:HEX"), replacing an earlier one, with its audit entry.
func (db *DB) PutDeskGrant(ctx context.Context, desk, holder string, wrap []byte, now time.Time, audit AuditEntry) error {
	tx, err := db.begin(ctx, "put desk grant")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO desk_key_grants (desk, holder, wrap, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (desk, holder) DO UPDATE SET wrap = excluded.wrap, created_at = excluded.created_at`,
		desk, holder, wrap, now.Unix()); err != nil {
		return fmt.Errorf("store: put desk grant: %w", err)
	}
	if _, err := insertAudit(ctx, tx, audit); err != nil {
		return fmt.Errorf("store: audit %s: %w", audit.Action, err)
	}
	return tx.Commit()
}

// DeskGrant returns the wrap of desk's private key for holder, or
// ErrNotFound.
func (db *DB) DeskGrant(ctx context.Context, desk, holder string) ([]byte, error) {
	var w []byte
	err := db.sql.QueryRowContext(ctx, `SELECT wrap FROM desk_key_grants WHERE desk = ? AND holder = ?`, desk, holder).Scan(&w)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: desk grant: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: desk grant: %w", err)
	}
	return w, nil
}

// DeleteDeskGrants deletes every grant of holder (a revoked token, a
// member whose password an admin reset).
func (db *DB) DeleteDeskGrants(ctx context.Context, holder string) error {
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM desk_key_grants WHERE holder = ?`, holder); err != nil {
		return fmt.Errorf("store: delete desk grants: %w", err)
	}
	return nil
}

// CaseSubmitterKey returns the submitter's public key stored with case id
// ("" when the case was made before keys existed), or ErrNotFound.
func (db *DB) CaseSubmitterKey(ctx context.Context, id int64) (string, error) {
	var k string
	err := db.sql.QueryRowContext(ctx, `SELECT submitter_key FROM case_contents WHERE case_id = ?`, id).Scan(&k)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: case %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store: case %d submitter key: %w", id, err)
	}
	return k, nil
}
