package main

import (
	"context"
	"path/filepath"

	"github.com/thaibinh-pcmt/portal/store"
)

// openStore opens the system of record the configuration names:
// PostgreSQL at cfg.DatabaseURL, shared by every instance, or the embedded
// SQLite file DataDir/portal.db.
func openStore(ctx context.Context, cfg Config) (*store.DB, error) {
	if cfg.DatabaseURL != "" {
		return store.OpenPostgres(ctx, cfg.DatabaseURL)
	}
	return store.OpenSQLite(ctx, filepath.Join(cfg.DataDir, "portal.db"))
}
