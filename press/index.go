package press

import (
	"context"
	"fmt"
	"strings"

	"github.com/thaibinh-pcmt/portal/content"
	"github.com/thaibinh-pcmt/portal/search"
	"github.com/thaibinh-pcmt/portal/store"
)

// URLPrefix is the path of the public campaign pages: a campaign's page
// is URLPrefix + "/" + its slug.
const URLPrefix = "/chien-dich"

// URL is the public path of campaign c.
func URL(c store.Campaign) string { return URLPrefix + "/" + c.Slug }

// searchSlugPrefix starts the search key of every campaign.
const searchSlugPrefix = "chien-dich/"

// SearchSlug is the key of campaign c in the search index.
func SearchSlug(c store.Campaign) string { return searchSlugPrefix + c.Slug }

// Document types of campaigns as written (the same strings as
// content.TypeCampaign and content.TypeArticle).
const (
	TypeCampaign = "Chiến dịch"
	TypeArticle  = "Bài viết"
)

// TypeName is the document type of c as written: "Chiến dịch" or "Bài viết".
func TypeName(c store.Campaign) string {
	if c.Kind == store.KindArticle {
		return TypeArticle
	}
	return TypeCampaign
}

// SearchDoc maps campaign c to the search index's document.
func SearchDoc(c store.Campaign) search.Doc {
	d := search.Doc{
		Slug:    SearchSlug(c),
		Type:    TypeName(c),
		Title:   c.Title,
		Summary: c.Summary,
		URL:     URL(c),
	}
	if !c.PublishedAt.IsZero() {
		d.Year = c.PublishedAt.In(Location).Year()
	}
	if body := content.PlainText(c.BodyMD); body != "" {
		d.Sections = []search.Section{{Text: body}}
	}
	if d.Summary == "" {
		d.Summary = firstWords(content.PlainText(c.BodyMD), 200)
	}
	return d
}

// firstWords returns s cut at a word boundary to at most n runes, with an
// ellipsis when cut.
func firstWords(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > 0 {
		cut = cut[:i]
	}
	return cut + "…"
}

// indexedCampaign is what this Office's index holds of one campaign.
type indexedCampaign struct {
	version int64
	slug    string
}

// syncOne brings the search index in step with campaign id now. A failure
// is logged and left for the scheduler, whose every pass (SyncIndex)
// retries every campaign out of step.
func (o *Office) syncOne(ctx context.Context, id int64) {
	if o.index == nil {
		return
	}
	o.syncMu.Lock()
	defer o.syncMu.Unlock()
	c, err := o.db.CampaignByID(ctx, id)
	if err != nil {
		o.log.Error("search sync: load campaign", "id", id, "err", err)
		return
	}
	v := store.CampaignVersion{ID: c.ID, Slug: c.Slug, Version: c.Version, Status: c.Status, At: c.PublishedAt}
	if _, err := o.syncLocked(ctx, v, &c); err != nil {
		o.log.Warn("search sync failed; the scheduler will retry", "slug", c.Slug, "err", err)
	}
}

// syncLocked puts or deletes campaign v in this Office's index as its state
// at now requires, and records what the index holds; full is the campaign
// when the caller has it already (else it is loaded for a put). It
// reports whether it changed the index. syncMu must be held.
func (o *Office) syncLocked(ctx context.Context, v store.CampaignVersion, full *store.Campaign) (bool, error) {
	have, held := o.indexed[v.ID]
	if v.Public(o.now()) {
		if held && have.version == v.Version {
			return false, nil
		}
		if full == nil || full.Version != v.Version {
			c, err := o.db.CampaignByID(ctx, v.ID)
			if err != nil {
				return false, err
			}
			if !c.Public(o.now()) {
				return false, nil // changed meanwhile; the next pass sees it
			}
			full = &c
		}
		if err := o.index.Put(ctx, SearchDoc(*full)); err != nil {
			return false, err
		}
		o.indexed[v.ID] = indexedCampaign{version: full.Version, slug: full.Slug}
		return true, nil
	}
	if !held {
		return false, nil
	}
	if err := o.index.Delete(ctx, SearchSlug(store.Campaign{Slug: have.slug})); err != nil {
		return false, err
	}
	delete(o.indexed, v.ID)
	return true, nil
}

// SyncIndex brings this Office's search index in step with the campaigns
// of the shared database: the public ones it lacks or holds at an older
// version are put (edits, publications on any instance, scheduled ones
// whose time has come), the ones no longer public are deleted. It reads
// one light row per campaign (store.CampaignVersions) and loads only what
// it puts. It returns how many it changed; the first error is returned
// after trying all of them. Every instance runs it on every change
// notification (FollowChanges) and at every scheduler tick.
func (o *Office) SyncIndex(ctx context.Context) (int, error) {
	if o.index == nil {
		return 0, nil
	}
	o.syncMu.Lock()
	defer o.syncMu.Unlock()
	vs, err := o.db.CampaignVersions(ctx)
	if err != nil {
		return 0, err
	}
	var first error
	n := 0
	seen := make(map[int64]bool, len(vs))
	for _, v := range vs {
		seen[v.ID] = true
		changed, err := o.syncLocked(ctx, v, nil)
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		if changed {
			n++
		}
	}
	// Campaigns are never deleted today; should one be, its entry goes.
	for id, have := range o.indexed {
		if !seen[id] {
			if err := o.index.Delete(ctx, SearchSlug(store.Campaign{Slug: have.slug})); err != nil && first == nil {
				first = err
			}
			delete(o.indexed, id)
			n++
		}
	}
	return n, first
}

// Reindex makes this Office's search index hold exactly the public
// campaigns, for use at start: the index may have been rebuilt (new
// analyser version, new engine) without them, or (on an instance that was
// down) still hold campaigns unpublished meanwhile. It deletes every
// campaign entry ("chien-dich/…") that is not public now and puts every
// public one. It returns how many it put.
func (o *Office) Reindex(ctx context.Context) (int, error) {
	if o.index == nil {
		return 0, nil
	}
	stored, err := o.index.Fingerprints(ctx)
	if err != nil {
		return 0, fmt.Errorf("press: reindex: %w", err)
	}
	vs, err := o.db.CampaignVersions(ctx)
	if err != nil {
		return 0, fmt.Errorf("press: reindex: %w", err)
	}
	public := map[string]bool{}
	now := o.now()
	for _, v := range vs {
		if v.Public(now) {
			public[SearchSlug(store.Campaign{Slug: v.Slug})] = true
		}
	}
	var stale []string
	for slug := range stored {
		if strings.HasPrefix(slug, searchSlugPrefix) && !public[slug] {
			stale = append(stale, slug)
		}
	}
	if len(stale) > 0 {
		if err := o.index.Delete(ctx, stale...); err != nil {
			return 0, fmt.Errorf("press: reindex: %w", err)
		}
	}
	o.syncMu.Lock()
	o.indexed = map[int64]indexedCampaign{}
	o.syncMu.Unlock()
	return o.SyncIndex(ctx)
}

// FollowChanges keeps this instance in step with campaign changes made
// on any instance: it subscribes to store.TopicCampaigns (PostgreSQL's
// LISTEN/NOTIFY, so an edit on one instance reaches the others within
// milliseconds; on SQLite the notification stays in process) and on every
// notification — and after the listener reconnects (Change.Resync) — runs
// SyncIndex for this instance's search index and then the OnChange
// functions, which invalidate this instance's page cache. It returns when
// ctx ends. Index failures are logged and retried at the next
// notification or scheduler tick.
func (o *Office) FollowChanges(ctx context.Context) {
	for range o.db.Subscribe(ctx, store.TopicCampaigns) {
		if _, err := o.SyncIndex(ctx); err != nil && ctx.Err() == nil {
			o.log.Warn("search: following a campaign change failed; the scheduler retries", "err", err)
		}
		o.changed()
	}
}
