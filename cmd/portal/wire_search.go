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
// analyser version is rebuilt. It logs what it did (counts, engine, time).
func openIndex(ctx context.Context, cfg Config, lib *content.Library, log *slog.Logger) (search.Index, error) {
	start := time.Now()
	var idx search.Index
	engine := "bleve"
	if cfg.MeiliURL != "" {
		engine = "meilisearch"
		m, err := search.OpenMeili(cfg.MeiliURL, cfg.MeiliAPIKey, meiliIndexName)
		if err != nil {
			return nil, err
		}
		idx = m
	} else {
		dir := filepath.Join(cfg.DataDir, "search", "bleve")
		b, err := search.OpenBleve(dir)
		if err != nil {
			return nil, err
		}
		idx = b
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
