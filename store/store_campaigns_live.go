package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// CampaignVersion is what a search index needs to know to follow the
// campaigns: which exist, at which version, and whether they are public.
type CampaignVersion struct {
	ID      int64
	Slug    string
	Version int64
	Status  string    // StatusDraft or StatusPublished
	At      time.Time // PublishedAt; zero for drafts
}

// Public reports whether the campaign is visible to the public at now
// (as Campaign.Public).
func (v CampaignVersion) Public(now time.Time) bool {
	return v.Status == StatusPublished && !v.At.IsZero() && !v.At.After(now)
}

// CampaignVersions returns the id, slug, version and publication state of
// every campaign, by id: one light query that each instance runs to bring
// its own search index in step (press.Office.SyncIndex).
func (db *DB) CampaignVersions(ctx context.Context) ([]CampaignVersion, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, slug, version, status, published_at FROM campaigns ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: campaign versions: %w", err)
	}
	defer rows.Close()
	var out []CampaignVersion
	for rows.Next() {
		var v CampaignVersion
		var at sql.NullInt64
		if err := rows.Scan(&v.ID, &v.Slug, &v.Version, &v.Status, &at); err != nil {
			return nil, fmt.Errorf("store: campaign versions: %w", err)
		}
		if at.Valid {
			v.At = time.Unix(at.Int64, 0).UTC()
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: campaign versions: %w", err)
	}
	return out, nil
}

// GoLiveDue records, in one transaction, that the scheduled campaigns
// whose time has come by now went live: those published for a time after
// their last save (so they were scheduled, not published at once), public
// at now, whose current version's going live is not recorded yet. For
// each it writes the audit entry "campaign.go_live" by actor with target
// "chien-dich/<slug>", and the commit notifies TopicCampaigns so that
// every instance's search index and page cache follow. It returns the
// campaigns recorded, oldest first.
//
// Run it under the scheduler's cluster lock (LockScheduler): it is correct
// without (the marks make a second run find nothing), but the lock keeps
// instances from racing for the same rows.
func (db *DB) GoLiveDue(ctx context.Context, now time.Time, actor string) ([]Campaign, error) {
	tx, err := db.begin(ctx, "go live")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+campaignColumns+` FROM campaigns
		 WHERE status = 'published' AND published_at <= ? AND published_at > updated_at
		   AND (golive_version IS NULL OR golive_version <> version)
		 ORDER BY published_at, id`, now.Unix())
	if err != nil {
		return nil, fmt.Errorf("store: go live: %w", err)
	}
	var due []Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: go live: %w", err)
		}
		due = append(due, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: go live: %w", err)
	}
	if len(due) == 0 {
		return nil, nil
	}
	for _, c := range due {
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET golive_version = version WHERE id = ?`, c.ID); err != nil {
			return nil, fmt.Errorf("store: go live %q: %w", c.Slug, err)
		}
		if _, err := insertAudit(ctx, tx, AuditEntry{At: now, Actor: actor, Action: "campaign.go_live", Target: "chien-dich/" + c.Slug}); err != nil {
			return nil, fmt.Errorf("store: go live %q: audit: %w", c.Slug, err)
		}
	}
	if err := db.commitNotify(ctx, tx, TopicCampaigns); err != nil {
		return nil, fmt.Errorf("store: go live: %w", err)
	}
	return due, nil
}
