package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrMediaNotFound is returned by a campaign save that names a cover
// image that is not stored (deleted by the cleanup, or never uploaded).
var ErrMediaNotFound = errors.New("store: media not found")

// Media is one stored image (a campaign cover), as re-encoded by package
// press: no metadata. Every instance serves it from the system of record
// (migration 00500).
type Media struct {
	Name        string // "<32 hex digits>.jpg" or ".png"
	ContentType string // "image/jpeg" or "image/png"
	Data        []byte
	CreatedAt   time.Time // upload time, refreshed when a campaign names it
}

// PutMedia stores m. A name already stored is left as it is and reported
// as ErrConflict (names are random, so this only happens on a retry).
func (db *DB) PutMedia(ctx context.Context, m Media) error {
	res, err := db.sql.ExecContext(ctx,
		`INSERT INTO media (name, content_type, data, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
		m.Name, m.ContentType, m.Data, m.CreatedAt.Unix())
	if err != nil {
		return fmt.Errorf("store: put media %s: %w", m.Name, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("store: put media %s: %w", m.Name, ErrConflict)
	}
	return nil
}

// MediaByName returns the stored image name, or ErrNotFound.
func (db *DB) MediaByName(ctx context.Context, name string) (Media, error) {
	m := Media{Name: name}
	var created int64
	err := db.sql.QueryRowContext(ctx, `SELECT content_type, data, created_at FROM media WHERE name = ?`, name).
		Scan(&m.ContentType, &m.Data, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Media{}, fmt.Errorf("store: media %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return Media{}, fmt.Errorf("store: media %s: %w", name, err)
	}
	m.CreatedAt = time.Unix(created, 0).UTC()
	return m, nil
}

// MediaExists reports whether an image of that name is stored.
func (db *DB) MediaExists(ctx context.Context, name string) (bool, error) {
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM media WHERE name = ?`, name).Scan(&n); err != nil {
		return false, fmt.Errorf("store: media %s: %w", name, err)
	}
	return n > 0, nil
}

// DeleteOrphanMedia deletes the images stored before cutoff that no
// campaign (drafts included) names, as its cover or anywhere in its
// Markdown body ("/media/NAME"), and returns how many it deleted. A save
// that names an image refreshes its time in the same transaction
// (touchMedia), so an image cannot be deleted under a campaign being
// saved: on PostgreSQL the delete and the refresh lock the same row and
// the delete re-checks the time after waiting.
func (db *DB) DeleteOrphanMedia(ctx context.Context, cutoff time.Time) (int, error) {
	res, err := db.sql.ExecContext(ctx,
		`DELETE FROM media WHERE created_at < ?
		   AND NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.cover = media.name
		                   OR c.body_md LIKE '%' || media.name || '%')`, cutoff.Unix())
	if err != nil {
		return 0, fmt.Errorf("store: delete orphan media: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: delete orphan media: %w", err)
	}
	return int(n), nil
}

// touchMedia sets the time of image name to now inside tx, so the cleanup
// keeps it; an empty name does nothing, an unknown one is ErrMediaNotFound.
func touchMedia(ctx context.Context, tx *sqlTx, name string, now time.Time) error {
	if name == "" {
		return nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE media SET created_at = ? WHERE name = ?`, now.Unix(), name)
	if err != nil {
		return fmt.Errorf("cover %s: %w", name, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("cover %s: %w", name, ErrMediaNotFound)
	}
	return nil
}
