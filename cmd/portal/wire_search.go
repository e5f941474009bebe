package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/thaibinh-pcmt/portal/content"
	"github.com/thaibinh-pcmt/portal/handlers"
	"github.com/thaibinh-pcmt/portal/search"
)

// meiliIndexName is the Meilisearch index the portal uses.
const meiliIndexName = "portal"

// campaignSlugPrefix marks the search documents of campaigns, which the
// press office puts and deletes itself; Sync on start leaves them alone.
const campaignSlugPrefix = "chien-dich/"

// openIndex opens the search engine that cfg selects (Meilisearch when
// MEILI_URL is set, else Bleve under DATA_DIR/search/bleve) and brings it up
// to date with lib: new and changed documents are put, documents no longer
// in lib deleted, unchanged ones skipped; an index built by another
// analyser version is rebuilt. It logs what it did (counts, engine, time)
// and returns the engine's name ("meilisearch" or "bleve").
//
// With several instances, Meilisearch is one index shared by all; Bleve is
// one per instance (in its data dir), and each follows campaign changes
// from the database (press.Office.FollowChanges).
func openIndex(ctx context.Context, cfg Config, lib *content.Library, log *slog.Logger) (search.Index, string, error) {
	if cfg.MeiliURL != "" {
		idx, err := openAndSync(ctx, "meilisearch", lib, log, func() (search.Index, error) {
			return search.OpenMeili(cfg.MeiliURL, cfg.MeiliAPIKey, meiliIndexName)
		})
		if err == nil {
			return idx, "meilisearch", nil
		}
		// A search engine that is down (or slow to boot) must not keep the
		// portal, and with it the tip forms, from starting: search falls
		// back to the embedded index until the next start.
		log.Error("Meilisearch unavailable: using the embedded Bleve index until the next start", "err", err)
	}
	idx, err := openAndSync(ctx, "bleve", lib, log, func() (search.Index, error) {
		return search.OpenBleve(filepath.Join(cfg.DataDir, "search", "bleve"))
	})
	return idx, "bleve", err
}

// openAndSync opens one engine and brings it up to date with lib, keeping
// the campaigns the press office indexed itself.
func openAndSync(ctx context.Context, engine string, lib *content.Library, log *slog.Logger, open func() (search.Index, error)) (search.Index, error) {
	start := time.Now()
	idx, err := open()
	if err != nil {
		return nil, err
	}
	st, err := search.SyncKeeping(ctx, idx, handlers.SearchDocs(lib), func(slug string) bool {
		return strings.HasPrefix(slug, campaignSlugPrefix)
	})
	if err != nil {
		idx.Close()
		return nil, fmt.Errorf("bring the %s index up to date: %w", engine, err)
	}
	log.Info("search index up to date", "engine", engine, "put", st.Put, "deleted", st.Deleted,
		"unchanged", st.Unchanged, "took", time.Since(start).Round(time.Millisecond))
	return idx, nil
}
