package retention_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/retention"
	"github.com/thaibinh-pcmt/portal/store"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

func TestEmbeddedPolicy(t *testing.T) {
	p, err := retention.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if p.Days("tip") != 365 || p.Days("rehab-enquiry") != 365 || p.Days("other") != 365 || p.OpenFlagDays != 730 {
		t.Errorf("embedded policy: %+v", p)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "retention.yaml"), []byte("default_closed_days: 30\nclosed_days: {tip: 0}\nopen_flag_days: 90\n"), 0o600)
	if p, err = retention.Load(dir); err != nil || p.Days("tip") != 0 || p.Days("rehab-enquiry") != 30 || p.From != filepath.Join(dir, "retention.yaml") {
		t.Errorf("data-dir policy: %+v %v", p, err)
	}
	os.WriteFile(filepath.Join(dir, "retention.yaml"), []byte("default_closed_days: -1\nopen_flag_days: 90\n"), 0o600)
	if _, err := retention.Load(dir); err == nil {
		t.Error("a negative period was accepted")
	}
}

// TestSweepPeriodZero: with the tip period set to zero, a closed tip's
// content is gone after the sweep (the case, its content and its history:
// rows, not a flag) and not in the SQLite files either; its monthly count
// remains; an open tip and a closed enquiry (365 days) stay.
func TestSweepPeriodZero(t *testing.T) {
	run := func(t *testing.T, db *store.DB, files func() [][]byte) {
		ctx := context.Background()
		received := time.Date(2026, 3, 31, 20, 0, 0, 0, time.UTC) // 1 April in Vietnam
		secret := []byte(`{"description":"Noidungphaixoa 0936 482 715"}`)
		_, err := db.CreateCases(ctx, []store.NewCase{
			{SubmissionID: "s-closed", Desk: "police", Kind: "tip", Category: "mua-ban", Area: "vu-thu", Status: "closed", ReceivedAt: received, Content: secret},
			{SubmissionID: "s-open", Desk: "police", Kind: "tip", Category: "mua-ban", Area: "vu-thu", Status: "new", ReceivedAt: received, Content: []byte(`{"description":"mo"}`)},
			{SubmissionID: "s-enq", Desk: "social-affairs", Kind: "rehab-enquiry", Category: "heroin", Area: "dong-hung", Status: "closed", ReceivedAt: received, Content: []byte(`{"contact_name":"x"}`)},
		}, received)
		if err != nil {
			t.Fatal(err)
		}
		closed, _ := db.CaseBySubmission(ctx, "s-closed")
		p := retention.Policy{DefaultClosedDays: 365, ClosedDays: map[string]int{"tip": 0}, OpenFlagDays: 730}
		r, err := retention.Sweep(ctx, db, p, []string{"tip", "rehab-enquiry"}, "closed", received.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if r.Deleted["tip"] != 1 || r.Deleted["rehab-enquiry"] != 0 {
			t.Errorf("deleted %v, want one tip", r.Deleted)
		}
		if _, err := db.CaseByID(ctx, "police", closed.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("closed tip after the sweep: %v", err)
		}
		if evs, err := db.CaseEvents(ctx, "police", closed.ID); err != nil || len(evs) != 0 {
			t.Errorf("its history: %d events, %v", len(evs), err)
		}
		for _, id := range []string{"s-open", "s-enq"} {
			if _, err := db.CaseBySubmission(ctx, id); err != nil {
				t.Errorf("%s was deleted: %v", id, err)
			}
		}
		counts, err := db.MonthlyCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.MonthlyCount{
			{Month: "2026-04", Kind: "rehab-enquiry", Category: "heroin", Area: "dong-hung", N: 1},
			{Month: "2026-04", Kind: "tip", Category: "mua-ban", Area: "vu-thu", N: 2},
		}
		if len(counts) != len(want) || counts[0] != want[0] || counts[1] != want[1] {
			t.Errorf("monthly counts %+v, want %+v", counts, want)
		}
		// Open past the flag limit (a year later, the open tip).
		r, err = retention.Sweep(ctx, db, p, []string{"tip"}, "closed", received.AddDate(2, 1, 0))
		if err != nil || r.OpenTooLong["police"] != 1 {
			t.Errorf("open too long: %v %v", r.OpenTooLong, err)
		}
		for i, b := range files() {
			if bytes.Contains(b, []byte("Noidungphaixoa")) {
				t.Errorf("file %d still holds the deleted text", i)
			}
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "portal.db")
		db, err := store.OpenSQLite(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		run(t, db, func() [][]byte {
			var out [][]byte
			for _, p := range []string{path, path + "-wal"} {
				if b, err := os.ReadFile(p); err == nil {
					out = append(out, b)
				}
			}
			if len(out) == 0 {
				t.Fatal("no database file read")
			}
			return out
		})
	})
	t.Run("postgres", func(t *testing.T) {
		run(t, storetest.Open(t, "postgres"), func() [][]byte { return nil })
	})
}
