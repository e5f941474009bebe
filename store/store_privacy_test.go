package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/store"
)

// TestOpenIsPrivate: the database and its -wal and -shm files are
// owner-only (also when an older version left them 0644), and every
// connection zeroes deleted content (secure_delete).
func TestOpenIsPrivate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "portal.db")
	// A file left world-readable by an older version is narrowed.
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.InsertSubmissions(ctx, []store.Submission{testSubmission(1, time.Now())}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
	// Several connections: each must have secure_delete on.
	conns := make([]int, 0, 4)
	for i := 0; i < 4; i++ {
		c, err := db.SQL().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var on int
		if err := c.QueryRowContext(ctx, "PRAGMA secure_delete").Scan(&on); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, on)
	}
	for i, on := range conns {
		if on != 1 {
			t.Errorf("connection %d: secure_delete = %d, want 1", i, on)
		}
	}
}
