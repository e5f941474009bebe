package store

import (
	"context"
	"database/sql"
	"embed"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"sync"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// engine is what differs between SQLite and PostgreSQL. Everything else in
// the package is shared SQL.
type engine interface {
	// name is "sqlite" or "postgres".
	name() string
	// rebind turns a query written with "?" (or "?N") placeholders into
	// the engine's own form.
	rebind(query string) string
	// isUniqueViolation reports whether err is the engine's error for a
	// broken UNIQUE or PRIMARY KEY constraint.
	isUniqueViolation(err error) bool
	// dialect and migrations are goose's dialect and this engine's
	// migration files (the root of fsys holds the NNNNN_*.sql files).
	dialect() goose.Dialect
	migrations() fs.FS
	// migrationLocker keeps two instances from migrating at once; nil
	// where one process owns the database (SQLite).
	migrationLocker() (lock.SessionLocker, error)
	// checkpoint makes deleted rows leave the disk where the engine keeps
	// old page images (SQLite's write-ahead log); it reports whether that
	// completed. Engines without such a log report true.
	checkpoint(ctx context.Context, db *sql.DB) (bool, error)
	// notify sends a change notification of topic through x (the DB, or
	// a transaction, where it is sent on commit); nothing on engines
	// whose notifications stay in the process (localFanout).
	notify(ctx context.Context, x execer, topic string) error
	// localFanout is true when the DB itself must hand notifications to
	// this process's subscribers (SQLite); false when the engine's
	// listener brings them back (PostgreSQL's LISTEN).
	localFanout() bool
	// listen starts, in the background until ctx ends, whatever brings
	// other instances' notifications into h.
	listen(ctx context.Context, h *hub, log *slog.Logger)
	// tryLock takes the cluster lock name without waiting; unlock
	// releases it.
	tryLock(ctx context.Context, db *sql.DB, name string) (unlock func(), ok bool, err error)
}

func subFS(dir string) fs.FS {
	sub, err := fs.Sub(migrationFiles, dir)
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// sqlDB and sqlTx run queries written with "?" placeholders on either
// engine: they rebind every query before handing it to database/sql.
type sqlDB struct {
	*sql.DB
	bind func(string) string
}

func (d *sqlDB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return d.DB.ExecContext(ctx, d.bind(q), args...)
}

func (d *sqlDB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return d.DB.QueryContext(ctx, d.bind(q), args...)
}

func (d *sqlDB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return d.DB.QueryRowContext(ctx, d.bind(q), args...)
}

func (d *sqlDB) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sqlTx, error) {
	tx, err := d.DB.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &sqlTx{Tx: tx, bind: d.bind}, nil
}

type sqlTx struct {
	*sql.Tx
	bind func(string) string
}

func (t *sqlTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, t.bind(q), args...)
}

func (t *sqlTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, t.bind(q), args...)
}

func (t *sqlTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, t.bind(q), args...)
}

func (t *sqlTx) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return t.Tx.PrepareContext(ctx, t.bind(q))
}

// execer is what both a DB and a transaction offer, for helpers that run
// inside either.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// dollarPlaceholders rewrites "?" to "$1", "$2"… in order and "?N" to
// "$N", outside quoted strings and identifiers, as PostgreSQL wants them.
// Queries are constants of this package, so results are cached.
type dollarPlaceholders struct{ cache sync.Map }

func (p *dollarPlaceholders) rebind(q string) string {
	if v, ok := p.cache.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
			b.WriteByte(c)
		case c == '\'' || c == '"':
			quote = c
			b.WriteByte(c)
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			b.WriteByte('$')
			if j > i+1 {
				b.WriteString(q[i+1 : j])
				i = j - 1
			} else {
				n++
				b.WriteString(strconv.Itoa(n))
			}
		default:
			b.WriteByte(c)
		}
	}
	out := b.String()
	p.cache.Store(q, out)
	return out
}
