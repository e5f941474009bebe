package search

import (
	"context"
	"fmt"
	"os"
	"testing"
)

func TestTopKDebug(t *testing.T) {
	dir := os.Getenv("TOPK_DEBUG_DIR")
	if dir == "" {
		t.Skip()
	}
	b, err := OpenBleve(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.SetResultCache(0)
	docs := corpusDocs(t, "seed", 50000)
	qs := benchQueries(docs)
	for _, kind := range []string{"accent-free", "accents"} {
		for _, text := range qs[kind][:5] {
			topkStats = map[string]int{}
			r, err := b.Search(context.Background(), Query{Text: text})
			if err != nil {
				t.Fatal(err)
			}
			fmt.Println(kind, text, r.Total, topkStats)
		}
	}
}
