package store_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/thaibinh-pcmt/portal/store"
)

// TestMigrateCarriesOverOldRunner: a database made by the migration runner
// that came before goose (its own schema_migrations table, or only a count
// in PRAGMA user_version, and no intake_nonce table yet) opens with its
// rows intact, gets the missing table, and is then recorded by goose.
func TestMigrateCarriesOverOldRunner(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "portal.db")
	// The schema exactly as the old runner left it after three migrations.
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
		`CREATE TABLE intake_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
		   kind TEXT NOT NULL, received_at TEXT NOT NULL, data BLOB NOT NULL)`,
		`CREATE TABLE intake_status (receipt_hash TEXT PRIMARY KEY, submission_id TEXT NOT NULL UNIQUE,
		   kind TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('received', 'forwarded')), received_on TEXT NOT NULL)`,
		`CREATE TABLE staff (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
		   password_hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)`,
		`CREATE TABLE staff_sessions (token_hash BLOB PRIMARY KEY, staff_id INTEGER NOT NULL, created_at INTEGER NOT NULL,
		   last_seen_at INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID`,
		`CREATE TABLE campaigns (id INTEGER PRIMARY KEY, slug TEXT NOT NULL UNIQUE, kind TEXT NOT NULL DEFAULT 'campaign',
		   title TEXT NOT NULL, summary TEXT NOT NULL DEFAULT '', body_md TEXT NOT NULL DEFAULT '', cover TEXT NOT NULL DEFAULT '',
		   status TEXT NOT NULL, published_at INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
		   created_by TEXT NOT NULL, updated_by TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1, indexed_version INTEGER)`,
		`CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL DEFAULT '')`,
		`CREATE TABLE schema_migrations (name TEXT PRIMARY KEY) WITHOUT ROWID`,
		`INSERT INTO schema_migrations VALUES ('migrations/000_init.sql'), ('migrations/010_intake_outbox.sql'), ('migrations/020_press.sql')`,
		`PRAGMA user_version = 3`,
		`INSERT INTO intake_outbox (id, kind, received_at, data) VALUES ('old-1', 'tip', '2026-11-01T01:02:00Z', '{"n":1}')`,
		`INSERT INTO staff (username, role, password_hash, created_at, updated_at) VALUES ('lan', 'press', 'h', 1, 1)`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()

	db, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, _ := db.CountPendingSubmissions(ctx); n != 1 {
		t.Errorf("outbox holds %d after migrating, want 1", n)
	}
	if s, err := db.StaffByUsername(ctx, "lan"); err != nil || s.Role != "press" {
		t.Errorf("staff after migrating: %+v, %v", s, err)
	}
	var applied int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM goose_db_version WHERE version_id > 0 AND is_applied`).Scan(&applied); err != nil || applied < 4 {
		t.Errorf("goose recorded %d migrations (%v), want at least 4", applied, err)
	}
	var old int
	db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'`).Scan(&old)
	if old != 0 {
		t.Error("the old runner's schema_migrations table is still there")
	}
	// The nonce table was added: a nonce is used once.
	a, b := testSubmission(2, time.Now()), testSubmission(3, time.Now())
	a.NonceHash, b.NonceHash = "abc", "abc"
	if err := db.InsertSubmissions(ctx, []store.Submission{a}); err != nil {
		t.Fatal(err)
	}
	if err := db.InsertSubmissions(ctx, []store.Submission{b}); !errors.Is(err, store.ErrDuplicateNonce) {
		t.Fatalf("second submission with the same nonce: %v", err)
	}
}
