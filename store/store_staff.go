package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Staff is one press-office or agency account. PasswordHash is the argon2id
// PHC string made by package press; the store never sees a password.
type Staff struct {
	ID           int64
	Username     string // lower-case login name
	Role         string // "press", "police", "social-affairs" or "admin"
	PasswordHash string
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

const staffColumns = `id, username, role, password_hash, disabled, created_at, updated_at`

func scanStaff(row interface{ Scan(...any) error }) (Staff, error) {
	var s Staff
	var created, updated int64
	err := row.Scan(&s.ID, &s.Username, &s.Role, &s.PasswordHash, &s.Disabled, &created, &updated)
	s.CreatedAt, s.UpdatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return s, err
}

// CreateStaff inserts a new account and returns it with its ID, writing
// audit (if its Action is set) in the same transaction. A taken username
// gives ErrConflict.
func (db *DB) CreateStaff(ctx context.Context, username, role, passwordHash string, now time.Time, audit AuditEntry) (Staff, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return Staff{}, fmt.Errorf("store: create staff %q: %w", username, err)
	}
	defer tx.Rollback()
	var id int64
	err = tx.QueryRowContext(ctx,
		`INSERT INTO staff (username, role, password_hash, disabled, created_at, updated_at)
		 VALUES (?, ?, ?, FALSE, ?, ?) RETURNING id`, username, role, passwordHash, now.Unix(), now.Unix()).Scan(&id)
	if err != nil {
		if db.eng.isUniqueViolation(err) {
			return Staff{}, fmt.Errorf("store: create staff %q: %w", username, ErrConflict)
		}
		return Staff{}, fmt.Errorf("store: create staff %q: %w", username, err)
	}
	if _, err := insertAudit(ctx, tx, audit); err != nil {
		return Staff{}, fmt.Errorf("store: create staff %q: audit: %w", username, err)
	}
	if err := tx.Commit(); err != nil {
		return Staff{}, fmt.Errorf("store: create staff %q: %w", username, err)
	}
	return Staff{ID: id, Username: username, Role: role, PasswordHash: passwordHash,
		CreatedAt: time.Unix(now.Unix(), 0).UTC(), UpdatedAt: time.Unix(now.Unix(), 0).UTC()}, nil
}

// StaffByUsername returns the account with that username, or ErrNotFound.
func (db *DB) StaffByUsername(ctx context.Context, username string) (Staff, error) {
	s, err := scanStaff(db.sql.QueryRowContext(ctx,
		`SELECT `+staffColumns+` FROM staff WHERE username = ?`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return Staff{}, fmt.Errorf("store: staff %q: %w", username, ErrNotFound)
	}
	if err != nil {
		return Staff{}, fmt.Errorf("store: staff %q: %w", username, err)
	}
	return s, nil
}

// ListStaff returns every account ordered by username.
func (db *DB) ListStaff(ctx context.Context) ([]Staff, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+staffColumns+` FROM staff ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("store: list staff: %w", err)
	}
	defer rows.Close()
	var out []Staff
	for rows.Next() {
		s, err := scanStaff(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list staff: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list staff: %w", err)
	}
	return out, nil
}

// SetStaffDisabled disables (or re-enables) an account. Disabling also
// deletes the account's sessions in the same transaction, so it is logged
// out everywhere at once; audit is written in that transaction too. An
// unknown username gives ErrNotFound.
func (db *DB) SetStaffDisabled(ctx context.Context, username string, disabled bool, now time.Time, audit AuditEntry) error {
	return db.updateStaff(ctx, "disable staff", username, audit, func(tx *sqlTx, id int64) error {
		if _, err := tx.ExecContext(ctx, `UPDATE staff SET disabled = ?, updated_at = ? WHERE id = ?`,
			disabled, now.Unix(), id); err != nil {
			return err
		}
		if !disabled {
			return nil
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE staff_id = ?`, id)
		return err
	})
}

// SetStaffPassword replaces an account's password hash and deletes all of
// its sessions in the same transaction, with audit. An unknown username
// gives ErrNotFound.
func (db *DB) SetStaffPassword(ctx context.Context, username, passwordHash string, now time.Time, audit AuditEntry) error {
	return db.updateStaff(ctx, "set staff password", username, audit, func(tx *sqlTx, id int64) error {
		if _, err := tx.ExecContext(ctx, `UPDATE staff SET password_hash = ?, updated_at = ? WHERE id = ?`,
			passwordHash, now.Unix(), id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE staff_id = ?`, id)
		return err
	})
}

func (db *DB) updateStaff(ctx context.Context, what, username string, audit AuditEntry, f func(tx *sqlTx, id int64) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %s %q: %w", what, username, err)
	}
	defer tx.Rollback()
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM staff WHERE username = ?`, username).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: %s %q: %w", what, username, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: %s %q: %w", what, username, err)
	}
	if err := f(tx, id); err != nil {
		return fmt.Errorf("store: %s %q: %w", what, username, err)
	}
	if _, err := insertAudit(ctx, tx, audit); err != nil {
		return fmt.Errorf("store: %s %q: audit: %w", what, username, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %s %q: %w", what, username, err)
	}
	return nil
}

// ChangeOwnPassword is a staff member's change of their own password, all
// in one transaction, so that a failure leaves the password, the key and
// the sessions as they were: staff member id's password hash becomes
// newHash; when key is not nil, the wrap of their own private key becomes
// key.Wrap (the same key pair, rewrapped under the new password); every
// session of theirs except the one with token hash keep is deleted; audit
// is written. oldHash must still be the stored hash, and key.PublicKey the
// stored public key, else ErrConflict and nothing changes (an admin reset
// or another change came first). It returns how many sessions it ended.
func (db *DB) ChangeOwnPassword(ctx context.Context, id int64, oldHash, newHash string, key *StaffKey, keep []byte, now time.Time, audit AuditEntry) (int, error) {
	tx, err := db.begin(ctx, "change own password")
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE staff SET password_hash = ?, updated_at = ? WHERE id = ? AND password_hash = ?`,
		newHash, now.Unix(), id, oldHash)
	if err != nil {
		return 0, fmt.Errorf("store: change own password of staff %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return 0, fmt.Errorf("store: change own password of staff %d: %w", id, ErrConflict)
	}
	if key != nil {
		res, err := tx.ExecContext(ctx, `UPDATE staff_keys SET wrap = ?, updated_at = ? WHERE staff_id = ? AND public_key = ?`,
			key.Wrap, now.Unix(), id, key.PublicKey)
		if err != nil {
			return 0, fmt.Errorf("store: change own password of staff %d: key: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return 0, fmt.Errorf("store: change own password of staff %d: key: %w", id, ErrConflict)
		}
	}
	if keep == nil {
		keep = []byte{} // no session to keep ("<> NULL" would keep them all)
	}
	res, err = tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE staff_id = ? AND token_hash <> ?`, id, keep)
	if err != nil {
		return 0, fmt.Errorf("store: change own password of staff %d: sessions: %w", id, err)
	}
	ended, _ := res.RowsAffected()
	if _, err := insertAudit(ctx, tx, audit); err != nil {
		return 0, fmt.Errorf("store: change own password of staff %d: audit: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: change own password of staff %d: %w", id, err)
	}
	return int(ended), nil
}

// ResetStaffTOTP removes an account's second factor (its secret, enabled
// or pending, and its recovery codes) and deletes all of its sessions, with
// audit, in one transaction: at the next sign-in an account whose role
// requires two-step sign-in must enrol again, and no session opened with
// the old factor (a lost phone's) outlives the reset. An unknown username
// gives ErrNotFound; an account without a second factor is not an error.
func (db *DB) ResetStaffTOTP(ctx context.Context, username string, now time.Time, audit AuditEntry) error {
	return db.updateStaff(ctx, "reset staff totp", username, audit, func(tx *sqlTx, id int64) error {
		for _, q := range []string{
			`DELETE FROM staff_recovery_codes WHERE staff_id = ?`,
			`DELETE FROM staff_totp WHERE staff_id = ?`,
			`DELETE FROM staff_sessions WHERE staff_id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE staff SET updated_at = ? WHERE id = ?`, now.Unix(), id)
		return err
	})
}
