package search

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestZZQueries(t *testing.T) {
	if os.Getenv("ZZ") == "" {
		t.Skip()
	}
	b, err := OpenBleve("/tmp/sb/idx/seed-50000")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.SetResultCache(0)
	ctx := context.Background()
	if err := b.warmHot(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range strings.Split(os.Getenv("ZZ"), "|") {
		var lat []time.Duration
		served := b.topkServed.Load()
		var r Result
		for range reps() {
			s := time.Now()
			r, err = b.Search(ctx, Query{Text: q})
			if err != nil {
				t.Fatal(err)
			}
			lat = append(lat, time.Since(s))
		}
		slices.Sort(lat)
		p := Parse(q)
		fmt.Printf("%-28q topk=%v total=%d min=%v med=%v terms=%d nums=%d numyears=%d written=%d typenums=%d phrases=%d syn=%d\n", q, b.topkServed.Load() > served, r.Total, lat[0], lat[len(lat)/2],
			len(p.Terms), len(p.Numbers), len(p.NumberYears), len(p.Written), len(p.TypeNumbers), len(p.Phrases), len(p.Synonyms))
	}
}

func reps() int {
	if os.Getenv("ZZN") != "" {
		return 200
	}
	return 15
}
