package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/store"
)

// Seed values of SeedCases: what the inbox benchmarks filter on.
var (
	SeedStatuses   = []string{"new", "verifying", "referred", "closed"}
	SeedCategories = []string{"mua-ban", "to-chuc-su-dung", "tang-tru-van-chuyen", "trong-cay", "ban-tren-mang", "khac"}
	SeedAreas      = []string{"phuong-thai-binh", "phuong-tran-lam", "phuong-tran-hung-dao", "phuong-tra-ly", "phuong-vu-phuc",
		"dong-hung", "hung-ha", "kien-xuong", "quynh-phu", "thai-thuy", "tien-hai", "vu-thu"}
	SeedAssignees = []string{"", "hung", "lan", "tuan", "minh", "hoa", "nam", "thu", "binh"}
)

// SeedCases inserts n cases of desk into db, received over the three years
// before end (one per 15 minutes or so, newest last), in multi-row inserts
// (fast on both engines): statuses 10% new, 20% verifying, 20% referred,
// 50% closed; 6 categories, 12 areas, 8 assignees and unassigned; 2%
// unread; every case but the new ones answered within a day. Content is a
// 600-byte blob, the size of a sealed tip. The same seed gives the same
// rows. It is for benchmarks of the inbox at scale; analyze runs ANALYZE
// afterwards (statistics for the planner, which a portal's SQLite file does
// not have unless an operator ran it) and, on PostgreSQL, VACUUM (what
// autovacuum does to a live table).
func SeedCases(tb testing.TB, db *store.DB, desk string, n int, end time.Time, seed uint64, analyze bool) {
	tb.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	content := []byte(`{"description":"` + strings.Repeat("x", 560) + `"}`)
	span := int64(3 * 365 * 24 * 3600)
	const cols = 12
	const chunk = 500
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	for start := 0; start < n; start += chunk {
		rows := min(chunk, n-start)
		var q strings.Builder
		q.WriteString(`INSERT INTO cases (submission_id, desk, kind, category, area, status, outcome, received_at, assignee, unread, first_response_at, updated_at) VALUES `)
		args := make([]any, 0, rows*cols)
		for i := 0; i < rows; i++ {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteByte('(')
			for j := 0; j < cols; j++ {
				if j > 0 {
					q.WriteString(", ")
				}
				if db.Engine() == "postgres" {
					fmt.Fprintf(&q, "$%d", len(args)+j+1)
				} else {
					q.WriteByte('?')
				}
			}
			q.WriteByte(')')
			k := start + i
			received := end.Unix() - span + span*int64(k)/int64(n)
			received -= received % 60
			status := SeedStatuses[3]
			switch p := rng.IntN(10); {
			case p == 0:
				status = SeedStatuses[0]
			case p < 3:
				status = SeedStatuses[1]
			case p < 5:
				status = SeedStatuses[2]
			}
			outcome := ""
			var first any
			if status != "new" {
				first = received + int64(rng.IntN(24*3600))
			}
			if status == "closed" {
				outcome = "da-xu-ly"
			}
			args = append(args, fmt.Sprintf("seed-%s-%d-%07d", desk, seed, k), desk, "tip",
				SeedCategories[rng.IntN(len(SeedCategories))], SeedAreas[rng.IntN(len(SeedAreas))], status, outcome,
				received, SeedAssignees[rng.IntN(len(SeedAssignees))], rng.IntN(50) == 0, first, received)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			tb.Fatalf("seed cases: %v", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO case_contents (case_id, content)
		SELECT id, `+map[bool]string{true: "$1", false: "?"}[db.Engine() == "postgres"]+` FROM cases
		WHERE submission_id LIKE 'seed-%' AND NOT EXISTS (SELECT 1 FROM case_contents t WHERE t.case_id = cases.id)`, content); err != nil {
		tb.Fatalf("seed case contents: %v", err)
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	if err := db.RecountCases(ctx); err != nil {
		tb.Fatal(err)
	}
	if analyze {
		// As autovacuum leaves a PostgreSQL table: statistics, and the
		// visibility map that lets index-only scans skip the heap.
		stmt := `ANALYZE`
		if db.Engine() == "postgres" {
			stmt = `VACUUM ANALYZE cases`
		}
		if _, err := db.SQL().ExecContext(ctx, stmt); err != nil {
			tb.Fatal(err)
		}
	}
}
