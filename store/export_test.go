package store

import (
	"context"
	"fmt"
	"strings"
)

// ExplainListCases returns SQLite's query plan (EXPLAIN QUERY PLAN detail
// lines) of both statements of ListCases for f, for the index tests.
func (db *DB) ExplainListCases(ctx context.Context, f CaseFilter) ([]string, error) {
	pageQ, pageArgs, countQ, countArgs := f.queries()
	var out []string
	for _, q := range []struct {
		sql  string
		args []any
	}{{pageQ, pageArgs}, {countQ, countArgs}} {
		rows, err := db.sql.QueryContext(ctx, `EXPLAIN QUERY PLAN `+q.sql, q.args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, fmt.Sprintf("%d<%d %s", id, parent, strings.TrimSpace(detail)))
		}
		rows.Close()
	}
	return out, nil
}
