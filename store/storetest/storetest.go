// Package storetest opens a fresh system of record for a test, on each
// engine that the test machine offers, so that one contract test runs on
// SQLite and on PostgreSQL alike.
//
// SQLite is always available (a file in the test's temporary directory).
// PostgreSQL is taken from TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable): each call
// creates a schema of its own there (portal_test_<random>) and drops it
// when the test ends, so tests never touch what they did not create. When
// that server does not answer, PostgreSQL tests are skipped with a message
// — unless PORTAL_REQUIRE_POSTGRES=1 (set by .ci/run), where they fail.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for schema set-up

	"github.com/thaibinh-pcmt/portal/store"
)

// DefaultPostgresURL is used when TEST_DATABASE_URL is unset: the local
// server with trust authentication, as on the development machines.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Engines are the engine names ForEach runs on, in order.
var Engines = []string{"sqlite", "postgres"}

// ForEach runs f as a subtest on a fresh store of every engine
// ("sqlite", "postgres").
func ForEach(t *testing.T, f func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, eng := range Engines {
		t.Run(eng, func(t *testing.T) { f(t, Open(t, eng)) })
	}
}

// Open returns a fresh, migrated store on engine ("sqlite" or "postgres"),
// closed (and, for PostgreSQL, its schema dropped) when t ends.
func Open(t testing.TB, engine string) *store.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var (
		db  *store.DB
		err error
	)
	switch engine {
	case "sqlite":
		db, err = store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "portal.db"))
	case "postgres":
		db, err = store.OpenPostgres(ctx, PostgresURL(t))
	default:
		t.Fatalf("storetest: unknown engine %q", engine)
	}
	if err != nil {
		t.Fatalf("storetest: open %s: %v", engine, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// PostgresURL creates an empty schema on the test server and returns a URL
// whose connections use it (search_path), for tests that hand DATABASE_URL
// to a portal binary. The schema is dropped when t ends, after the
// cleanups registered later (which close the test's connections) ran.
// Without a server it skips t, or fails it under PORTAL_REQUIRE_POSTGRES=1.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		base = DefaultPostgresURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", base)
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		if admin != nil {
			admin.Close()
		}
		if os.Getenv("PORTAL_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("storetest: PostgreSQL at TEST_DATABASE_URL does not answer: %v", err)
		}
		t.Skipf("storetest: PostgreSQL at TEST_DATABASE_URL does not answer (%v); start it or set PORTAL_REQUIRE_POSTGRES=1 to fail", err)
	}
	raw := make([]byte, 8)
	rand.Read(raw)
	schema := "portal_test_" + hex.EncodeToString(raw)
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatalf("storetest: create schema: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(t, base, schema)
}

func withSearchPath(t testing.TB, base, schema string) string {
	if strings.Contains(base, "://") {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatalf("storetest: TEST_DATABASE_URL: %v", err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return base + " search_path=" + schema
}
