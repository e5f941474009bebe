package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"syscall"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// OpenSQLite opens (creating if needed) the SQLite database at path and
// applies the pending migrations. synchronous=FULL makes every commit fsync
// the WAL before it returns, which is what the outbox promise ("synced
// before the receipt") rests on; busy_timeout lets concurrent writers
// (serve and a CLI command) wait instead of failing with SQLITE_BUSY;
// _txlock=immediate takes the write lock at BEGIN, so a transaction that
// reads then writes cannot fail half-way on a lock upgrade.
//
// The file holds submissions until they are forwarded, so it is created
// owner-only (0600) before SQLite opens it (SQLite gives its -wal and -shm
// files the database file's mode), and a file left with a wider mode by an
// older version is narrowed. secure_delete=ON makes SQLite overwrite deleted
// rows and freed pages with zeros, so a forwarded submission does not stay
// readable in free pages; CheckpointOutbox then empties the write-ahead log.
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	if err := ownerOnly(path); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
		"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_pragma=secure_delete(ON)&_txlock=immediate"
	raw, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := raw.PingContext(ctx); err != nil {
		raw.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return open(ctx, raw, &sqliteEngine{})
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

// sqliteEngine: one process owns the file (serve takes the data dir's
// lock file), so change notifications and cluster locks stay in process.
type sqliteEngine struct {
	locks localLocks
}

func (*sqliteEngine) name() string                                 { return "sqlite" }
func (*sqliteEngine) rebind(q string) string                       { return q }
func (*sqliteEngine) dialect() goose.Dialect                       { return goose.DialectSQLite3 }
func (*sqliteEngine) migrations() fs.FS                            { return subFS("migrations/sqlite") }
func (*sqliteEngine) migrationLocker() (lock.SessionLocker, error) { return nil, nil }
func (*sqliteEngine) notify(context.Context, execer, string) error { return nil }
func (*sqliteEngine) localFanout() bool                            { return true }
func (*sqliteEngine) listen(context.Context, *hub, *slog.Logger)   {}
func (e *sqliteEngine) tryLock(_ context.Context, _ *sql.DB, name string) (func(), bool, error) {
	unlock, ok := e.locks.tryLock(name)
	return unlock, ok, nil
}

// isUniqueViolation: SQLite's extended result codes for a broken UNIQUE or
// PRIMARY KEY constraint.
func (*sqliteEngine) isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// checkpoint copies the write-ahead log into the database file and
// truncates the log (PRAGMA wal_checkpoint(TRUNCATE)), so that the older
// page images in the log, which may still hold deleted submissions, are
// gone from the disk too. Readers can keep it from finishing; that is
// reported as false, not as an error.
func (*sqliteEngine) checkpoint(ctx context.Context, db *sql.DB) (bool, error) {
	var busy, logFrames, checkpointed int
	if err := db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &checkpointed); err != nil {
		return false, fmt.Errorf("store: checkpoint: %w", err)
	}
	return busy == 0, nil
}

// IsDiskFull reports whether err, from any method of a DB on either engine,
// says that the disk or the database's storage is full (SQLITE_FULL,
// ENOSPC, PostgreSQL's class 53 "insufficient resources" disk_full), so
// that callers can answer 503 with Retry-After rather than 500.
func IsDiskFull(err error) bool {
	if err == nil {
		return false
	}
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL {
		return true
	}
	return errors.Is(err, syscall.ENOSPC) || isPostgresDiskFull(err)
}
