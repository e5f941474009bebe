package main

import (
	"context"
	"log/slog"

	"github.com/thaibinh-pcmt/portal/handlers"
	"github.com/thaibinh-pcmt/portal/store"
)

// startPress builds the press-office services (accounts, sessions,
// campaigns, scheduler), fills their fields of deps and starts the
// scheduler. Owned by the press-office work; this placeholder starts nothing.
func startPress(ctx context.Context, cfg Config, deps *handlers.Deps, db *store.DB, log *slog.Logger) (stop func(context.Context) error, err error) {
	return func(context.Context) error { return nil }, nil
}
