package backup_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/backup"
	"github.com/thaibinh-pcmt/portal/queue"
	"github.com/thaibinh-pcmt/portal/store"
)

var t0 = time.Date(2026, 6, 26, 8, 0, 0, 0, time.UTC)

// A backup taken while the databases are open and written restores into
// an empty dir with the same rows and files, owner-only.
func TestCreateRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.OpenSQLite(ctx, filepath.Join(dir, backup.DatabaseFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.CreateStaff(ctx, "lan", "press", "$argon2id$x", t0, store.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if err := db.InsertSubmissions(ctx, []store.Submission{{ID: "s1", Kind: "tip", ReceivedAt: t0, Data: []byte(`{"d":"Tin"}`), ReceiptHash: "r1", ReceivedOn: "2026-06-26"}}); err != nil {
		t.Fatal(err)
	}
	q, err := queue.OpenLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if _, err := q.Publish(ctx, "portal:queue:police", queue.Entry{ID: "s0", Kind: "tip", ReceivedAt: t0, Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, backup.SecretFile), []byte(strings.Repeat("ab", 32)+"\n"), 0o600)
	os.MkdirAll(filepath.Join(dir, backup.DocumentsDir), 0o700)
	os.WriteFile(filepath.Join(dir, backup.DocumentsDir, "777-qd-ttg-2019.txt"), []byte("QUYẾT ĐỊNH"), 0o600)
	os.MkdirAll(filepath.Join(dir, "search", "bleve"), 0o700)
	os.WriteFile(filepath.Join(dir, "search", "bleve", "index"), []byte("rebuilt at start"), 0o600)

	// What a backup killed a week ago left goes; a fresh one (a backup
	// running now) stays.
	stale, fresh := filepath.Join(dir, ".backup-111"), filepath.Join(dir, ".backup-222")
	for _, d := range []string{stale, fresh} {
		os.MkdirAll(d, 0o700)
		os.WriteFile(filepath.Join(d, "portal.db"), []byte("snapshot"), 0o600)
	}
	week := time.Now().Add(-7 * 24 * time.Hour)
	os.Chtimes(stale, week, week)
	var buf bytes.Buffer
	m, err := backup.Create(ctx, dir, &buf, backup.Options{PortalVersion: "test", Now: func() time.Time { return time.Now().Truncate(time.Hour).Add(90 * time.Second) }})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(m.Created, ":01:00Z") || !m.SecretIncluded || m.Database != "sqlite" {
		t.Fatalf("manifest %+v", m)
	}
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, f.Path)
	}
	if strings.Join(paths, " ") != "portal.db queue.db secret van-ban/777-qd-ttg-2019.txt" {
		t.Fatalf("files %v", paths)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".backup-*")); len(leftovers) != 1 || leftovers[0] != fresh {
		t.Fatalf("temporary snapshots left: %v (want only the fresh one of another backup)", leftovers)
	}

	to := filepath.Join(t.TempDir(), "moi")
	if _, err := backup.Restore(ctx, bytes.NewReader(buf.Bytes()), to); err != nil {
		t.Fatal(err)
	}
	rdb, err := store.OpenSQLite(ctx, filepath.Join(to, backup.DatabaseFile))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if s, err := rdb.StaffByUsername(ctx, "lan"); err != nil || s.Role != "press" {
		t.Fatalf("staff %+v %v", s, err)
	}
	if p, _ := rdb.PendingSubmissions(ctx, 10); len(p) != 1 || p[0].ID != "s1" {
		t.Fatalf("outbox %+v", p)
	}
	rq, err := queue.OpenLocal(to)
	if err != nil {
		t.Fatal(err)
	}
	defer rq.Close()
	if st, err := rq.Stats(ctx, "portal:queue:police"); err != nil || st.Length != 1 {
		t.Fatalf("queue %+v %v", st, err)
	}
	if b, _ := os.ReadFile(filepath.Join(to, backup.DocumentsDir, "777-qd-ttg-2019.txt")); string(b) != "QUYẾT ĐỊNH" {
		t.Fatalf("document %q", b)
	}
	if fi, err := os.Stat(filepath.Join(to, backup.SecretFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret %v %v", fi, err)
	}
	if _, err := os.Stat(filepath.Join(to, "search")); err == nil {
		t.Error("the search index was restored; it is rebuilt at start")
	}

	// Not into a data dir that holds anything.
	if _, err := backup.Restore(ctx, bytes.NewReader(buf.Bytes()), dir); !errors.Is(err, backup.ErrNotEmpty) {
		t.Fatalf("restore over a data dir: %v", err)
	}
}

// A damaged or hostile archive is refused and leaves nothing behind.
func TestRestoreRefusesBadArchives(t *testing.T) {
	ctx := context.Background()
	mk := func(m backup.Manifest, entries map[string]string) []byte {
		var buf bytes.Buffer
		gz := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gz)
		mj, _ := json.Marshal(m)
		tw.WriteHeader(&tar.Header{Name: "manifest.json", Mode: 0o600, Size: int64(len(mj)), Typeflag: tar.TypeReg})
		tw.Write(mj)
		for name, body := range entries {
			tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(body)), Typeflag: tar.TypeReg})
			tw.Write([]byte(body))
		}
		tw.Close()
		gz.Close()
		return buf.Bytes()
	}
	sum := "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" // sha256("hello")
	for name, archive := range map[string][]byte{
		"traversal":     mk(backup.Manifest{Format: 1, Files: []backup.File{{Path: "../evil", Size: 5, SHA256: sum}}}, map[string]string{"../evil": "hello"}),
		"absolute":      mk(backup.Manifest{Format: 1, Files: []backup.File{{Path: "/etc/evil", Size: 5, SHA256: sum}}}, map[string]string{"/etc/evil": "hello"}),
		"not listed":    mk(backup.Manifest{Format: 1}, map[string]string{"secret": "hello"}),
		"bad checksum":  mk(backup.Manifest{Format: 1, Files: []backup.File{{Path: "secret", Size: 5, SHA256: strings.Repeat("0", 64)}}}, map[string]string{"secret": "hello"}),
		"missing file":  mk(backup.Manifest{Format: 1, Files: []backup.File{{Path: "secret", Size: 5, SHA256: sum}}}, nil),
		"future format": mk(backup.Manifest{Format: 9}, nil),
		"not gzip":      []byte("portal.db"),
	} {
		to := filepath.Join(t.TempDir(), "moi")
		if _, err := backup.Restore(ctx, bytes.NewReader(archive), to); err == nil {
			t.Errorf("%s: restored", name)
		}
		if entries, _ := os.ReadDir(to); len(entries) != 0 {
			t.Errorf("%s: left %d entries behind", name, len(entries))
		}
	}
	// The good one of the same shape restores.
	to := filepath.Join(t.TempDir(), "moi")
	if _, err := backup.Restore(ctx, bytes.NewReader(mk(backup.Manifest{Format: 1, Files: []backup.File{{Path: "secret", Size: 5, SHA256: sum}}}, map[string]string{"secret": "hello"})), to); err != nil {
		t.Fatal(err)
	}
}

// FuzzRestore: any bytes are refused or restored without a panic, and
// nothing is ever written outside the target dir.
func FuzzRestore(f *testing.F) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	mj, _ := json.Marshal(backup.Manifest{Format: 1, Files: []backup.File{{Path: "secret", Size: 5, SHA256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}}})
	tw.WriteHeader(&tar.Header{Name: "manifest.json", Mode: 0o600, Size: int64(len(mj)), Typeflag: tar.TypeReg})
	tw.Write(mj)
	tw.WriteHeader(&tar.Header{Name: "secret", Mode: 0o600, Size: 5, Typeflag: tar.TypeReg})
	tw.Write([]byte("hello"))
	tw.Close()
	gz.Close()
	f.Add(buf.Bytes())
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, b []byte) {
		parent := t.TempDir()
		to := filepath.Join(parent, "moi")
		backup.Restore(context.Background(), bytes.NewReader(b), to)
		entries, _ := os.ReadDir(parent)
		if len(entries) > 1 || (len(entries) == 1 && entries[0].Name() != "moi") {
			t.Fatalf("wrote outside the data dir: %v", entries)
		}
	})
}
