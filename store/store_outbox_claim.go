package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ClaimIdleTimeout bounds how long a claim of outbox rows (ForwardClaimed)
// may keep its transaction open between two statements on PostgreSQL
// (idle_in_transaction_session_timeout, set for the claim's transaction
// only): when the instance holding the claim stops talking to the
// database without closing its connection (a machine lost, a network
// partition), the server ends the session after this long, its row locks
// go, and another instance takes the rows. A killed process needs no
// timeout: its connection closes and the server rolls back at once. The
// forwarder stops publishing a claim's rows well before it (see
// intake.Forwarder).
const ClaimIdleTimeout = 60 * time.Second

// SharedOutbox reports whether instances other than this process may
// forward this outbox: true on PostgreSQL (every instance on one
// DATABASE_URL), false on SQLite (one process per data dir, held by its
// lock file). The forwarder claims rows with ForwardClaimed when it is
// true, and keeps the single-writer path (PendingSubmissions, then marks
// through the intake service's group commit) when it is false.
func (db *DB) SharedOutbox() bool { return db.eng.name() == "postgres" }

// ForwardClaimed claims up to limit outbox rows that no queue has yet,
// oldest first, for this caller alone, hands them to publish, and marks
// the rows publish reports sent (as MarkSent), all in one transaction. It
// returns how many rows it claimed and how many it marked; an error from
// publish is returned after the rows it did send are marked (the others
// stay due), any other error rolls everything back (the rows stay due).
//
// The claim is SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL: the rows
// stay locked until the marks commit, another instance's claim skips them
// instead of waiting, and a row's lock and its sent mark end in one
// commit, so at any moment at most one instance is publishing a row, and
// a row marked sent is never claimed again (until ResendOutbox makes it
// due). If the holder dies between publishing and the commit, the
// transaction is rolled back (at once for a killed process, after
// ClaimIdleTimeout for a vanished one) and the next claim, by any
// instance, gets the rows again: publish must then be idempotent on the
// submission id (queue.Redis.Publish is), which is what makes each row
// reach its stream exactly once. On SQLite (one process) the same
// transaction serialises with the intake writer; the forwarder does not
// use it there (SharedOutbox).
//
// Nothing about the claim is stored: no instance name, no lease time; the
// lock lives in the server's memory only.
func (db *DB) ForwardClaimed(ctx context.Context, limit int,
	publish func(context.Context, []OutboxEntry) ([]SentEntry, error)) (claimed, marked int, err error) {
	if limit <= 0 {
		limit = 100
	}
	// The transaction outlives a cancelled ctx (shutdown): database/sql
	// would roll it back, and what publish sent would go unmarked. ctx
	// still bounds publish.
	tctx := context.WithoutCancel(ctx)
	tx, err := db.begin(tctx, "claim outbox")
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	lock := ""
	if db.SharedOutbox() {
		lock = ` FOR UPDATE SKIP LOCKED`
		if _, err := tx.ExecContext(tctx, fmt.Sprintf(`SET LOCAL idle_in_transaction_session_timeout = %d`,
			ClaimIdleTimeout.Milliseconds())); err != nil {
			return 0, 0, fmt.Errorf("store: claim outbox: %w", err)
		}
	}
	rows, err := tx.QueryContext(tctx, `SELECT id, kind, received_at, data FROM intake_outbox
		WHERE sent_at IS NULL ORDER BY seq LIMIT ?`+lock, limit)
	if err != nil {
		return 0, 0, fmt.Errorf("store: claim outbox: %w", err)
	}
	var got []OutboxEntry
	for rows.Next() {
		var e OutboxEntry
		var at string
		if err := rows.Scan(&e.ID, &e.Kind, &at, &e.Data); err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("store: claim outbox: %w", err)
		}
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("store: claim outbox: entry %s: received_at %q: %w", e.ID, at, err)
		}
		e.ReceivedAt = t.UTC()
		got = append(got, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("store: claim outbox: %w", err)
	}
	if len(got) == 0 {
		return 0, 0, nil
	}
	sent, pubErr := publish(ctx, got)
	claimedIDs := make(map[string]bool, len(got))
	for _, e := range got {
		claimedIDs[e.ID] = true
	}
	for _, s := range sent {
		if !claimedIDs[s.ID] {
			return len(got), 0, fmt.Errorf("store: claim outbox: %s was sent but not claimed", s.ID)
		}
	}
	// The queue has them: mark even when ctx is ending, or they are
	// published again (harmlessly, but needlessly) by the next claim.
	marked, err = markSent(tctx, tx, sent)
	if err != nil {
		return len(got), 0, errors.Join(err, pubErr)
	}
	if err := tx.Commit(); err != nil {
		return len(got), 0, errors.Join(fmt.Errorf("store: claim outbox: commit %d sent: %w", len(sent), err), pubErr)
	}
	return len(got), marked, pubErr
}
