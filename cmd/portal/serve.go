package main

import (
	"github.com/thaibinh-pcmt/portal/press"
	"github.com/thaibinh-pcmt/portal/seal"

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
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/thaibinh-pcmt/portal/content"
	"github.com/thaibinh-pcmt/portal/handlers"
	"github.com/thaibinh-pcmt/portal/identity"
	"github.com/thaibinh-pcmt/portal/metrics"
	"github.com/thaibinh-pcmt/portal/pagecache"
	"github.com/thaibinh-pcmt/portal/queue"
	"github.com/thaibinh-pcmt/portal/search"
	"github.com/thaibinh-pcmt/portal/store"
)

// serveEnv is what the wiring of serve shares besides the configuration.
type serveEnv struct {
	log *slog.Logger
	// redis logs Redis's reachability for every client (nil: not wired).
	redis *redisHealth
	// metrics is nil without PORTAL_METRICS_ADDR; its methods then do
	// nothing.
	metrics *metrics.Metrics
}

// errStoppedStarting is returned when a signal arrives before serve
// listens.
var errStoppedStarting = errors.New("stopped by a signal while starting")

// runServe starts the portal and blocks until ctx is cancelled (SIGINT or
// SIGTERM), then shuts down in order: stop accepting and drain requests,
// stop the background workers, close the index and the database last.
//
// It first takes the data dir's lock file, so a second serve on the same
// data dir refuses at once, naming it. While starting, a cancelled ctx
// ends it at the step in progress (errStoppedStarting), even one that does
// not itself heed ctx.
func runServe(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fset := flag.NewFlagSet("serve", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() {
		fmt.Fprintln(stderr, "usage: portal [serve] [flags]\nRuns the web portal until SIGINT or SIGTERM. Flags (each overrides its environment variable):")
		fset.PrintDefaults()
	}
	cfg, err := loadConfig(fset, args, getenv)
	if err != nil {
		return err
	}
	log := newLogger(stderr)
	env := serveEnv{log: log, redis: newRedisHealth(log)}
	redis.SetLogger(env.redis)
	if cfg.MetricsAddr != "" {
		env.metrics = metrics.New(version)
	}
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
	release, err := lockDataDir(cfg.DataDir, "serve")
	if err != nil {
		return err
	}
	defer release()

	// step runs one part of the start; a signal meanwhile ends the start
	// at once (the process then exits; what f holds is the OS's to free).
	step := func(what string, f func() error) error {
		if ctx.Err() != nil {
			return fmt.Errorf("%w (before: %s)", errStoppedStarting, what)
		}
		done := make(chan error, 1)
		go func() { done <- f() }()
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			log.Warn("signal received while starting: stopping", "step", what)
			return fmt.Errorf("%w (during: %s)", errStoppedStarting, what)
		}
	}

	var (
		secret []byte
		lib    *content.Library
		db     *store.DB
		idx    search.Index
	)
	if err := step("read the secret", func() (err error) { secret, err = loadSecret(cfg); return err }); err != nil {
		return err
	}
	if err := step("load documents", func() (err error) {
		lib, err = content.Load(content.Corpus, importDir(cfg))
		if err != nil {
			return fmt.Errorf("load documents: %w", err)
		}
		return nil
	}); err != nil {
		return err
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
	if err := step("open the database", func() (err error) { db, err = openStore(ctx, cfg); return err }); err != nil {
		return err
	}
	defer db.Close()
	db.SetLogger(log)

	var engine string
	if err := step("open the search index", func() (err error) {
		idx, engine, err = openIndex(ctx, cfg, lib, log)
		if err != nil {
			return fmt.Errorf("open search index: %w", err)
		}
		return nil
	}); err != nil {
		return err
	}
	if idx != nil {
		defer idx.Close()
	}

	deps := handlers.Deps{
		Logger:         log,
		Library:        lib,
		Index:          env.metrics.InstrumentIndex(idx, engine),
		Store:          db,
		Now:            time.Now,
		TrustedProxies: cfg.TrustedProxies,
		Secret:         secret,
		BaseURL:        cfg.BaseURL,
		DataDir:        cfg.DataDir,
		// A start begins with an empty page cache; the press office's
		// changes invalidate it (handlers.New wires press.Office.OnChange),
		// those made on other instances too: press.Office.FollowChanges
		// runs the OnChange functions on every store.TopicCampaigns
		// notification and after the listener reconnects.
		Pages:    pagecache.New(time.Now),
		Identity: site,
	}
	if env.metrics != nil {
		deps.Observer = env.metrics
	}
	// Encryption at rest (issue 11): the desks' public keys seal what people
	// write; private keys are opened at sign-in into KeySessions only.
	deps.Keys = seal.NewKeyring(db, deps.Now)
	deps.KeySessions = &seal.Sessions{Idle: press.DefaultIdleTimeout, Now: deps.Now}
	workerCtx, stopWorkers := context.WithCancel(context.Background())
	defer stopWorkers()
	var (
		q                               queue.Queue
		stopIntake, stopDesk, stopPress func(context.Context) error
	)
	if err := step("start intake", func() (err error) {
		q, stopIntake, err = startIntake(workerCtx, cfg, &deps, db, env)
		if err != nil {
			return fmt.Errorf("start intake: %w", err)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := step("start the desk consumer", func() (err error) {
		stopDesk, err = startDesk(workerCtx, cfg, &deps, db, q, env.log)
		if err != nil {
			return fmt.Errorf("start desk: %w", err)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := step("start the press office", func() (err error) {
		stopPress, err = startPress(workerCtx, cfg, &deps, db, env)
		if err != nil {
			return fmt.Errorf("start press office: %w", err)
		}
		return nil
	}); err != nil {
		return err
	}

	var metricsSrv *http.Server
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen on %s (PORTAL_METRICS_ADDR): %w", cfg.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", env.metrics.Handler())
		metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		go metricsSrv.Serve(mln)
		log.Info("metrics listening", "metrics_url", "http://"+mln.Addr().String()+"/metrics")
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
		"database", db.Engine(), "queue", queueEngineName(cfg), "search", engine)

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
	if metricsSrv != nil {
		metricsSrv.Shutdown(stopCtx)
	}
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

// newRedisClient opens a client for cfg.RedisURL with short timeouts (a
// request must not wait on a Redis that is gone) whose connection
// failures and recoveries go to env.redis.
func newRedisClient(cfg Config, env serveEnv) (*redis.Client, error) {
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	// The limiter's own bound (ratelimit.DefaultPrimaryTimeout, 2 s) is
	// the one that decides; these are a little longer.
	opt.DialTimeout = 2 * time.Second
	opt.ReadTimeout = 3 * time.Second
	opt.WriteTimeout = 3 * time.Second
	// Honour the caller's context deadline on socket reads too (off by
	// default in go-redis), so the forwarder's timeouts hold.
	opt.ContextTimeoutEnabled = true
	rdb := redis.NewClient(opt)
	if env.redis != nil {
		rdb.AddHook(env.redis)
	}
	return rdb, nil
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
