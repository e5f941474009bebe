package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
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
	// Attachments are the submission's photos, sanitised (package photo),
	// in order; written to outbox_attachments in the same transaction
	// (store_photos.go). Data refers to them by index.
	Attachments [][]byte
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
		if err := insertSubmissions(ctx, tx, subs); err != nil {
			return 0, err
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
// yet (never sent, or due again after ResendOutbox), oldest first,
// without claiming them: the forwarder's read on SQLite, where one process
// forwards. Where several instances share the outbox (PostgreSQL) the
// forwarder claims rows with ForwardClaimed instead. An empty outbox
// gives an empty slice and no error.
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
// the forwarder's mark step on SQLite (through WriteOutbox, which shares
// it with new submissions); ForwardClaimed marks the same way inside its
// claim. It returns how many rows it marked; an id no longer in the
// outbox (a desk has it already) is skipped, not an error.
func (db *DB) MarkSent(ctx context.Context, sent ...SentEntry) (int, error) {
	return db.WriteOutbox(ctx, nil, sent)
}

// markSent marks the outbox rows of sent with one UPDATE of the rows and
// one of their statuses per insertBatch entries (a round trip each on
// PostgreSQL, where a statement per row made the forwarder's marks the
// intake writer's bottleneck).
func markSent(ctx context.Context, tx *sqlTx, sent []SentEntry) (int, error) {
	for _, e := range sent {
		if e.ID == "" || e.Epoch == "" {
			return 0, fmt.Errorf("store: mark %q sent: id and queue epoch are required", e.ID)
		}
	}
	marked := 0
	for start := 0; start < len(sent); start += insertBatch {
		batch := sent[start:min(start+insertBatch, len(sent))]
		var q strings.Builder
		args := make([]any, 0, 7*len(batch))
		ids := make([]any, 0, len(batch))
		// CAST: PostgreSQL types an untyped CASE result as text.
		q.WriteString(`UPDATE intake_outbox SET sent_at = CASE id`)
		for _, e := range batch {
			q.WriteString(` WHEN ? THEN CAST(? AS BIGINT)`)
			args = append(args, e.ID, e.At.Truncate(time.Minute).Unix())
			ids = append(ids, e.ID)
		}
		q.WriteString(` END, stream_id = CASE id`)
		for _, e := range batch {
			q.WriteString(` WHEN ? THEN ?`)
			args = append(args, e.ID, e.StreamID)
		}
		q.WriteString(` END, queue_epoch = CASE id`)
		for _, e := range batch {
			q.WriteString(` WHEN ? THEN ?`)
			args = append(args, e.ID, e.Epoch)
		}
		in := strings.TrimSuffix(strings.Repeat("?, ", len(batch)), ", ")
		q.WriteString(` END WHERE id IN (` + in + `)`)
		args = append(args, ids...)
		res, err := tx.ExecContext(ctx, q.String(), args...)
		if err != nil {
			return 0, fmt.Errorf("store: mark %d sent: %w", len(batch), err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("store: mark %d sent: %w", len(batch), err)
		}
		marked += int(n)
		if _, err := tx.ExecContext(ctx, `UPDATE intake_status SET status = ? WHERE status = ? AND submission_id IN (`+in+`)`,
			append([]any{StatusForwarded, StatusReceived}, ids...)...); err != nil {
			return 0, fmt.Errorf("store: mark %d sent: update status: %w", len(batch), err)
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

// insertBatch is how many rows one multi-row INSERT carries: 5 columns ×
// 128 = 640 parameters, far below either engine's limit.
const insertBatch = 128

// insertSubmissions writes the outbox, status and nonce rows of subs with
// one multi-row INSERT per table and batch: on PostgreSQL each statement
// is a round trip, and a group commit of a few hundred submissions would
// otherwise spend its time on them. A nonce already recorded, or used
// twice in subs, fails with ErrDuplicateNonce naming the submission.
func insertSubmissions(ctx context.Context, tx *sqlTx, subs []Submission) error {
	for start := 0; start < len(subs); start += insertBatch {
		batch := subs[start:min(start+insertBatch, len(subs))]
		var outbox, status, nonce strings.Builder
		outbox.WriteString(`INSERT INTO intake_outbox (id, kind, received_at, data) VALUES `)
		status.WriteString(`INSERT INTO intake_status (receipt_hash, submission_id, kind, status, received_on) VALUES `)
		nonce.WriteString(`INSERT INTO intake_nonce (nonce_hash, received_on) VALUES `)
		var oargs, sargs, nargs []any
		wantNonce := map[string]string{} // nonce hash → submission id
		for i, s := range batch {
			if i > 0 {
				outbox.WriteString(", ")
				status.WriteString(", ")
			}
			outbox.WriteString("(?, ?, ?, ?)")
			status.WriteString("(?, ?, ?, ?, ?)")
			oargs = append(oargs, s.ID, s.Kind, s.ReceivedAt.UTC().Format(time.RFC3339Nano), s.Data)
			sargs = append(sargs, s.ReceiptHash, s.ID, s.Kind, StatusReceived, s.ReceivedOn)
			if s.NonceHash == "" {
				continue
			}
			if _, dup := wantNonce[s.NonceHash]; dup {
				return fmt.Errorf("store: insert submission %s: %w", s.ID, ErrDuplicateNonce)
			}
			if len(nargs) > 0 {
				nonce.WriteString(", ")
			}
			nonce.WriteString("(?, ?)")
			nargs = append(nargs, s.NonceHash, s.ReceivedOn)
			wantNonce[s.NonceHash] = s.ID
		}
		if _, err := tx.ExecContext(ctx, outbox.String(), oargs...); err != nil {
			return fmt.Errorf("store: insert %d submissions into the outbox: %w", len(batch), err)
		}
		if _, err := tx.ExecContext(ctx, status.String(), sargs...); err != nil {
			return fmt.Errorf("store: insert the status of %d submissions: %w", len(batch), err)
		}
		if err := insertOutboxAttachments(ctx, tx, batch); err != nil {
			return err
		}
		if len(nargs) == 0 {
			continue
		}
		nonce.WriteString(` ON CONFLICT DO NOTHING RETURNING nonce_hash`)
		rows, err := tx.QueryContext(ctx, nonce.String(), nargs...)
		if err != nil {
			return fmt.Errorf("store: record the nonces of %d submissions: %w", len(batch), err)
		}
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				rows.Close()
				return fmt.Errorf("store: record nonces: %w", err)
			}
			delete(wantNonce, h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: record nonces: %w", err)
		}
		for _, s := range batch {
			if _, left := wantNonce[s.NonceHash]; left && s.NonceHash != "" {
				return fmt.Errorf("store: insert submission %s: %w", s.ID, ErrDuplicateNonce)
			}
		}
	}
	return nil
}
