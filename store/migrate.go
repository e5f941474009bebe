package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pressly/goose/v3"
)

// migrate applies, in version order, every migration of eng not yet
// recorded in goose's table (goose_db_version). Each migration runs in its
// own transaction; on PostgreSQL an advisory lock keeps instances that
// start together from running them twice. Out-of-order versions are
// allowed, since features keep their own version ranges (see the package
// doc) and a branch may land a lower number after a higher one.
func migrate(ctx context.Context, db *sql.DB, eng engine) error {
	opts := []goose.ProviderOption{goose.WithAllowOutofOrder(true)}
	locker, err := eng.migrationLocker()
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if locker != nil {
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(eng.dialect(), db, eng.migrations(), opts...)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}
