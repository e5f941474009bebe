package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/thaibinh-pcmt/portal/backup"
)

const backupUsage = `usage: portal backup [--data-dir DIR] FILE
Writes a consistent backup of the data dir to FILE (a .tar.gz; "-" for
standard output) while "portal serve" keeps running: online snapshots of
the SQLite system of record and of the embedded queue (VACUUM INTO), the
generated secret, imported documents and any cover images still on disk.
The search index is rebuilt at start and not included. With DATABASE_URL
set the system of record is in PostgreSQL and not in FILE: back it up with
pg_dump (see README.md). FILE holds submissions and the secret: keep it
owner-only and encrypted at rest.
`

const restoreUsage = `usage: portal restore [--data-dir DIR] FILE
Restores a backup made by "portal backup" into DIR, which must not exist or
be empty, checking every file against the backup's manifest. Then start
"portal serve" on DIR.
`

// runBackup implements "portal backup FILE".
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("backup", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { io.WriteString(stderr, backupUsage); fset.PrintDefaults() }
	cfg, err := loadConfig(fset, args, getenv)
	if err != nil {
		return err
	}
	if fset.NArg() != 1 {
		fset.Usage()
		return errors.New("backup: give the file to write")
	}
	if _, err := os.Stat(cfg.DataDir); err != nil {
		return fmt.Errorf("backup: data dir: %w", err)
	}
	file := fset.Arg(0)
	var w io.Writer = stdout
	var f *os.File
	if file != "-" {
		// Written beside its final name and renamed at the end, so a
		// failed backup never leaves a file that looks complete.
		f, err = os.CreateTemp(filepath.Dir(file), ".portal-backup-*")
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		defer os.Remove(f.Name())
		defer f.Close()
		w = f
	}
	m, err := backup.Create(ctx, cfg.DataDir, w, backup.Options{PostgresDatabase: cfg.DatabaseURL != "", PortalVersion: version})
	if err != nil {
		return err
	}
	if f != nil {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		if err := os.Rename(f.Name(), file); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
	}
	var size int64
	for _, f := range m.Files {
		size += f.Size
	}
	out := stderr
	if file != "-" {
		out = stdout
	}
	fmt.Fprintf(out, "Đã sao lưu %s vào %s: %d tệp, %d byte trước khi nén.\n", cfg.DataDir, file, len(m.Files), size)
	if m.Database == "postgres" {
		fmt.Fprintln(out, "Lưu ý: hệ thống dữ liệu nằm trong PostgreSQL (DATABASE_URL) và không có trong bản sao lưu này; sao lưu bằng pg_dump (xem README.md).")
	}
	if !m.SecretIncluded {
		fmt.Fprintln(out, "Lưu ý: khóa bí mật được đặt bằng PORTAL_SECRET, không nằm trong thư mục dữ liệu; hãy cất giữ riêng, thiếu nó mã tiếp nhận không tra cứu được.")
	}
	return nil
}

// runRestore implements "portal restore FILE".
func runRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("restore", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { io.WriteString(stderr, restoreUsage); fset.PrintDefaults() }
	cfg, err := loadConfig(fset, args, getenv)
	if err != nil {
		return err
	}
	if fset.NArg() != 1 {
		fset.Usage()
		return errors.New("restore: give the backup file")
	}
	f, err := os.Open(fset.Arg(0))
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	m, err := backup.Restore(ctx, f, cfg.DataDir)
	if errors.Is(err, backup.ErrNotEmpty) {
		return fmt.Errorf("restore: %w; restore into a new, empty data dir", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Đã khôi phục %d tệp (bản sao lưu lúc %s, phiên bản %s) vào %s.\n", len(m.Files), m.Created, m.PortalVersion, cfg.DataDir)
	if m.Database == "postgres" {
		fmt.Fprintln(stdout, "Lưu ý: bản sao lưu này không chứa hệ thống dữ liệu (PostgreSQL); khôi phục nó bằng pg_restore và đặt DATABASE_URL.")
	}
	if !m.SecretIncluded {
		fmt.Fprintln(stdout, "Lưu ý: đặt PORTAL_SECRET như trước khi sao lưu; thiếu nó mã tiếp nhận không tra cứu được.")
	}
	return nil
}
