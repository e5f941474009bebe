package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/crc64"
	"io/fs"
	"net/url"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver for database/sql
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// PostgreSQL error codes (Appendix A of the PostgreSQL manual).
const (
	pgUniqueViolation = "23505"
	pgDiskFull        = "53100"
)

// OpenPostgres connects to the PostgreSQL database at dsn (a URL,
// "postgres://user@host:5432/db?sslmode=…", or key=value settings, as pgx
// reads them) and applies the pending migrations, holding PostgreSQL's
// advisory lock while it does so that instances starting together migrate
// once. Every instance of the portal may open the same database.
func OpenPostgres(ctx context.Context, dsn string) (*DB, error) {
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open PostgreSQL %s: %w", redactDSN(dsn), err)
	}
	// A handful of connections serves the portal's load (writes are
	// group-committed by intake); more only queue inside PostgreSQL.
	raw.SetMaxOpenConns(16)
	raw.SetMaxIdleConns(8)
	if err := raw.PingContext(ctx); err != nil {
		raw.Close()
		return nil, fmt.Errorf("store: open PostgreSQL %s: %w", redactDSN(dsn), err)
	}
	// Instances migrate one at a time per schema: the advisory lock's id
	// is derived from the schema, so databases (or test schemas) that
	// share a server do not wait for each other.
	var schema string
	if err := raw.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		raw.Close()
		return nil, fmt.Errorf("store: open PostgreSQL %s: %w", redactDSN(dsn), err)
	}
	return open(ctx, raw, &postgresEngine{schema: schema})
}

// redactDSN drops the password from a URL-form dsn, for error messages.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return "(connection settings)"
	}
	return u.Redacted()
}

type postgresEngine struct {
	dollarPlaceholders
	schema string // current_schema() of the connection, for the migration lock
}

func (*postgresEngine) name() string           { return "postgres" }
func (*postgresEngine) dialect() goose.Dialect { return goose.DialectPostgres }
func (*postgresEngine) migrations() fs.FS      { return subFS("migrations/postgres") }

// migrationLocker takes a session-level advisory lock whose id is the
// CRC-64 of "portal migrations " and the schema, polled every second.
func (e *postgresEngine) migrationLocker() (lock.SessionLocker, error) {
	id := int64(crc64.Checksum([]byte("portal migrations "+e.schema), crc64.MakeTable(crc64.ECMA)))
	return lock.NewPostgresSessionLocker(lock.WithLockID(id), lock.WithLockTimeout(1, 300), lock.WithUnlockTimeout(1, 60))
}

func (*postgresEngine) isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == pgUniqueViolation
}

// checkpoint: PostgreSQL reuses the space of deleted rows through VACUUM;
// there is no log to empty from here.
func (*postgresEngine) checkpoint(context.Context, *sql.DB) (bool, error) { return true, nil }

func isPostgresDiskFull(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == pgDiskFull
}
