package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/crc64"
	"io/fs"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
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
	return open(ctx, raw, &postgresEngine{schema: schema, dsn: dsn})
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
	schema string // current_schema() of the connection: part of lock keys and the channel name
	dsn    string // for the listener's own connection
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

// channel is the NOTIFY channel of this schema, so that instances (and
// tests) on other schemas of the same server do not hear each other. A
// channel name is at most 63 bytes (NAMEDATALEN - 1).
func (e *postgresEngine) channel() string {
	c := "portal_changes:" + e.schema
	if len(c) > 63 {
		c = "portal_changes:" + strconv.FormatUint(crc64.Checksum([]byte(e.schema), crc64.MakeTable(crc64.ECMA)), 16)
	}
	return c
}

func (*postgresEngine) localFanout() bool { return false }

func (e *postgresEngine) notify(ctx context.Context, x execer, topic string) error {
	_, err := x.ExecContext(ctx, `SELECT pg_notify(?, ?)`, e.channel(), topic)
	return err
}

// Reconnect back-off of the change listener.
const (
	listenMinBackoff = 500 * time.Millisecond
	listenMaxBackoff = 30 * time.Second
)

// listen keeps one connection of its own (pgx, outside the pool) in
// LISTEN on the schema's channel and hands every notification to h. When
// the connection fails it reconnects with back-off; after every
// successful LISTEN (the first included) each subscriber gets a Resync,
// since notifications sent meanwhile are lost. The loss and the recovery
// are logged once each.
func (e *postgresEngine) listen(ctx context.Context, h *hub, log *slog.Logger) {
	ready := make(chan struct{})
	go func() {
		wait, down, first := listenMinBackoff, false, true
		for ctx.Err() == nil {
			err := e.listenConn(ctx, h, func() {
				if first {
					close(ready)
					first = false
				}
				if down {
					log.Info("store: change notifications received again")
					down = false
				}
				wait = listenMinBackoff
			})
			if ctx.Err() != nil {
				return
			}
			if !down {
				log.Warn("store: change notifications interrupted; reconnecting (search and page caches re-read everything once back)", "err", err)
				down = true
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			wait = min(wait*2, listenMaxBackoff)
		}
	}()
	// The first Subscribe waits (briefly) for the LISTEN, so a change made
	// right after it returns is heard; the Resync covers anything before.
	select {
	case <-ready:
	case <-time.After(5 * time.Second):
	case <-ctx.Done():
	}
}

func (e *postgresEngine) listenConn(ctx context.Context, h *hub, listening func()) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.Connect(cctx, e.dsn)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{e.channel()}.Sanitize()); err != nil {
		return err
	}
	listening()
	h.publish(Change{Resync: true})
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		h.publish(Change{Topic: n.Payload})
	}
}

// tryLock takes pg_try_advisory_lock on a connection of the pool, kept out
// of the pool until unlock. If the unlock cannot be confirmed the
// connection is discarded (driver.ErrBadConn), which ends its session and
// so releases the lock: a lock must never stay behind on a pooled
// connection.
func (e *postgresEngine) tryLock(ctx context.Context, db *sql.DB, name string) (func(), bool, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, false, err
	}
	key := advisoryKey(e.schema, name)
	var ok bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil || !ok {
		conn.Close()
		return nil, false, err
	}
	return func() {
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var released bool
		if err := conn.QueryRowContext(uctx, `SELECT pg_advisory_unlock($1)`, key).Scan(&released); err != nil || !released {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}, true, nil
}
