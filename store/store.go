// Package store is the portal's system of record: one SQLite database in WAL
// mode (modernc.org/sqlite, no cgo) holding the intake outbox, staff accounts,
// sessions, campaigns and the audit log.
//
// The schema lives in migrations/NNN_name.sql, embedded and applied in file
// name order at Open; PRAGMA user_version records how many have run. Each
// feature adds its own numbered file and its own store_*.go file of methods.
// Methods take ctx first, run one transaction per call and wrap errors with
// what was being done; a missing row is ErrNotFound, never nil, nil.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// ErrNotFound is returned when the requested row does not exist.
var ErrNotFound = errors.New("store: not found")

// DB is the open system-of-record database. It is safe for concurrent use.
type DB struct {
	sql *sql.DB
}

// Open opens (creating if needed) the SQLite database at path and applies the
// pending migrations. synchronous=FULL makes every commit fsync the WAL before
// it returns, which is what the outbox promise ("synced before the receipt")
// rests on; busy_timeout lets concurrent writers (serve and a CLI command)
// wait instead of failing with SQLITE_BUSY.
func Open(ctx context.Context, path string) (*DB, error) {
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
		"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_txlock=immediate"
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db := &DB{sql: sqldb}
	if err := db.migrate(ctx); err != nil {
		sqldb.Close()
		return nil, err
	}
	return db, nil
}

// SQL returns the underlying handle, for packages that keep their own tables
// in the same file.
func (db *DB) SQL() *sql.DB { return db.sql }

// Ping reports whether the database answers; used by /readyz.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

func (db *DB) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("store: list migrations: %w", err)
	}
	sort.Strings(names)
	var version int
	if err := db.sql.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("store: read schema version: %w", err)
	}
	for i := version; i < len(names); i++ {
		body, err := migrations.ReadFile(names[i])
		if err != nil {
			return fmt.Errorf("store: read %s: %w", names[i], err)
		}
		tx, err := db.sql.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: migrate %s: %w", names[i], err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migrate %s: %w", names[i], err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migrate %s: %w", names[i], err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: migrate %s: %w", names[i], err)
		}
	}
	return nil
}
