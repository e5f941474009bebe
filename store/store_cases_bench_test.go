package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/store"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

// inboxBenchEnd is "now" of the inbox benchmarks: the newest seeded case.
var inboxBenchEnd = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)

// inboxFilters are the inbox pages the benchmark asks for: what a desk
// officer clicks through in a day. Each is one ListCases call (the page of
// 50, the total and the counts per status).
var inboxFilters = []struct {
	name string
	f    store.CaseFilter
}{
	{"all-oldest-first", store.CaseFilter{}},
	{"all-newest-first", store.CaseFilter{NewestFirst: true}},
	{"status-new", store.CaseFilter{Status: "new"}},
	{"status-verifying-area", store.CaseFilter{Status: "verifying", Area: "vu-thu"}},
	{"category-area-newest", store.CaseFilter{Category: "mua-ban", Area: "tien-hai", NewestFirst: true}},
	{"assignee-open", store.CaseFilter{Assignee: "lan", Status: "verifying"}},
	{"unassigned", store.CaseFilter{Unassigned: true}},
	{"overdue-48h", store.CaseFilter{AwaitingBefore: inboxBenchEnd.Add(-48 * time.Hour)}},
	{"unread", store.CaseFilter{Unread: true}},
	{"last-month", store.CaseFilter{ReceivedFrom: inboxBenchEnd.AddDate(0, -1, 0), ReceivedBefore: inboxBenchEnd}},
	{"month-status-area", store.CaseFilter{ReceivedFrom: inboxBenchEnd.AddDate(0, -6, 0), ReceivedBefore: inboxBenchEnd, Status: "closed", Area: "dong-hung"}},
	{"page-200", store.CaseFilter{Offset: 199 * 50}},
}

// BenchmarkInboxPage measures one filtered inbox page (50 cases, the total
// and the per-status counts) of a desk holding 100,000 cases, beside
// 20,000 of the other desk, on each engine: SQLite without planner
// statistics (a portal never runs ANALYZE on it), PostgreSQL with them
// (autovacuum gathers them). Besides ns/op it reports the
// p50 and p99 of the calls in ms. Command and figures: docs/performance.md.
func BenchmarkInboxPage(b *testing.B) {
	ctx := context.Background()
	for _, eng := range storetest.Engines {
		b.Run(eng, func(b *testing.B) {
			db := storetest.Open(b, eng)
			storetest.SeedCases(b, db, "police", 100_000, inboxBenchEnd, 1, false)
			storetest.SeedCases(b, db, "social-affairs", 20_000, inboxBenchEnd, 2, eng == "postgres")
			for _, tc := range inboxFilters {
				b.Run(tc.name, func(b *testing.B) {
					f := tc.f
					f.Desk, f.Limit, f.Statuses = "police", 50, storetest.SeedStatuses
					if p, err := db.ListCases(ctx, f); err != nil || len(p.Cases) == 0 {
						b.Fatalf("%s: %d cases, %v", tc.name, len(p.Cases), err)
					}
					durs := make([]time.Duration, 0, b.N)
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						t0 := time.Now()
						if _, err := db.ListCases(ctx, f); err != nil {
							b.Fatal(err)
						}
						durs = append(durs, time.Since(t0))
					}
					b.StopTimer()
					reportPercentiles(b, durs)
				})
			}
		})
	}
}

// reportPercentiles adds the p50 and p99 of durs, in ms, to the result.
func reportPercentiles(b *testing.B, durs []time.Duration) {
	if len(durs) == 0 {
		return
	}
	slices.Sort(durs)
	pct := func(p float64) float64 {
		i := int(float64(len(durs)-1) * p)
		return float64(durs[i].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// TestInboxPlansUseIndexes: on SQLite, every inbox filter of the benchmark
// is answered from an index of cases (no full scan of the table).
func TestInboxPlansUseIndexes(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	storetest.SeedCases(t, db, "police", 2_000, inboxBenchEnd, 1, false)
	for _, tc := range inboxFilters {
		f := tc.f
		f.Desk, f.Statuses = "police", storetest.SeedStatuses
		plan, err := db.ExplainListCases(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range plan {
			if strings.HasSuffix(line, " SCAN cases") {
				t.Errorf("%s: full scan of cases:\n%v", tc.name, plan)
			}
		}
		t.Logf("%s: %v", tc.name, fmt.Sprint(plan))
	}
}
