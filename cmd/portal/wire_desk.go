package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/thaibinh-pcmt/portal/desk"
	"github.com/thaibinh-pcmt/portal/handlers"
	"github.com/thaibinh-pcmt/portal/queue"
	"github.com/thaibinh-pcmt/portal/retention"
	"github.com/thaibinh-pcmt/portal/seal"
	"github.com/thaibinh-pcmt/portal/store"
)

// deskStuckAfter is how long a submission may sit sent in the outbox with
// no desk taking it before /readyz reports "desk" as degraded.
const deskStuckAfter = 15 * time.Minute

// startDesk builds the desk service (cases, inbox, conversation, desk API)
// into deps.Desk and, unless cfg.DeskConsumer is off, starts the desk
// consumer on q: the consumer group "desk" on every agency queue of the
// routing, which turns entries into cases and removes them from the
// outbox. It needs deps.Intake (for the routing and labels). The returned
// stop ends the consumer (entries being committed stay pending and are
// claimed after the next start) and must run before q is closed.
func startDesk(ctx context.Context, cfg Config, deps *handlers.Deps, db *store.DB, q queue.Queue, log *slog.Logger) (stop func(context.Context) error, err error) {
	if deps.Intake == nil {
		return nil, errors.New("desk needs the intake catalog")
	}
	data, err := desk.LoadData()
	if err != nil {
		return nil, err
	}
	dc := desk.Config{DB: db, Data: data, Catalog: deps.Intake.Catalog(), Now: deps.Now, Logger: log}
	if deps.Keys != nil {
		dc.Sealer = seal.Sealer{Keys: deps.Keys}
	}
	svc, err := desk.New(dc)
	if err != nil {
		return nil, err
	}
	deps.Desk = svc
	if deps.Keys != nil {
		sealInClear(ctx, db, deps.Keys, deps.Intake.Catalog(), log, seal.KeyRecheck)
	}
	if deps.DegradedChecks == nil {
		deps.DegradedChecks = map[string]func(context.Context) error{}
	}
	// A submission sent long ago that no desk has taken: the consumer is
	// off everywhere, failing, or the queue lost it in a way its epoch
	// did not show (e.g. an AOF that lost its last seconds).
	deps.DegradedChecks["desk"] = func(ctx context.Context) error {
		st, err := db.OutboxStats(ctx)
		if err != nil {
			return err
		}
		if st.Sent > 0 && time.Since(st.OldestSent) > deskStuckAfter {
			return fmt.Errorf("%d submissions sent to their queue but not taken by a desk, the oldest since %s", st.Sent, st.OldestSent.Format(time.RFC3339))
		}
		return nil
	}
	stopRetention, err := startRetention(ctx, cfg, deps, db, data, log)
	if err != nil {
		return nil, err
	}
	if !cfg.DeskConsumer {
		log.Warn("desk consumer is off in this process (PORTAL_DESK_CONSUMER=off): another instance must turn queue entries into cases")
		return func(context.Context) error { stopRetention(); return nil }, nil
	}
	c := &desk.Consumer{Queue: q, Service: svc, Name: consumerName(), Log: log, ClaimIdle: cfg.DeskClaimIdle}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Run(cctx)
	}()
	log.Info("desk consumer started", "group", desk.Group, "consumer", c.Name)
	return func(ctx context.Context) error {
		stopRetention()
		cancel()
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return errors.New("desk consumer did not stop in time; its entries stay pending and are claimed after the next start")
		}
	}, nil
}

// consumerName is this process's name in the desk group: "portal-<host>-<pid>".
func consumerName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return "portal-" + host + "-" + strconv.Itoa(os.Getpid())
}

// retentionInterval is how often serve sweeps (issue 11: daily).
const retentionInterval = 24 * time.Hour

// startRetention starts the daily retention sweep (package retention):
// closed cases past their period deleted, space reclaimed, cases open too
// long reported; one instance of a cluster at a time. The policy is
// PORTAL_DATA_DIR/retention.yaml or the embedded one. stop waits for a
// sweep in progress.
func startRetention(ctx context.Context, cfg Config, deps *handlers.Deps, db *store.DB, data *desk.Data, log *slog.Logger) (stop func(), err error) {
	p, err := retention.Load(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if p.From != "embedded" {
		log.Info("retention policy from the data dir", "file", p.From)
	}
	var kinds []string
	for k := range deps.Intake.Catalog().Routes {
		kinds = append(kinds, k)
	}
	final := ""
	for _, s := range data.Statuses {
		if s.Final {
			final = s.Code
		}
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		retention.Run(rctx, db, p, kinds, final, retentionInterval, log)
	}()
	return func() { cancel(); <-done }, nil
}
