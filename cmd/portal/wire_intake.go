package main

import (
	"context"
	"log/slog"

	"github.com/thaibinh-pcmt/portal/handlers"
	"github.com/thaibinh-pcmt/portal/store"
)

// startIntake builds the intake pipeline (outbox, queue publisher, rate
// limiter, forwarder), fills its fields of deps and starts the forwarder.
// The returned stop waits for the forwarder to finish. Owned by the intake
// work; this placeholder starts nothing.
func startIntake(ctx context.Context, cfg Config, deps *handlers.Deps, db *store.DB, log *slog.Logger) (stop func(context.Context) error, err error) {
	return func(context.Context) error { return nil }, nil
}
