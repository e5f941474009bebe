package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// TOTP is a staff member's second factor (table staff_totp): the base32
// secret, whether it was confirmed, and the last time step a code was
// accepted for.
type TOTP struct {
	Secret   string
	Enabled  bool
	LastStep int64
}

// StaffTOTP returns the second factor of staff member id, or ErrNotFound
// when they never began enrolment.
func (db *DB) StaffTOTP(ctx context.Context, id int64) (TOTP, error) {
	var t TOTP
	err := db.sql.QueryRowContext(ctx, `SELECT secret, enabled, last_step FROM staff_totp WHERE staff_id = ?`, id).
		Scan(&t.Secret, &t.Enabled, &t.LastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return TOTP{}, fmt.Errorf("store: totp of staff %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return TOTP{}, fmt.Errorf("store: totp of staff %d: %w", id, err)
	}
	return t, nil
}

// PutPendingTOTP records a new, not yet confirmed secret for staff member
// id; ErrConflict when their second factor is already enabled.
func (db *DB) PutPendingTOTP(ctx context.Context, id int64, secret string, now time.Time) error {
	res, err := db.sql.ExecContext(ctx, `INSERT INTO staff_totp (staff_id, secret, enabled, last_step, updated_at) VALUES (?, ?, ?, 0, ?)
		ON CONFLICT (staff_id) DO UPDATE SET secret = excluded.secret, updated_at = excluded.updated_at WHERE staff_totp.enabled = ?`,
		id, secret, false, now.Unix(), false)
	if err != nil {
		return fmt.Errorf("store: pending totp: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: pending totp: %w", ErrConflict)
	}
	return nil
}

// EnableTOTP confirms the pending secret of staff member id, with step the
// time step of the code that confirmed it (used: refused from now on), and
// replaces their recovery codes by codeHashes, with audit, in one
// transaction. ErrNotFound when no pending secret exists.
func (db *DB) EnableTOTP(ctx context.Context, id, step int64, codeHashes []string, now time.Time, audit AuditEntry) error {
	tx, err := db.begin(ctx, "enable totp")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE staff_totp SET enabled = ?, last_step = ?, updated_at = ? WHERE staff_id = ? AND enabled = ?`,
		true, step, now.Unix(), id, false)
	if err != nil {
		return fmt.Errorf("store: enable totp: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: enable totp: %w", ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM staff_recovery_codes WHERE staff_id = ?`, id); err != nil {
		return fmt.Errorf("store: enable totp: %w", err)
	}
	for _, h := range codeHashes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO staff_recovery_codes (staff_id, code_hash) VALUES (?, ?)`, id, h); err != nil {
			return fmt.Errorf("store: enable totp: recovery code: %w", err)
		}
	}
	if _, err := insertAudit(ctx, tx, audit); err != nil {
		return fmt.Errorf("store: enable totp: audit: %w", err)
	}
	return tx.Commit()
}

// UseTOTPStep records that a code of time step was accepted for staff
// member id, only if step is later than the last one accepted; false when
// it is not (a code used before, or an older one): refuse it. Atomic, so
// two instances cannot both accept one code.
func (db *DB) UseTOTPStep(ctx context.Context, id, step int64) (bool, error) {
	res, err := db.sql.ExecContext(ctx, `UPDATE staff_totp SET last_step = ? WHERE staff_id = ? AND enabled = ? AND last_step < ?`,
		step, id, true, step)
	if err != nil {
		return false, fmt.Errorf("store: use totp step: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// UseRecoveryCode deletes the recovery code with hash codeHash of staff
// member id; false when there is none (wrong or already used).
func (db *DB) UseRecoveryCode(ctx context.Context, id int64, codeHash string) (bool, error) {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM staff_recovery_codes WHERE staff_id = ? AND code_hash = ?`, id, codeHash)
	if err != nil {
		return false, fmt.Errorf("store: use recovery code: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
