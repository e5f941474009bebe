package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Submission statuses kept in intake_status (migration 010). The intake
// package maps them to the Vietnamese labels people see.
const (
	// StatusReceived: the submission is in the outbox, not yet on its queue.
	StatusReceived = "received"
	// StatusForwarded: the agency queue has the submission.
	StatusForwarded = "forwarded"
)

// Submission is one accepted tip or rehab enquiry as written to the outbox.
// It holds nothing that identifies the sender's connection (no address, user
// agent or referrer); Data is the sanitised submission as JSON.
type Submission struct {
	// ID is the submission id (random, assigned by intake); it becomes the
	// queue entry id.
	ID string
	// Kind is "tip" or "rehab_enquiry".
	Kind string
	// ReceivedAt is when the portal accepted it; stored in UTC.
	ReceivedAt time.Time
	// Data is the submission as JSON.
	Data []byte
	// ReceiptHash is the hex HMAC-SHA256 of the receipt code under the
	// portal secret; the status row is keyed by it.
	ReceiptHash string
	// ReceivedOn is the day of receipt shown by /tra-cuu, "YYYY-MM-DD".
	ReceivedOn string
	// NonceHash, when not empty, is the keyed hash (hex) of the form's
	// one-time submission nonce; a second submission with the same hash
	// is refused with ErrDuplicateNonce (migration 010_intake_submission_nonce).
	NonceHash string
}

// ErrDuplicateNonce is returned by InsertSubmissions and WriteOutbox when a
// submission's NonceHash is already recorded: the same form was sent
// before (double click, refresh). Nothing of the batch is written.
var ErrDuplicateNonce = errors.New("store: submission nonce already used")

// OutboxEntry is a submission still waiting in the outbox.
type OutboxEntry struct {
	ID         string
	Kind       string
	ReceivedAt time.Time // UTC
	Data       []byte    // JSON
}

// SubmissionStatus is what /tra-cuu shows for a receipt.
type SubmissionStatus struct {
	Kind       string // "tip" or "rehab_enquiry"
	Status     string // StatusReceived or StatusForwarded
	ReceivedOn string // "YYYY-MM-DD"
}

// InsertSubmissions writes subs to the outbox and their status rows as
// "received", all in one transaction. With synchronous=FULL (see Open) the
// commit has reached the disk when it returns nil, so the caller may show
// receipts. A duplicate id or receipt hash fails the whole batch.
func (db *DB) InsertSubmissions(ctx context.Context, subs []Submission) error {
	_, err := db.WriteOutbox(ctx, subs, nil)
	return err
}

// WriteOutbox applies, in one transaction (one fsync), new submissions
// (outbox and status rows, as InsertSubmissions) and forwarded ids (as
// MarkForwarded). The intake service's single writer uses it for group
// commit: concurrent requests and the forwarder's acknowledgements share
// one commit instead of queueing on SQLite's write lock. It returns how
// many outbox rows were deleted. Any failure rolls back everything.
func (db *DB) WriteOutbox(ctx context.Context, subs []Submission, forwarded []string) (int, error) {
	if len(subs) == 0 && len(forwarded) == 0 {
		return 0, nil
	}
	for _, s := range subs {
		if s.ID == "" || s.Kind == "" || s.ReceiptHash == "" || s.ReceivedOn == "" || s.ReceivedAt.IsZero() || len(s.Data) == 0 {
			return 0, fmt.Errorf("store: insert submission %q: missing field", s.ID)
		}
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: write outbox: begin: %w", err)
	}
	defer tx.Rollback()
	if len(subs) > 0 {
		outbox, err := tx.PrepareContext(ctx, `INSERT INTO intake_outbox (id, kind, received_at, data) VALUES (?, ?, ?, ?)`)
		if err != nil {
			return 0, fmt.Errorf("store: insert submissions: %w", err)
		}
		defer outbox.Close()
		status, err := tx.PrepareContext(ctx, `INSERT INTO intake_status (receipt_hash, submission_id, kind, status, received_on) VALUES (?, ?, ?, ?, ?)`)
		if err != nil {
			return 0, fmt.Errorf("store: insert submissions: %w", err)
		}
		defer status.Close()
		for _, s := range subs {
			at := s.ReceivedAt.UTC().Format(time.RFC3339Nano)
			if _, err := outbox.ExecContext(ctx, s.ID, s.Kind, at, s.Data); err != nil {
				return 0, fmt.Errorf("store: insert submission %s into outbox: %w", s.ID, err)
			}
			if _, err := status.ExecContext(ctx, s.ReceiptHash, s.ID, s.Kind, StatusReceived, s.ReceivedOn); err != nil {
				return 0, fmt.Errorf("store: insert status of submission %s: %w", s.ID, err)
			}
			if s.NonceHash != "" {
				res, err := tx.ExecContext(ctx, `INSERT INTO intake_nonce (nonce_hash, received_on) VALUES (?, ?) ON CONFLICT DO NOTHING`, s.NonceHash, s.ReceivedOn)
				if err != nil {
					return 0, fmt.Errorf("store: record nonce of submission %s: %w", s.ID, err)
				}
				if n, err := res.RowsAffected(); err != nil || n != 1 {
					return 0, fmt.Errorf("store: insert submission %s: %w", s.ID, ErrDuplicateNonce)
				}
			}
		}
	}
	// Deleted outbox rows are overwritten with zeros (secure_delete=ON on
	// every connection, see Open): an enquiry's name and phone must not
	// outlive its outbox row in the file (see CheckpointOutbox for the WAL).
	deleted, err := markForwarded(ctx, tx, forwarded)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: write outbox (%d new, %d forwarded): commit: %w", len(subs), len(forwarded), err)
	}
	return deleted, nil
}

// PendingSubmissions returns up to limit outbox entries, oldest first.
// An empty outbox gives an empty slice and no error.
func (db *DB) PendingSubmissions(ctx context.Context, limit int) ([]OutboxEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT id, kind, received_at, data FROM intake_outbox ORDER BY seq LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxEntry
	for rows.Next() {
		var e OutboxEntry
		var at string
		if err := rows.Scan(&e.ID, &e.Kind, &at, &e.Data); err != nil {
			return nil, fmt.Errorf("store: list outbox: %w", err)
		}
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			return nil, fmt.Errorf("store: list outbox: entry %s: received_at %q: %w", e.ID, at, err)
		}
		e.ReceivedAt = t.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list outbox: %w", err)
	}
	return out, nil
}

// CountPendingSubmissions returns how many submissions wait in the outbox.
func (db *DB) CountPendingSubmissions(ctx context.Context) (int, error) {
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM intake_outbox`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count outbox: %w", err)
	}
	return n, nil
}

// MarkForwarded records that the agency queue has the submissions ids: it
// deletes their outbox rows and sets their status to "forwarded", all in
// one transaction. It returns how many outbox rows it deleted; an id no
// longer in the outbox (already forwarded) is skipped, not an error.
func (db *DB) MarkForwarded(ctx context.Context, ids ...string) (int, error) {
	return db.WriteOutbox(ctx, nil, ids)
}

func markForwarded(ctx context.Context, tx *sqlTx, ids []string) (int, error) {
	deleted := 0
	for _, id := range ids {
		res, err := tx.ExecContext(ctx, `DELETE FROM intake_outbox WHERE id = ?`, id)
		if err != nil {
			return 0, fmt.Errorf("store: mark %s forwarded: delete from outbox: %w", id, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("store: mark %s forwarded: %w", id, err)
		}
		deleted += int(n)
		if _, err := tx.ExecContext(ctx, `UPDATE intake_status SET status = ? WHERE submission_id = ?`, StatusForwarded, id); err != nil {
			return 0, fmt.Errorf("store: mark %s forwarded: update status: %w", id, err)
		}
	}
	return deleted, nil
}

// CheckpointOutbox makes forwarded submissions leave the disk where the
// engine keeps old page images: on SQLite it copies the write-ahead log
// into the database file and truncates the log (PRAGMA
// wal_checkpoint(TRUNCATE)), since older page images in the log still hold
// deleted rows. It is not an error when readers keep it from finishing; it
// returns whether the log was emptied (always true on PostgreSQL).
func (db *DB) CheckpointOutbox(ctx context.Context) (bool, error) {
	return db.eng.checkpoint(ctx, db.sql.DB)
}

// StatusByReceiptHash returns the status of the submission whose receipt
// hashes to receiptHash, or ErrNotFound.
func (db *DB) StatusByReceiptHash(ctx context.Context, receiptHash string) (SubmissionStatus, error) {
	var s SubmissionStatus
	err := db.sql.QueryRowContext(ctx,
		`SELECT kind, status, received_on FROM intake_status WHERE receipt_hash = ?`, receiptHash,
	).Scan(&s.Kind, &s.Status, &s.ReceivedOn)
	if errors.Is(err, sql.ErrNoRows) {
		return SubmissionStatus{}, fmt.Errorf("store: status of receipt: %w", ErrNotFound)
	}
	if err != nil {
		return SubmissionStatus{}, fmt.Errorf("store: status of receipt: %w", err)
	}
	return s, nil
}
