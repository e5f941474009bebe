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
	// StatusForwarded: the agency queue has the submission (it stays in
	// the outbox until a desk has its case).
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
	SubmissionID string // the outbox / queue entry id; a case has the same
	Kind         string // "tip" or "rehab_enquiry"
	Status       string // StatusReceived or StatusForwarded
	ReceivedOn   string // "YYYY-MM-DD"
}

// InsertSubmissions writes subs to the outbox and their status rows as
// "received", all in one transaction. With synchronous=FULL (see Open) the
// commit has reached the disk when it returns nil, so the caller may show
// receipts. A duplicate id or receipt hash fails the whole batch.
func (db *DB) InsertSubmissions(ctx context.Context, subs []Submission) error {
	_, err := db.WriteOutbox(ctx, subs, nil)
	return err
}

// SentEntry records that an agency queue accepted one outbox row
// (issue 10, point 3: the row stays until a desk has the case).
type SentEntry struct {
	// ID is the submission id.
	ID string
	// StreamID is the queue entry's id ("1700000000000-0" in Redis).
	StreamID string
	// Epoch is the queue's epoch when it accepted the entry
	// (queue.Queue.Epoch); ResendOutbox compares it.
	Epoch string
	// At is when it was sent; stored to the minute.
	At time.Time
}

// WriteOutbox applies, in one transaction (one fsync), new submissions
// (outbox and status rows, as InsertSubmissions) and sent marks (as
// MarkSent). The intake service's single writer uses it for group commit:
// concurrent requests and the forwarder's marks share one commit instead of
// queueing on SQLite's write lock. It returns how many outbox rows were
// marked sent. Any failure rolls back everything.
func (db *DB) WriteOutbox(ctx context.Context, subs []Submission, sent []SentEntry) (int, error) {
	if len(subs) == 0 && len(sent) == 0 {
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
	marked, err := markSent(ctx, tx, sent)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: write outbox (%d new, %d sent): commit: %w", len(subs), len(sent), err)
	}
	return marked, nil
}

// PendingSubmissions returns up to limit outbox entries that no queue has
// yet (never sent, or due again after ResendOutbox), oldest first. It is
// the forwarder's claim step: the one place to change so that several
// instances forward each row once. An empty outbox gives an empty slice
// and no error.
func (db *DB) PendingSubmissions(ctx context.Context, limit int) ([]OutboxEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT id, kind, received_at, data FROM intake_outbox WHERE sent_at IS NULL ORDER BY seq LIMIT ?`, limit)
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

// CountPendingSubmissions returns how many submissions wait in the outbox
// for a queue (not yet sent, or due again).
func (db *DB) CountPendingSubmissions(ctx context.Context) (int, error) {
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM intake_outbox WHERE sent_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count outbox: %w", err)
	}
	return n, nil
}

// OutboxStats describes the outbox: rows waiting for a queue, and rows a
// queue has but no desk has taken yet (with the oldest one's send time).
type OutboxStats struct {
	Unsent     int
	Sent       int
	OldestSent time.Time // zero when Sent is 0
}

// OutboxStats counts the outbox's rows by state.
func (db *DB) OutboxStats(ctx context.Context) (OutboxStats, error) {
	var st OutboxStats
	var oldest sql.NullInt64
	err := db.sql.QueryRowContext(ctx, `SELECT
		    count(*) - count(sent_at),
		    count(sent_at),
		    min(sent_at)
		FROM intake_outbox`).Scan(&st.Unsent, &st.Sent, &oldest)
	if err != nil {
		return st, fmt.Errorf("store: outbox stats: %w", err)
	}
	if oldest.Valid {
		st.OldestSent = time.Unix(oldest.Int64, 0).UTC()
	}
	return st, nil
}

// MarkSent records that an agency queue has the entries (see SentEntry):
// each row stays in the outbox, marked with its stream id and the queue's
// epoch, and its status turns "forwarded", all in one transaction. The row
// leaves the outbox only when a desk commits its case (CreateCases). It is
// the forwarder's mark step, kept in this one method (with WriteOutbox,
// which shares it) so that forwarding across instances can be changed in
// one place. It returns how many rows it marked; an id no longer in the
// outbox (a desk has it already) is skipped, not an error.
func (db *DB) MarkSent(ctx context.Context, sent ...SentEntry) (int, error) {
	return db.WriteOutbox(ctx, nil, sent)
}

func markSent(ctx context.Context, tx *sqlTx, sent []SentEntry) (int, error) {
	marked := 0
	for _, e := range sent {
		if e.ID == "" || e.Epoch == "" {
			return 0, fmt.Errorf("store: mark %q sent: id and queue epoch are required", e.ID)
		}
		res, err := tx.ExecContext(ctx, `UPDATE intake_outbox SET sent_at = ?, stream_id = ?, queue_epoch = ? WHERE id = ?`,
			e.At.Truncate(time.Minute).Unix(), e.StreamID, e.Epoch, e.ID)
		if err != nil {
			return 0, fmt.Errorf("store: mark %s sent: %w", e.ID, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("store: mark %s sent: %w", e.ID, err)
		}
		marked += int(n)
		if _, err := tx.ExecContext(ctx, `UPDATE intake_status SET status = ? WHERE submission_id = ? AND status = ?`,
			StatusForwarded, e.ID, StatusReceived); err != nil {
			return 0, fmt.Errorf("store: mark %s sent: update status: %w", e.ID, err)
		}
	}
	return marked, nil
}

// ResendOutbox makes due again every row that was sent to a queue under an
// epoch other than epoch and that no desk has taken: the queue (a Redis
// restarted without persistence) no longer has it. Their status goes back
// to "received" until they are sent again. Run by the forwarder whenever
// the queue's epoch is not the one its rows were sent under, so each lost
// row is sent again once. It returns how many rows it made due.
func (db *DB) ResendOutbox(ctx context.Context, epoch string) (int, error) {
	if epoch == "" {
		return 0, errors.New("store: resend outbox: empty queue epoch")
	}
	tx, err := db.begin(ctx, "resend outbox")
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE intake_status SET status = ? WHERE submission_id IN
		    (SELECT id FROM intake_outbox WHERE sent_at IS NOT NULL AND queue_epoch <> ?)`, StatusReceived, epoch); err != nil {
		return 0, fmt.Errorf("store: resend outbox: status: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE intake_outbox SET sent_at = NULL, stream_id = NULL, queue_epoch = NULL
		WHERE sent_at IS NOT NULL AND queue_epoch <> ?`, epoch)
	if err != nil {
		return 0, fmt.Errorf("store: resend outbox: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: resend outbox: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: resend outbox: commit: %w", err)
	}
	return int(n), nil
}

// CheckpointOutbox makes deleted outbox rows (submissions a desk has
// taken) and other deleted content leave the disk where the
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
		`SELECT submission_id, kind, status, received_on FROM intake_status WHERE receipt_hash = ?`, receiptHash,
	).Scan(&s.SubmissionID, &s.Kind, &s.Status, &s.ReceivedOn)
	if errors.Is(err, sql.ErrNoRows) {
		return SubmissionStatus{}, fmt.Errorf("store: status of receipt: %w", ErrNotFound)
	}
	if err != nil {
		return SubmissionStatus{}, fmt.Errorf("store: status of receipt: %w", err)
	}
	return s, nil
}
