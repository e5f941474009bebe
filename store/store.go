// Package store is the portal's system of record: the intake outbox, staff
// accounts, sessions, campaigns and the audit log, and what later features
// add beside them.
//
// It runs on two engines, chosen when it is opened:
//
//   - SQLite (modernc.org/sqlite, no cgo) in WAL mode in the data dir: the
//     embedded default for one machine (OpenSQLite);
//   - PostgreSQL through github.com/jackc/pgx/v5, shared by every instance
//     of the portal (OpenPostgres, DATABASE_URL).
//
// Both run the same SQL through database/sql: queries are written once with
// "?" placeholders (rebound to "$n" for PostgreSQL) in the portable subset
// of the two dialects (ON CONFLICT, RETURNING, no LastInsertId). What
// differs — opening, placeholders, error codes, durability and locking —
// is the unexported engine interface, with one implementation per engine
// (sqlite.go, postgres.go). One contract suite (the package's tests, via
// package storetest) runs against every engine that is reachable.
//
// The schema is versioned with pressly/goose: migrations/sqlite/ and
// migrations/postgres/ hold NNNNN_name.sql files with the same version
// number in both. Each feature adds its own numbered files and its own
// store_*.go file of methods. Methods take ctx first, run one transaction
// per call and wrap errors with what was being done; a missing row is
// ErrNotFound, never nil, nil.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// ErrNotFound is returned when the requested row does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a write would break a uniqueness rule, e.g. a
// staff username that is already taken, or an edit of a stale version.
var ErrConflict = errors.New("store: conflict")

// DB is the open system of record on one engine. It is safe for concurrent
// use.
type DB struct {
	sql *sqlDB
	eng engine
	log *slog.Logger

	// hub fans change notifications out to this process's subscribers;
	// listenOnce starts the engine's listener (PostgreSQL) on the first
	// Subscribe; bg ends it when the DB is closed.
	hub        hub
	listenOnce sync.Once
	bg         context.Context
	stop       context.CancelFunc
}

// open wraps an opened, pinged handle for eng and applies the pending
// migrations; on error the handle is closed.
func open(ctx context.Context, raw *sql.DB, eng engine) (*DB, error) {
	db := &DB{sql: &sqlDB{DB: raw, bind: eng.rebind}, eng: eng}
	db.bg, db.stop = context.WithCancel(context.Background())
	if err := migrate(ctx, raw, eng); err != nil {
		db.stop()
		raw.Close()
		return nil, err
	}
	return db, nil
}

// Engine names the engine the store runs on: "sqlite" or "postgres".
func (db *DB) Engine() string { return db.eng.name() }

// SQL returns the underlying handle. Queries through it are not rebound:
// write them in the engine's own dialect. Meant for tests and for
// engine-specific maintenance.
func (db *DB) SQL() *sql.DB { return db.sql.DB }

// Ping reports whether the database answers; used by /readyz.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// Close stops the change listener, closes every subscription and closes
// the database.
func (db *DB) Close() error {
	db.stop()
	return db.sql.Close()
}

// begin starts a transaction; every write method runs in one.
func (db *DB) begin(ctx context.Context, what string) (*sqlTx, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: %s: begin: %w", what, err)
	}
	return tx, nil
}
