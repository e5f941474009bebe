package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// TestMigrateCarriesOverCountedDatabase: a database migrated by the old
// runner (user_version = 3 after 000, 010_intake_outbox and 020, no
// schema_migrations) gets only the new 010_intake_submission_nonce applied
// at the next Open, and nothing is applied twice.
func TestMigrateCarriesOverCountedDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "portal.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	// Make it look like a database of the counting runner.
	for _, q := range []string{`DROP TABLE schema_migrations`, `DROP TABLE intake_nonce`, `PRAGMA user_version = 3`} {
		if _, err := db.SQL().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.InsertSubmissions(ctx, []Submission{testSubmission(1, time.Now())}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var names, version int
	db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&names)
	db.SQL().QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version)
	if names != 4 || version != 4 {
		t.Errorf("%d migrations recorded, user_version %d; want 4, 4", names, version)
	}
	if n, _ := db.CountPendingSubmissions(ctx); n != 1 {
		t.Errorf("outbox holds %d after migrating, want 1", n)
	}
	// The nonce table works: a nonce is used once.
	a, b := testSubmission(2, time.Now()), testSubmission(3, time.Now())
	a.NonceHash, b.NonceHash = "abc", "abc"
	if err := db.InsertSubmissions(ctx, []Submission{a}); err != nil {
		t.Fatal(err)
	}
	if err := db.InsertSubmissions(ctx, []Submission{b}); !errors.Is(err, ErrDuplicateNonce) {
		t.Fatalf("second submission with the same nonce: %v", err)
	}
	if n, _ := db.CountPendingSubmissions(ctx); n != 2 {
		t.Errorf("outbox holds %d, want 2", n)
	}
}
