package main

import (
	"context"
	"log/slog"

	"github.com/thaibinh-pcmt/portal/content"
	"github.com/thaibinh-pcmt/portal/search"
)

// openIndex opens the search engine that cfg selects (Meilisearch when
// MEILI_URL is set, else Bleve under the data dir) and brings it up to date
// with lib. Owned by the search work; this placeholder returns no index.
func openIndex(ctx context.Context, cfg Config, lib *content.Library, log *slog.Logger) (search.Index, error) {
	return nil, nil
}
