package press

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/ratelimit"
	"github.com/thaibinh-pcmt/portal/search"
	"github.com/thaibinh-pcmt/portal/store"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

// Two Offices on one PostgreSQL schema, each with its own Bleve index,
// stand for two instances: a scheduled campaign goes live once for the
// cluster (one audit entry, however many passes on however many
// instances), and both indexes get it; an unpublish on one leaves the
// other's index at its next notification.
func TestScheduledGoLiveOncePerCluster(t *testing.T) {
	url := storetest.PostgresURL(t)
	ctx := context.Background()
	clk := &clock{t: t0}
	type instance struct {
		o   *Office
		idx search.Index
	}
	var inst []instance
	for range 2 {
		db, err := store.OpenPostgres(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		idx, err := search.OpenBleve(filepath.Join(t.TempDir(), "bleve"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { idx.Close() })
		o, err := New(Config{DB: db, Index: idx, Limiter: ratelimit.NewMemory(), Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		fctx, cancel := context.WithCancel(ctx)
		t.Cleanup(cancel)
		go o.FollowChanges(fctx)
		inst = append(inst, instance{o, idx})
	}
	// Instance 1's page cache stands behind OnChange.
	var invalidated atomic.Int32
	inst[1].o.OnChange(func() { invalidated.Add(1) })
	time.Sleep(200 * time.Millisecond) // the listener's first Resync
	invalidated.Store(0)
	found := func(idx search.Index) bool {
		res, err := idx.Search(ctx, search.Query{Text: "le ra quan toan tinh"})
		return err == nil && res.Total > 0
	}
	p := Principal{Username: "lan", Role: RolePress}
	c, err := inst[0].o.CreateCampaign(ctx, p, CampaignInput{Title: "Lễ ra quân toàn tỉnh", BodyMD: "Nội dung.", Status: "published",
		PublishAt: FormatPublishAt(t0.Add(2 * time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(3 * time.Hour)
	// Several passes on both instances, some at once.
	done := make(chan struct{})
	for i := range 6 {
		go func() {
			ticks := make(chan time.Time)
			pctx, cancel := context.WithCancel(ctx)
			go inst[i%2].o.RunScheduler(pctx, ticks, func(int, error) { cancel() })
			<-pctx.Done()
			done <- struct{}{}
		}()
	}
	for range 6 {
		<-done
	}
	audit, err := inst[1].o.Audit(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	lives := 0
	for _, e := range audit {
		if e.Action == "campaign.go_live" {
			lives++
		}
	}
	if lives != 1 {
		t.Fatalf("%d go-live entries, want 1: %+v", lives, audit)
	}
	for i, in := range inst {
		if !found(in.idx) {
			t.Errorf("instance %d's index lacks the campaign that went live", i)
		}
	}
	// Unpublish on instance 0: instance 1's index and page cache follow
	// the notification. (The go-live's own notifications settle first.)
	time.Sleep(300 * time.Millisecond)
	before := invalidated.Load()
	if _, err := inst[0].o.Unpublish(ctx, p, c.ID, c.Version); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for found(inst[1].idx) || invalidated.Load() == before {
		if time.Now().After(deadline) {
			t.Fatalf("after 2 s: instance 1's index still holds the unpublished campaign %v, its page cache invalidated %d times", found(inst[1].idx), invalidated.Load()-before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
