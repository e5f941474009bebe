package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// ErrTargetNotEmpty is returned by CopyInto when the target database
// already holds rows: a copy never merges into, or overwrites, a system of
// record that is in use.
var ErrTargetNotEmpty = errors.New("store: the target database is not empty")

// TableCount is the number of rows of one table, as copied and verified.
type TableCount struct {
	Table string
	Rows  int64
}

// CopyInto copies the whole system of record of src (SQLite) into dst
// (PostgreSQL), for a province that started on one machine and moves to
// several (`portal store migrate-to`). Both must be open (and so migrated
// by this version of the portal); dst must hold no row in any table, else
// ErrTargetNotEmpty. Every table that goose's migrations made is copied —
// the list is read from the schemas, so tables that later features add
// are copied too — in the order of their foreign keys, with the same ids;
// identity sequences are then advanced past the highest id, so new rows
// do not collide. SQLite's 0/1 become PostgreSQL booleans.
//
// The source is read in one read transaction (a consistent snapshot); the
// target is written in one transaction with COPY, and before it commits
// the row count of every table is compared with the source's: any
// difference rolls everything back. It returns the verified counts.
func CopyInto(ctx context.Context, src, dst *DB) ([]TableCount, error) {
	if src.Engine() != "sqlite" || dst.Engine() != "postgres" {
		return nil, fmt.Errorf("store: copy: from sqlite to postgres only, not %s to %s", src.Engine(), dst.Engine())
	}
	rtx, err := src.sql.DB.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: copy: read source: %w", err)
	}
	defer rtx.Rollback()
	tables, err := sqliteTablesInFKOrder(ctx, rtx)
	if err != nil {
		return nil, fmt.Errorf("store: copy: source tables: %w", err)
	}

	conn, err := dst.sql.DB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: copy: target: %w", err)
	}
	defer conn.Close()
	var counts []TableCount
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		cols, err := postgresColumns(ctx, pc)
		if err != nil {
			return fmt.Errorf("target tables: %w", err)
		}
		if err := sameTables(tables, cols); err != nil {
			return err
		}
		for _, t := range tables {
			var any bool
			if err := pc.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+pgx.Identifier{t}.Sanitize()+`)`).Scan(&any); err != nil {
				return fmt.Errorf("target table %s: %w", t, err)
			}
			if any {
				return fmt.Errorf("%w: table %s has rows", ErrTargetNotEmpty, t)
			}
		}
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		for _, t := range tables {
			n, err := copyTable(ctx, rtx, tx, t, cols[t])
			if err != nil {
				return fmt.Errorf("table %s: %w", t, err)
			}
			var want, got int64
			if err := rtx.QueryRowContext(ctx, `SELECT count(*) FROM "`+t+`"`).Scan(&want); err != nil {
				return fmt.Errorf("count source %s: %w", t, err)
			}
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{t}.Sanitize()).Scan(&got); err != nil {
				return fmt.Errorf("count target %s: %w", t, err)
			}
			if want != got || n != got {
				return fmt.Errorf("table %s: %d rows in the source, %d copied, %d in the target: nothing was committed", t, want, n, got)
			}
			for _, c := range cols[t] {
				if !c.identity {
					continue
				}
				if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), m) FROM (SELECT max(`+
					pgx.Identifier{c.name}.Sanitize()+`) AS m FROM `+pgx.Identifier{t}.Sanitize()+`) s WHERE m IS NOT NULL`,
					pgx.Identifier{t}.Sanitize(), c.name); err != nil {
					return fmt.Errorf("advance the sequence of %s.%s: %w", t, c.name, err)
				}
			}
			counts = append(counts, TableCount{Table: t, Rows: got})
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("store: copy: %w", err)
	}
	return counts, nil
}

// pgColumn is one column of a target table.
type pgColumn struct {
	name, dataType string
	identity       bool
}

// postgresColumns lists the columns of every table of the current schema
// but goose's own, in column order.
func postgresColumns(ctx context.Context, pc *pgx.Conn) (map[string][]pgColumn, error) {
	rows, err := pc.Query(ctx, `SELECT table_name, column_name, data_type, is_identity = 'YES'
		FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name <> 'goose_db_version'
		ORDER BY table_name, ordinal_position`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]pgColumn{}
	for rows.Next() {
		var t string
		var c pgColumn
		if err := rows.Scan(&t, &c.name, &c.dataType, &c.identity); err != nil {
			return nil, err
		}
		out[t] = append(out[t], c)
	}
	return out, rows.Err()
}

// sqliteTablesInFKOrder lists the source's tables (not SQLite's own nor
// goose's) so that every table comes after the tables it references.
func sqliteTablesInFKOrder(ctx context.Context, tx *sql.Tx) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	deps := map[string][]string{}
	for _, n := range names {
		fk, err := tx.QueryContext(ctx, `SELECT "table" FROM pragma_foreign_key_list(?)`, n)
		if err != nil {
			return nil, err
		}
		for fk.Next() {
			var ref string
			if err := fk.Scan(&ref); err != nil {
				fk.Close()
				return nil, err
			}
			if ref != n {
				deps[n] = append(deps[n], ref)
			}
		}
		fk.Close()
	}
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(string) error
	visit = func(n string) error {
		switch state[n] {
		case 1:
			return fmt.Errorf("foreign keys form a cycle at %s", n)
		case 2:
			return nil
		}
		state[n] = 1
		for _, d := range deps[n] {
			if err := visit(d); err != nil {
				return err
			}
		}
		state[n] = 2
		order = append(order, n)
		return nil
	}
	for _, n := range names {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// sameTables checks that source and target have the same tables: both were
// migrated by this binary, so a difference means a table one engine's
// migrations forgot.
func sameTables(src []string, dst map[string][]pgColumn) error {
	var missing, extra []string
	for _, t := range src {
		if _, ok := dst[t]; !ok {
			missing = append(missing, t)
		}
	}
	for t := range dst {
		if !slices.Contains(src, t) {
			extra = append(extra, t)
		}
	}
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		return fmt.Errorf("the two schemas differ: only in SQLite %v, only in PostgreSQL %v", missing, extra)
	}
	return nil
}

// copyTable streams every row of table t from the source into the target
// with COPY and returns how many it sent.
func copyTable(ctx context.Context, rtx *sql.Tx, tx pgx.Tx, t string, cols []pgColumn) (int64, error) {
	names := make([]string, len(cols))
	quoted := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
		quoted[i] = `"` + c.name + `"`
	}
	rows, err := rtx.QueryContext(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM "`+t+`"`)
	if err != nil {
		return 0, fmt.Errorf("read (do both engines' migrations have the same columns?): %w", err)
	}
	defer rows.Close()
	src := &rowSource{rows: rows, cols: cols}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{t}, names, src)
	if err != nil {
		return n, err
	}
	return n, src.err
}

// rowSource feeds sql.Rows to pgx's COPY, converting SQLite's values to
// the target column's type.
type rowSource struct {
	rows *sql.Rows
	cols []pgColumn
	vals []any
	err  error
}

func (s *rowSource) Next() bool {
	if !s.rows.Next() {
		s.err = s.rows.Err()
		return false
	}
	raw := make([]any, len(s.cols))
	ptrs := make([]any, len(s.cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	if err := s.rows.Scan(ptrs...); err != nil {
		s.err = err
		return false
	}
	for i, c := range s.cols {
		v, err := convertForPostgres(raw[i], c.dataType)
		if err != nil {
			s.err = fmt.Errorf("column %s: %w", c.name, err)
			return false
		}
		raw[i] = v
	}
	s.vals = raw
	return true
}

func (s *rowSource) Values() ([]any, error) { return s.vals, nil }
func (s *rowSource) Err() error             { return s.err }

// convertForPostgres turns a value SQLite returned into one for a
// PostgreSQL column of dataType (information_schema spelling).
func convertForPostgres(v any, dataType string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch dataType {
	case "boolean":
		switch b := v.(type) {
		case int64:
			return b != 0, nil
		case bool:
			return b, nil
		}
	case "bytea":
		switch b := v.(type) {
		case []byte:
			return b, nil
		case string:
			return []byte(b), nil
		}
	case "text", "character varying":
		switch b := v.(type) {
		case string:
			return b, nil
		case []byte:
			return string(b), nil
		}
	case "bigint", "integer", "smallint":
		if b, ok := v.(int64); ok {
			return b, nil
		}
	default:
		return v, nil
	}
	return nil, fmt.Errorf("value of type %T for a %s column", v, dataType)
}
