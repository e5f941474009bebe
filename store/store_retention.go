package store

import (
	"context"
	"fmt"
	"time"
)

// vietnamTime is the zone of the monthly counts' months.
var vietnamTime = time.FixedZone("ICT", 7*3600)

// countMonthly adds one case to its month's count (case_stats_monthly).
func countMonthly(ctx context.Context, tx *sqlTx, c NewCase) error {
	month := c.ReceivedAt.In(vietnamTime).Format("2006-01")
	if _, err := tx.ExecContext(ctx, `INSERT INTO case_stats_monthly (month, kind, category, area, n) VALUES (?, ?, ?, ?, 1)
		ON CONFLICT (month, kind, category, area) DO UPDATE SET n = case_stats_monthly.n + 1`,
		month, c.Kind, c.Category, c.Area); err != nil {
		return fmt.Errorf("monthly count: %w", err)
	}
	return nil
}

// MonthlyCount is the number of cases received in one month (Vietnam
// time) of one kind, category and area, deleted ones included.
type MonthlyCount struct {
	Month, Kind, Category, Area string
	N                           int64
}

// MonthlyCounts returns every monthly count, by month, kind, category and
// area.
func (db *DB) MonthlyCounts(ctx context.Context) ([]MonthlyCount, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT month, kind, category, area, n FROM case_stats_monthly ORDER BY month, kind, category, area`)
	if err != nil {
		return nil, fmt.Errorf("store: monthly counts: %w", err)
	}
	defer rows.Close()
	var out []MonthlyCount
	for rows.Next() {
		var m MonthlyCount
		if err := rows.Scan(&m.Month, &m.Kind, &m.Category, &m.Area, &m.N); err != nil {
			return nil, fmt.Errorf("store: monthly counts: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// PurgeClosedCases deletes, rows and all (the case, its content, its
// history with every message and note), up to limit cases of kind in
// status final whose last change is at or before closedBefore, and
// returns how many. Their monthly counts stay (case_stats_monthly); the
// per-status counts are decreased in the same transaction.
func (db *DB) PurgeClosedCases(ctx context.Context, kind, final string, closedBefore time.Time, limit int) (int, error) {
	tx, err := db.begin(ctx, "purge closed cases")
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id, desk FROM cases WHERE kind = ? AND status = ? AND updated_at <= ? ORDER BY id LIMIT ?`,
		kind, final, closedBefore.Unix(), limit)
	if err != nil {
		return 0, fmt.Errorf("store: purge closed cases: %w", err)
	}
	type victim struct {
		id   int64
		desk string
	}
	var vs []victim
	for rows.Next() {
		var v victim
		if err := rows.Scan(&v.id, &v.desk); err != nil {
			rows.Close()
			return 0, fmt.Errorf("store: purge closed cases: %w", err)
		}
		vs = append(vs, v)
	}
	rows.Close()
	for _, v := range vs {
		// Children first: the engines need no cascade for this to hold.
		for _, q := range []string{`DELETE FROM case_events WHERE case_id = ?`, `DELETE FROM case_contents WHERE case_id = ?`, `DELETE FROM cases WHERE id = ?`} {
			if _, err := tx.ExecContext(ctx, q, v.id); err != nil {
				return 0, fmt.Errorf("store: purge case %d: %w", v.id, err)
			}
		}
		if err := countCase(ctx, tx, v.desk, final, -1); err != nil {
			return 0, fmt.Errorf("store: purge case %d: %w", v.id, err)
		}
	}
	return len(vs), tx.Commit()
}

// OpenCasesOlderThan counts, per desk, the cases not in status final
// received before before: open past the retention's longer limit.
func (db *DB) OpenCasesOlderThan(ctx context.Context, final string, before time.Time) (map[string]int, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT desk, COUNT(*) FROM cases WHERE status <> ? AND received_at < ? GROUP BY desk`, final, before.Unix())
	if err != nil {
		return nil, fmt.Errorf("store: open cases: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var d string
		var n int
		if err := rows.Scan(&d, &n); err != nil {
			return nil, fmt.Errorf("store: open cases: %w", err)
		}
		out[d] = n
	}
	return out, rows.Err()
}

// Reclaim makes deleted content unrecoverable from the files: on SQLite
// (which zeroes deleted rows in its pages: secure_delete is on) the WAL,
// which may still hold the pages as they were, is checkpointed and
// truncated; on PostgreSQL the tables of cases are vacuumed so that dead
// rows are not left in their pages.
func (db *DB) Reclaim(ctx context.Context) error {
	q := `PRAGMA wal_checkpoint(TRUNCATE)`
	if db.Engine() == "postgres" {
		q = `VACUUM cases, case_contents, case_events`
	}
	if _, err := db.sql.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("store: reclaim: %w", err)
	}
	return nil
}
