package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/thaibinh-pcmt/portal/content"
	"github.com/thaibinh-pcmt/portal/handlers"
	"github.com/thaibinh-pcmt/portal/identity"
	"github.com/thaibinh-pcmt/portal/pagecache"
)

// runServe starts the portal and blocks until ctx is cancelled (SIGINT or
// SIGTERM), then shuts down in order: stop accepting and drain requests,
// stop the background workers, close the index and the database last.
func runServe(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fset := flag.NewFlagSet("serve", flag.ContinueOnError)
	fset.SetOutput(stderr)
	cfg, err := loadConfig(fset, args, getenv)
	if err != nil {
		return err
	}
	log := newLogger(stderr)
	redis.SetLogger(redisLogger{log})
	if cfg.BaseURL == "" {
		log.Warn("PORTAL_BASE_URL is not set: canonical links, link previews, the feed and the sitemap point at the listen address; set it in production")
	}

	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	// Owner only, also for a data dir an older version created 0755: it
	// holds submissions waiting to be forwarded and the secret.
	if err := os.Chmod(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("restrict data dir: %w", err)
	}
	secret, err := loadSecret(cfg)
	if err != nil {
		return err
	}
	lib, err := content.Load(content.Corpus, importDir(cfg))
	if err != nil {
		return fmt.Errorf("load documents: %w", err)
	}
	for _, w := range lib.Warnings {
		log.Warn("document skipped", "err", w)
	}
	site, err := identity.Load(cfg.DataDir)
	if err != nil {
		return err
	}
	if site.From != "embedded" {
		log.Info("site identity from the data dir", "file", site.From)
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()

	idx, err := openIndex(ctx, cfg, lib, log)
	if err != nil {
		return fmt.Errorf("open search index: %w", err)
	}
	if idx != nil {
		defer idx.Close()
	}

	deps := handlers.Deps{
		Logger:         log,
		Library:        lib,
		Index:          idx,
		Store:          db,
		Now:            time.Now,
		TrustedProxies: cfg.TrustedProxies,
		Secret:         secret,
		BaseURL:        cfg.BaseURL,
		DataDir:        cfg.DataDir,
		// A start begins with an empty page cache; the press office's
		// changes invalidate it (handlers.New wires that). A listener for
		// other instances' changes will call pages.Invalidate too.
		Pages:    pagecache.New(time.Now),
		Identity: site,
	}
	workerCtx, stopWorkers := context.WithCancel(context.Background())
	defer stopWorkers()
	q, stopIntake, err := startIntake(workerCtx, cfg, &deps, db, log)
	if err != nil {
		return fmt.Errorf("start intake: %w", err)
	}
	stopDesk, err := startDesk(workerCtx, cfg, &deps, db, q, log)
	if err != nil {
		return fmt.Errorf("start desk: %w", err)
	}
	stopPress, err := startPress(workerCtx, cfg, &deps, db, log)
	if err != nil {
		return fmt.Errorf("start press office: %w", err)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	deps.Addr = ln.Addr().String() // the port chosen when PORTAL_ADDR ends in :0
	app, err := handlers.New(deps)
	if err != nil {
		ln.Close()
		return err
	}
	log.Info("portal listening", "url", "http://"+ln.Addr().String(), "data_dir", cfg.DataDir,
		"queue", queueEngineName(cfg))

	served := make(chan error, 1)
	go func() { served <- app.Listener(handlers.Listener(ln)) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	var errs []error
	if err := app.ShutdownWithTimeout(cfg.ShutdownGrace); err != nil {
		errs = append(errs, fmt.Errorf("drain requests: %w", err))
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	if err := stopPress(stopCtx); err != nil {
		errs = append(errs, fmt.Errorf("stop press office: %w", err))
	}
	if err := stopDesk(stopCtx); err != nil {
		errs = append(errs, fmt.Errorf("stop desk consumer: %w", err))
	}
	if err := stopIntake(stopCtx); err != nil {
		errs = append(errs, fmt.Errorf("stop intake: %w", err))
	}
	stopWorkers()
	log.Info("stopped")
	return errors.Join(errs...)
}

// newLogger is the one slog logger of the process. Handlers never pass it a
// client address, user agent or referrer.
func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// redisLogger sends go-redis's own messages (failed dials while Redis is
// down) to the process's slog logger instead of the standard log package.
// They name the Redis server, never a client of the portal.
type redisLogger struct{ log *slog.Logger }

// Printf implements go-redis's internal.Logging.
func (l redisLogger) Printf(_ context.Context, format string, v ...any) {
	l.log.Warn("redis client", "detail", fmt.Sprintf(format, v...))
}

// importDir is where "portal import" leaves documents for "serve" to load.
func importDir(cfg Config) string { return filepath.Join(cfg.DataDir, "van-ban") }

func queueEngineName(cfg Config) string {
	if cfg.RedisURL != "" {
		return "redis"
	}
	return "embedded"
}

// loadSecret returns PORTAL_SECRET, or the secret kept in DataDir/secret,
// generating 32 random bytes there (mode 0600) on first start.
func loadSecret(cfg Config) ([]byte, error) {
	if cfg.Secret != "" {
		if len(cfg.Secret) < 16 {
			return nil, errors.New("PORTAL_SECRET: use at least 16 characters")
		}
		return []byte(cfg.Secret), nil
	}
	path := filepath.Join(cfg.DataDir, "secret")
	b, err := os.ReadFile(path)
	if err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) < 32 {
			return nil, fmt.Errorf("secret file %s is too short; delete it to generate a new one", path)
		}
		return []byte(s), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read secret: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("generate secret: %w", err)
	}
	s := hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("write secret: %w", err)
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write secret: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("write secret: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write secret: %w", err)
	}
	return []byte(s), nil
}
