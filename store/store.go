// Package store is the portal's system of record: one SQLite database in WAL
// mode (modernc.org/sqlite, no cgo) holding the intake outbox, staff accounts,
// sessions, campaigns and the audit log.
//
// The schema lives in migrations/NNN_name.sql, embedded and applied in file
// name order at Open; the table schema_migrations records which have run. Each
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
	"os"
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
//
// The file holds submissions until they are forwarded, so it is created
// owner-only (0600) before SQLite opens it (SQLite gives its -wal and -shm
// files the database file's mode), and a file left with a wider mode by an
// older version is narrowed. secure_delete=ON makes SQLite overwrite deleted
// rows and freed pages with zeros, so a forwarded submission does not stay
// readable in free pages; CheckpointOutbox then empties the write-ahead log.
func Open(ctx context.Context, path string) (*DB, error) {
	if err := ownerOnly(path); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
		"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_pragma=secure_delete(ON)&_txlock=immediate"
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

// ownerOnly creates path with mode 0600 if it does not exist and sets the
// mode of path and of its -wal and -shm files (when present) to 0600.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// SQL returns the underlying handle, for packages that keep their own tables
// in the same file.
func (db *DB) SQL() *sql.DB { return db.sql }

// Ping reports whether the database answers; used by /readyz.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// countedMigrations are the migrations added after the runner started to
// record applied migrations by name (schema_migrations). Before that it
// counted them in PRAGMA user_version, in file-name order; a database from
// then is carried over by taking the first user_version files of the list
// without these (see migrate). Add a name here only if it is added before
// files that databases may already have applied (a 010_* after 020_*).
var countedMigrations = map[string]bool{
	"migrations/010_intake_submission_nonce.sql": true,
}

// migrate applies, in file-name order, every embedded migration not yet
// recorded in schema_migrations, each in its own transaction with its
// record; PRAGMA user_version is kept equal to the number applied. Recording
// names (not a count) lets a feature add a migration in its own number
// range (intake 010_*, press 020_*) after later ranges exist.
func (db *DB) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("store: list migrations: %w", err)
	}
	sort.Strings(names)
	applied, err := db.appliedMigrations(ctx, names)
	if err != nil {
		return err
	}
	for _, name := range names {
		if applied[name] {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return fmt.Errorf("store: read %s: %w", name, err)
		}
		tx, err := db.sql.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: migrate %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migrate %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name) VALUES (?)`, name); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migrate %s: %w", name, err)
		}
		applied[name] = true
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(applied))); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migrate %s: %w", name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: migrate %s: %w", name, err)
		}
	}
	return nil
}

// appliedMigrations returns the names recorded in schema_migrations,
// creating the table first. A database whose migrations were counted in
// user_version (and not yet recorded by name) gets the first user_version
// names of the migrations that existed then recorded, in one transaction.
func (db *DB) appliedMigrations(ctx context.Context, names []string) (map[string]bool, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: read applied migrations: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY) WITHOUT ROWID`); err != nil {
		return nil, fmt.Errorf("store: create schema_migrations: %w", err)
	}
	applied := map[string]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT name FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("store: read applied migrations: %w", err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: read applied migrations: %w", err)
		}
		applied[n] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read applied migrations: %w", err)
	}
	if len(applied) == 0 {
		var version int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
			return nil, fmt.Errorf("store: read schema version: %w", err)
		}
		for _, n := range names {
			if version == 0 {
				break
			}
			if countedMigrations[n] {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name) VALUES (?)`, n); err != nil {
				return nil, fmt.Errorf("store: record migration %s: %w", n, err)
			}
			applied[n] = true
			version--
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: record migrations: %w", err)
	}
	return applied, nil
}
