// Package backup writes and restores a consistent copy of a portal data
// dir: the SQLite system of record and the embedded queue as online
// snapshots (SQLite's VACUUM INTO, taken while "portal serve" runs), and
// the dir's other state as it is: the generated secret, imported
// documents (van-ban/) and cover images an older version kept as files
// (media/). The search index is not included: serve rebuilds it at start.
//
// A backup is a gzip-compressed tar whose first entry is manifest.json
// (format, creation minute, portal version, engine of the system of
// record, and the size and SHA-256 of every file); Restore checks every
// file against it.
//
// Consistency across the two databases: the system of record is
// snapshotted before the queue, so a submission forwarded in between is
// in the outbox snapshot and in the queue snapshot, and is forwarded again
// after a restore (consumers de-duplicate on the entry id, as for any
// redelivery) — never in neither.
package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver, for VACUUM INTO
)

// FormatVersion is the manifest format this package writes and reads.
const FormatVersion = 1

// Names in a data dir (cmd/portal's layout).
const (
	DatabaseFile = "portal.db" // SQLite system of record
	QueueFile    = "queue.db"  // embedded agency queue
	SecretFile   = "secret"    // generated portal secret
	DocumentsDir = "van-ban"   // documents added by "portal import"
	MediaDir     = "media"     // cover images of versions before they moved into the database
)

// Manifest describes a backup.
type Manifest struct {
	Format int `json:"format"`
	// Created is when the backup was made, UTC, to the minute.
	Created string `json:"created"`
	// PortalVersion is the version of the portal that made it.
	PortalVersion string `json:"portal_version"`
	// Database is "sqlite" (portal.db is in the backup) or "postgres"
	// (the system of record is in PostgreSQL: back it up with pg_dump).
	Database string `json:"database"`
	// SecretIncluded is false when the portal secret is not a file of the
	// data dir (PORTAL_SECRET was set): keep it apart, receipts need it.
	SecretIncluded bool   `json:"secret_included"`
	Files          []File `json:"files"`
}

// File is one file of a backup, by its slash-separated path in the data
// dir.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Options of Create.
type Options struct {
	// PostgresDatabase is true when the system of record is in PostgreSQL
	// (DATABASE_URL): portal.db is then not backed up.
	PostgresDatabase bool
	// PortalVersion is written into the manifest.
	PortalVersion string
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// ErrNotEmpty is returned by Restore when the target data dir holds
// anything.
var ErrNotEmpty = errors.New("backup: the data dir to restore into is not empty")

// Create writes a backup of dataDir to w and returns its manifest. It
// works while "portal serve" runs on dataDir. Temporary snapshots are made
// in dataDir (same file system, owner-only) and removed afterwards.
func Create(ctx context.Context, dataDir string, w io.Writer, opt Options) (Manifest, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	m := Manifest{Format: FormatVersion, Created: opt.Now().UTC().Truncate(time.Minute).Format(time.RFC3339),
		PortalVersion: opt.PortalVersion, Database: "sqlite"}
	if opt.PostgresDatabase {
		m.Database = "postgres"
	}
	removeStaleSnapshots(dataDir, opt.Now())
	tmp, err := os.MkdirTemp(dataDir, ".backup-")
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmp)

	// sources maps each path in the backup to the file to read.
	sources := map[string]string{}
	// The system of record first, then the queue (see the package doc).
	dbs := []string{QueueFile}
	if !opt.PostgresDatabase {
		dbs = []string{DatabaseFile, QueueFile}
	}
	for _, name := range dbs {
		src := filepath.Join(dataDir, name)
		if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
			if name == DatabaseFile {
				return m, fmt.Errorf("backup: no system of record at %s (is this a portal data dir?)", src)
			}
			continue
		}
		snap := filepath.Join(tmp, name)
		if err := snapshotSQLite(ctx, src, snap); err != nil {
			return m, fmt.Errorf("backup: snapshot %s: %w", name, err)
		}
		sources[name] = snap
	}
	if _, err := os.Stat(filepath.Join(dataDir, SecretFile)); err == nil {
		sources[SecretFile] = filepath.Join(dataDir, SecretFile)
		m.SecretIncluded = true
	}
	for _, dir := range []string{DocumentsDir, MediaDir} {
		root := filepath.Join(dataDir, dir)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && p == root {
					return fs.SkipDir
				}
				return err
			}
			if !d.Type().IsRegular() {
				return nil
			}
			rel, err := filepath.Rel(dataDir, p)
			if err != nil {
				return err
			}
			sources[filepath.ToSlash(rel)] = p
			return nil
		})
		if err != nil {
			return m, fmt.Errorf("backup: %s: %w", dir, err)
		}
	}
	names := make([]string, 0, len(sources))
	for n := range sources {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f, err := hashFile(sources[n])
		if err != nil {
			return m, fmt.Errorf("backup: %s: %w", n, err)
		}
		f.Path = n
		m.Files = append(m.Files, f)
	}

	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	mj, _ := json.MarshalIndent(m, "", "  ")
	if err := tw.WriteHeader(&tar.Header{Name: "manifest.json", Mode: 0o600, Size: int64(len(mj)), Typeflag: tar.TypeReg}); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	if _, err := tw.Write(mj); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	for _, f := range m.Files {
		if err := ctx.Err(); err != nil {
			return m, err
		}
		if err := addFile(tw, f, sources[f.Path]); err != nil {
			return m, fmt.Errorf("backup: %s: %w", f.Path, err)
		}
	}
	if err := tw.Close(); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	if err := gz.Close(); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

// staleSnapshotAge is how old a temporary snapshot directory left in the
// data dir (a backup killed with SIGKILL) must be before the next backup
// deletes it; younger ones may belong to a backup still running.
const staleSnapshotAge = 24 * time.Hour

// removeStaleSnapshots deletes what killed backups left: their snapshots
// hold submissions that the portal may have deleted since.
func removeStaleSnapshots(dataDir string, now time.Time) {
	dirs, _ := filepath.Glob(filepath.Join(dataDir, ".backup-*"))
	for _, d := range dirs {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() && now.Sub(fi.ModTime()) > staleSnapshotAge {
			os.RemoveAll(d)
		}
	}
}

// snapshotSQLite writes a consistent copy of the SQLite database src to
// dst with VACUUM INTO (one read transaction: what committed before it
// started, whatever other processes write meanwhile) and checks it.
func snapshotSQLite(ctx context.Context, src, dst string) error {
	db, err := sql.Open("sqlite", "file:"+src+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return err
	}
	snap, err := sql.Open("sqlite", "file:"+dst+"?mode=ro")
	if err != nil {
		return err
	}
	defer snap.Close()
	var res string
	if err := snap.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("snapshot failed its check: %s", res)
	}
	return nil
}

func hashFile(p string) (File, error) {
	f, err := os.Open(p)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, err
	}
	return File{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// addFile writes f from src; the file must not have changed since it was
// hashed (documents and media are written once, snapshots are ours).
func addFile(tw *tar.Writer, f File, src string) error {
	r, err := os.Open(src)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := tw.WriteHeader(&tar.Header{Name: f.Path, Mode: 0o600, Size: f.Size, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(tw, h), r, f.Size); err != nil {
		return fmt.Errorf("changed while being backed up: %w", err)
	}
	if hex.EncodeToString(h.Sum(nil)) != f.SHA256 {
		return errors.New("changed while being backed up; run the backup again")
	}
	return nil
}

// Restore reads a backup from r into dataDir, which must not exist or be
// empty (else ErrNotEmpty): restoring never mixes two data dirs. Every
// file is checked against the manifest (path, size, SHA-256) and synced;
// files are written owner-only (0600, directories 0700). On any error what
// was written is removed again. It returns the manifest.
func Restore(ctx context.Context, r io.Reader, dataDir string) (m Manifest, err error) {
	if entries, err := os.ReadDir(dataDir); err == nil && len(entries) > 0 {
		return m, fmt.Errorf("%w: %s", ErrNotEmpty, dataDir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return m, fmt.Errorf("backup: restore: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return m, fmt.Errorf("backup: restore: %w", err)
	}
	defer func() {
		if err != nil {
			entries, _ := os.ReadDir(dataDir)
			for _, e := range entries {
				os.RemoveAll(filepath.Join(dataDir, e.Name()))
			}
		}
	}()
	gz, err := gzip.NewReader(r)
	if err != nil {
		return m, fmt.Errorf("backup: restore: not a portal backup (gzip): %w", err)
	}
	tr := tar.NewReader(gz)
	hdr, err := tr.Next()
	if err != nil || hdr.Name != "manifest.json" || hdr.Size > 16<<20 {
		return m, errors.New("backup: restore: not a portal backup (no manifest.json first)")
	}
	if err := json.NewDecoder(io.LimitReader(tr, hdr.Size)).Decode(&m); err != nil {
		return m, fmt.Errorf("backup: restore: manifest: %w", err)
	}
	if m.Format != FormatVersion {
		return m, fmt.Errorf("backup: restore: manifest format %d; this portal reads format %d", m.Format, FormatVersion)
	}
	want := map[string]File{}
	for _, f := range m.Files {
		if !safePath(f.Path) {
			return m, fmt.Errorf("backup: restore: unsafe path %q in the manifest", f.Path)
		}
		want[f.Path] = f
	}
	done := map[string]bool{}
	for {
		if err := ctx.Err(); err != nil {
			return m, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, fmt.Errorf("backup: restore: %w", err)
		}
		f, ok := want[hdr.Name]
		if !ok || done[hdr.Name] || hdr.Typeflag != tar.TypeReg || hdr.Size != f.Size {
			return m, fmt.Errorf("backup: restore: entry %q is not in the manifest as it is", hdr.Name)
		}
		if err := writeFile(filepath.Join(dataDir, filepath.FromSlash(f.Path)), tr, f); err != nil {
			return m, fmt.Errorf("backup: restore: %s: %w", f.Path, err)
		}
		done[hdr.Name] = true
	}
	for _, f := range m.Files {
		if !done[f.Path] {
			return m, fmt.Errorf("backup: restore: %s is missing from the backup", f.Path)
		}
	}
	return m, nil
}

// safePath accepts relative slash paths inside the data dir only.
func safePath(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, "\\") || path.Clean(p) != p || p == "." {
		return false
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." || part == "" {
			return false
		}
	}
	return true
}

func writeFile(dst string, r io.Reader, f File) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(out, h), r, f.Size); err != nil {
		out.Close()
		return err
	}
	if hex.EncodeToString(h.Sum(nil)) != f.SHA256 {
		out.Close()
		return errors.New("checksum does not match the manifest: the backup is damaged")
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
