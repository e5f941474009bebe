package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// OutboxBacklog is what the operator's metrics show of the outbox: how
// many submissions no desk has taken yet (whether or not their agency queue
// has them: a row leaves the outbox with its case's commit), and for how
// long the oldest has waited.
type OutboxBacklog struct {
	// Depth is the number of rows in the outbox.
	Depth int
	// Oldest is when the oldest waiting row was received (UTC); zero when
	// the outbox is empty.
	Oldest time.Time
}

// OutboxBacklog counts the outbox and finds its oldest row (by insertion
// order, which is receipt order).
func (db *DB) OutboxBacklog(ctx context.Context) (OutboxBacklog, error) {
	var st OutboxBacklog
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM intake_outbox`).Scan(&st.Depth); err != nil {
		return st, fmt.Errorf("store: outbox backlog: %w", err)
	}
	if st.Depth == 0 {
		return st, nil
	}
	var at string
	err := db.sql.QueryRowContext(ctx, `SELECT received_at FROM intake_outbox ORDER BY seq LIMIT 1`).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil // forwarded meanwhile
	}
	if err != nil {
		return st, fmt.Errorf("store: outbox backlog: %w", err)
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return st, fmt.Errorf("store: outbox backlog: received_at %q: %w", at, err)
	}
	st.Oldest = t.UTC()
	return st, nil
}
