package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/thaibinh-pcmt/portal/press"
	"github.com/thaibinh-pcmt/portal/ratelimit"
	"github.com/thaibinh-pcmt/portal/store"
)

const storeUsage = `usage:
  portal store migrate-to [--data-dir DIR] postgres://USER@HOST:5432/DB
Copies the system of record of the data dir (SQLite: staff, sessions,
campaigns and their cover images, the outbox, submission statuses, the audit
log…) into an empty PostgreSQL database, keeping every id, and verifies the
row count of every table before committing. Stop "portal serve" on this data
dir first: the copy takes the data dir's lock. Afterwards start every
instance with DATABASE_URL set to that URL and PORTAL_SECRET set to the
secret of this data dir (printed at the end), so that receipts already
given out are still found.
`

// runStore implements "portal store migrate-to URL".
func runStore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		io.WriteString(stdout, storeUsage)
		return nil
	}
	if len(args) == 0 || args[0] != "migrate-to" {
		io.WriteString(stderr, storeUsage)
		return errors.New("store: name an action: migrate-to")
	}
	fset := flag.NewFlagSet("store migrate-to", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { io.WriteString(stderr, storeUsage); fset.PrintDefaults() }
	cfg, err := loadConfig(fset, args[1:], getenv)
	if err != nil {
		return err
	}
	if fset.NArg() != 1 {
		fset.Usage()
		return errors.New("store migrate-to: give the PostgreSQL URL, e.g. postgres://portal@127.0.0.1:5432/portal")
	}
	target := fset.Arg(0)
	if !strings.HasPrefix(target, "postgres://") && !strings.HasPrefix(target, "postgresql://") {
		return fmt.Errorf("store migrate-to: %q is not a PostgreSQL URL (postgres://…)", target)
	}
	dbPath := filepath.Join(cfg.DataDir, "portal.db")
	if _, err := os.Stat(dbPath); err != nil {
		return fmt.Errorf("store migrate-to: no SQLite system of record in %s: %w", cfg.DataDir, err)
	}
	release, err := lockDataDir(cfg.DataDir, "store migrate-to")
	if err != nil {
		return fmt.Errorf("store migrate-to: %w", err)
	}
	defer release()

	src, err := store.OpenSQLite(ctx, dbPath)
	if err != nil {
		return err
	}
	defer src.Close()
	// Covers an older version left as files go into the source first, so
	// they are copied with it.
	office, err := press.New(press.Config{DB: src, Limiter: ratelimit.NewMemory(), Logger: newLogger(stderr)})
	if err != nil {
		return err
	}
	if _, err := office.ImportMediaDir(ctx, filepath.Join(cfg.DataDir, "media")); err != nil {
		return fmt.Errorf("store migrate-to: %w", err)
	}
	dst, err := store.OpenPostgres(ctx, target)
	if err != nil {
		return fmt.Errorf("store migrate-to: %w", err)
	}
	defer dst.Close()
	counts, err := store.CopyInto(ctx, src, dst)
	if errors.Is(err, store.ErrTargetNotEmpty) {
		return fmt.Errorf("store migrate-to: %w; nothing was copied. Give an empty database (this command never merges)", err)
	}
	if err != nil {
		return fmt.Errorf("store migrate-to: %w", err)
	}
	fmt.Fprintf(stdout, "Đã chép hệ thống dữ liệu từ %s sang PostgreSQL; số dòng mỗi bảng đã kiểm tra khớp:\n", dbPath)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "BẢNG\tSỐ DÒNG")
	for _, c := range counts {
		fmt.Fprintf(tw, "%s\t%d\n", c.Table, c.Rows)
	}
	tw.Flush()
	secretHint := "PORTAL_SECRET (như hiện dùng)"
	if cfg.Secret == "" {
		secretHint = "PORTAL_SECRET=$(cat " + filepath.Join(cfg.DataDir, "secret") + ")"
	}
	fmt.Fprintf(stdout, "Tiếp theo: chạy mọi phiên bản portal với DATABASE_URL=<URL vừa dùng> và %s; nếu khác khóa bí mật, mã tiếp nhận đã cấp sẽ không tra cứu được.\n", secretHint)
	return nil
}
