package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Campaign statuses as stored. A published campaign whose PublishedAt is
// still in the future is "scheduled": it goes public by itself when the
// clock passes PublishedAt.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
)

// Campaign kinds: a campaign (chiến dịch) or an article (bài viết); both are
// published by the press office and appear under /chien-dich.
const (
	KindCampaign = "campaign"
	KindArticle  = "article"
)

// Campaign is one press-office publication. BodyMD is the Markdown as typed;
// it is rendered and sanitised when shown, never stored as HTML.
type Campaign struct {
	ID      int64
	Slug    string // unique URL key, e.g. "thang-hanh-dong-phong-chong-ma-tuy"
	Kind    string // KindCampaign or KindArticle
	Title   string
	Summary string // plain text, for lists, feeds and Open Graph
	BodyMD  string
	Cover   string // media file name, e.g. "3f9c….jpg"; empty when none
	Status  string // StatusDraft or StatusPublished
	// PublishedAt is when it goes (or went) public; zero for drafts.
	PublishedAt          time.Time
	CreatedAt, UpdatedAt time.Time
	CreatedBy, UpdatedBy string // staff usernames
	// Version counts saves, starting at 1.
	Version int64
}

// Public reports whether c is visible to the public at now.
func (c Campaign) Public(now time.Time) bool {
	return c.Status == StatusPublished && !c.PublishedAt.IsZero() && !c.PublishedAt.After(now)
}

// Scheduled reports whether c is published for a time still to come.
func (c Campaign) Scheduled(now time.Time) bool {
	return c.Status == StatusPublished && c.PublishedAt.After(now)
}

const campaignColumns = `id, slug, kind, title, summary, body_md, cover, status, published_at,
	created_at, updated_at, created_by, updated_by, version`

func scanCampaign(row interface{ Scan(...any) error }) (Campaign, error) {
	var c Campaign
	var published sql.NullInt64
	var created, updated int64
	err := row.Scan(&c.ID, &c.Slug, &c.Kind, &c.Title, &c.Summary, &c.BodyMD, &c.Cover, &c.Status,
		&published, &created, &updated, &c.CreatedBy, &c.UpdatedBy, &c.Version)
	if published.Valid {
		c.PublishedAt = time.Unix(published.Int64, 0).UTC()
	}
	c.CreatedAt, c.UpdatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return c, err
}

func nullTime(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.Unix(), Valid: true}
}

// maxSlugSuffix bounds the search for a free slug ("x", "x-2" … "x-999").
const maxSlugSuffix = 999

// CreateCampaign inserts c, using c.Slug as the base of its slug: when the
// base is taken, "-2", "-3"… is appended until one is free. ID, Slug and
// Version (1) of the result are set by the store; CreatedAt/UpdatedAt are
// taken from c. A non-empty c.Cover must name a stored media file (else
// ErrNotFound), whose age is reset so the cleanup keeps it. audit is
// written in the same transaction; its Target, when empty, becomes
// "chien-dich/" + the slug. Commit notifies TopicCampaigns.
func (db *DB) CreateCampaign(ctx context.Context, c Campaign, audit AuditEntry) (Campaign, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return Campaign{}, fmt.Errorf("store: create campaign: %w", err)
	}
	defer tx.Rollback()
	base := c.Slug
	for i := 1; ; i++ {
		if i > maxSlugSuffix {
			return Campaign{}, fmt.Errorf("store: create campaign %q: no free slug: %w", base, ErrConflict)
		}
		slug := base
		if i > 1 {
			slug = base + "-" + strconv.Itoa(i)
		}
		// ON CONFLICT … DO NOTHING rather than catching the unique
		// violation: on PostgreSQL an error aborts the whole transaction.
		err := tx.QueryRowContext(ctx,
			`INSERT INTO campaigns (slug, kind, title, summary, body_md, cover, status, published_at,
			    created_at, updated_at, created_by, updated_by, version)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
			 ON CONFLICT (slug) DO NOTHING RETURNING id`,
			slug, c.Kind, c.Title, c.Summary, c.BodyMD, c.Cover, c.Status, nullTime(c.PublishedAt),
			c.CreatedAt.Unix(), c.UpdatedAt.Unix(), c.CreatedBy, c.UpdatedBy).Scan(&c.ID)
		if errors.Is(err, sql.ErrNoRows) {
			continue // slug taken
		}
		if err != nil {
			return Campaign{}, fmt.Errorf("store: create campaign %q: %w", slug, err)
		}
		c.Slug = slug
		break
	}
	if err := touchMedia(ctx, tx, c.Cover, c.UpdatedAt); err != nil {
		return Campaign{}, fmt.Errorf("store: create campaign %q: %w", c.Slug, err)
	}
	if audit.Target == "" {
		audit.Target = "chien-dich/" + c.Slug
	}
	if _, err := insertAudit(ctx, tx, audit); err != nil {
		return Campaign{}, fmt.Errorf("store: create campaign %q: audit: %w", c.Slug, err)
	}
	if err := db.commitNotify(ctx, tx, TopicCampaigns); err != nil {
		return Campaign{}, fmt.Errorf("store: create campaign %q: %w", c.Slug, err)
	}
	c.Version = 1
	c.CreatedAt, c.UpdatedAt = time.Unix(c.CreatedAt.Unix(), 0).UTC(), time.Unix(c.UpdatedAt.Unix(), 0).UTC()
	if !c.PublishedAt.IsZero() {
		c.PublishedAt = time.Unix(c.PublishedAt.Unix(), 0).UTC()
	}
	return c, nil
}

// UpdateCampaign saves the editable fields of c (Kind, Title, Summary,
// BodyMD, Cover, Status, PublishedAt, UpdatedAt, UpdatedBy) over the row
// with c.ID, whose version must still be c.Version (optimistic locking: two
// editors cannot silently overwrite each other; a mismatch is ErrConflict).
// The slug never changes, so links stay valid. It returns the saved row,
// with Version incremented. A changed, non-empty Cover must name a stored
// media file (else ErrMediaNotFound). audit is written in the same transaction;
// commit notifies TopicCampaigns.
func (db *DB) UpdateCampaign(ctx context.Context, c Campaign, audit AuditEntry) (Campaign, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return Campaign{}, fmt.Errorf("store: update campaign %d: %w", c.ID, err)
	}
	defer tx.Rollback()
	cur, err := scanCampaign(tx.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE id = ?`, c.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return Campaign{}, fmt.Errorf("store: update campaign %d: %w", c.ID, ErrNotFound)
	}
	if err != nil {
		return Campaign{}, fmt.Errorf("store: update campaign %d: %w", c.ID, err)
	}
	if cur.Version != c.Version {
		return Campaign{}, fmt.Errorf("store: update campaign %d: version %d, have %d: %w", c.ID, c.Version, cur.Version, ErrConflict)
	}
	if _, err := tx.ExecContext(ctx,
		`UPDATE campaigns SET kind = ?, title = ?, summary = ?, body_md = ?, cover = ?, status = ?,
		    published_at = ?, updated_at = ?, updated_by = ?, version = version + 1
		 WHERE id = ?`,
		c.Kind, c.Title, c.Summary, c.BodyMD, c.Cover, c.Status, nullTime(c.PublishedAt),
		c.UpdatedAt.Unix(), c.UpdatedBy, c.ID); err != nil {
		return Campaign{}, fmt.Errorf("store: update campaign %d: %w", c.ID, err)
	}
	if c.Cover != cur.Cover {
		if err := touchMedia(ctx, tx, c.Cover, c.UpdatedAt); err != nil {
			return Campaign{}, fmt.Errorf("store: update campaign %d: %w", c.ID, err)
		}
	}
	if audit.Target == "" {
		audit.Target = "chien-dich/" + cur.Slug
	}
	if _, err := insertAudit(ctx, tx, audit); err != nil {
		return Campaign{}, fmt.Errorf("store: update campaign %d: audit: %w", c.ID, err)
	}
	saved, err := scanCampaign(tx.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE id = ?`, c.ID))
	if err != nil {
		return Campaign{}, fmt.Errorf("store: update campaign %d: %w", c.ID, err)
	}
	if err := db.commitNotify(ctx, tx, TopicCampaigns); err != nil {
		return Campaign{}, fmt.Errorf("store: update campaign %d: %w", c.ID, err)
	}
	return saved, nil
}

// CampaignByID returns the campaign with that ID, or ErrNotFound.
func (db *DB) CampaignByID(ctx context.Context, id int64) (Campaign, error) {
	c, err := scanCampaign(db.sql.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Campaign{}, fmt.Errorf("store: campaign %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Campaign{}, fmt.Errorf("store: campaign %d: %w", id, err)
	}
	return c, nil
}

// CampaignBySlug returns the campaign with that slug, public or not, or
// ErrNotFound. Callers showing it to the public must check Public.
func (db *DB) CampaignBySlug(ctx context.Context, slug string) (Campaign, error) {
	c, err := scanCampaign(db.sql.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE slug = ?`, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return Campaign{}, fmt.Errorf("store: campaign %q: %w", slug, ErrNotFound)
	}
	if err != nil {
		return Campaign{}, fmt.Errorf("store: campaign %q: %w", slug, err)
	}
	return c, nil
}

// ListCampaigns returns every campaign, drafts and scheduled included,
// most recently edited first (the admin list).
func (db *DB) ListCampaigns(ctx context.Context) ([]Campaign, error) {
	return db.queryCampaigns(ctx, "list campaigns",
		`SELECT `+campaignColumns+` FROM campaigns ORDER BY updated_at DESC, id DESC`)
}

// ListPublicCampaigns returns up to limit campaigns public at now, newest
// publication first (limit <= 0: all).
func (db *DB) ListPublicCampaigns(ctx context.Context, now time.Time, limit int) ([]Campaign, error) {
	q := `SELECT ` + campaignColumns + ` FROM campaigns
		 WHERE status = 'published' AND published_at <= ?
		 ORDER BY published_at DESC, id DESC`
	if limit > 0 {
		return db.queryCampaigns(ctx, "list public campaigns", q+` LIMIT ?`, now.Unix(), limit)
	}
	return db.queryCampaigns(ctx, "list public campaigns", q, now.Unix())
}

func (db *DB) queryCampaigns(ctx context.Context, what, query string, args ...any) ([]Campaign, error) {
	rows, err := db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	var out []Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}
