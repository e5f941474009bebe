package search

import (
	"context"
	"fmt"
)

// syncBatch is how many documents Sync puts at a time.
const syncBatch = 500

// SyncStats says what Sync changed.
type SyncStats struct {
	Put, Deleted, Unchanged int
}

// Sync brings idx up to date with docs, the complete current set: it puts
// every document that is new or changed (by fingerprint, which includes the
// AnalysisVersion) and deletes every stored document whose slug is not in
// docs. It is what the portal runs on start. Errors are wrapped with the step
// that failed; a Doc without a slug fails with ErrNoSlug.
func Sync(ctx context.Context, idx Index, docs []Doc) (SyncStats, error) {
	return SyncKeeping(ctx, idx, docs, nil)
}

// SyncKeeping is Sync that leaves alone the stored documents for which keep
// returns true even when docs lacks them: documents another part of the
// portal puts and deletes itself (campaigns, slugs "chien-dich/…", which the
// press office indexes when it publishes). keep may be nil.
func SyncKeeping(ctx context.Context, idx Index, docs []Doc, keep func(slug string) bool) (SyncStats, error) {
	var st SyncStats
	stored, err := idx.Fingerprints(ctx)
	if err != nil {
		return st, fmt.Errorf("search: sync: list stored documents: %w", err)
	}
	want := make(map[string]bool, len(docs))
	var batch []Doc
	for _, d := range docs {
		p, err := prepare(d)
		if err != nil {
			return st, fmt.Errorf("search: sync: %w", err)
		}
		want[p.Slug] = true
		if stored[p.Slug] == fingerprint(p) {
			st.Unchanged++
			continue
		}
		batch = append(batch, p)
		if len(batch) == syncBatch {
			if err := idx.Put(ctx, batch...); err != nil {
				return st, fmt.Errorf("search: sync: put: %w", err)
			}
			st.Put += len(batch)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		if err := idx.Put(ctx, batch...); err != nil {
			return st, fmt.Errorf("search: sync: put: %w", err)
		}
		st.Put += len(batch)
	}
	var stale []string
	for slug := range stored {
		if !want[slug] && (keep == nil || !keep(slug)) {
			stale = append(stale, slug)
		}
	}
	if len(stale) > 0 {
		if err := idx.Delete(ctx, stale...); err != nil {
			return st, fmt.Errorf("search: sync: delete stale: %w", err)
		}
		st.Deleted = len(stale)
	}
	return st, nil
}
