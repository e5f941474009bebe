package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/store"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

// A campaign write notifies TopicCampaigns to a subscriber; a Publish does
// too; a cancelled subscription is closed.
func TestChangeNotifications(t *testing.T) { storetest.ForEach(t, testChangeNotifications) }

func testChangeNotifications(t *testing.T, db *store.DB) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := db.Subscribe(ctx, store.TopicCampaigns)
	other := db.Subscribe(ctx, "something-else")
	drain(ch) // PostgreSQL's first Resync
	drain(other)

	c, err := db.CreateCampaign(ctx, store.Campaign{Slug: "tin", Kind: store.KindCampaign, Title: "Tin", Status: store.StatusDraft,
		CreatedAt: t0, UpdatedAt: t0, CreatedBy: "lan", UpdatedBy: "lan"}, store.AuditEntry{})
	if err != nil {
		t.Fatal(err)
	}
	expectChange(t, ch, store.TopicCampaigns)
	c.Status, c.PublishedAt, c.UpdatedAt = store.StatusPublished, t0, t0
	if _, err := db.UpdateCampaign(ctx, c, store.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	expectChange(t, ch, store.TopicCampaigns)
	// A failed write notifies nothing.
	if _, err := db.UpdateCampaign(ctx, c, store.AuditEntry{}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	expectNoChange(t, ch)
	select {
	case got := <-other:
		t.Fatalf("other topic heard %+v", got)
	default:
	}
	if err := db.Publish(ctx, "something-else"); err != nil {
		t.Fatal(err)
	}
	expectChange(t, other, "something-else")
	expectNoChange(t, ch)

	cancel()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("subscription not closed after its context ended")
		}
	}
}

// Two handles on one PostgreSQL schema stand for two instances: a write
// through one is heard by the other's subscriber.
func TestChangeNotificationsAcrossInstances(t *testing.T) {
	url := storetest.PostgresURL(t)
	ctx := context.Background()
	a, err := store.OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := store.OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ch := b.Subscribe(ctx, store.TopicCampaigns)
	if c := <-ch; !c.Resync {
		t.Fatalf("first change after LISTEN = %+v, want a Resync", c)
	}
	start := time.Now()
	if _, err := a.CreateCampaign(ctx, store.Campaign{Slug: "tin", Kind: store.KindCampaign, Title: "Tin", Status: store.StatusDraft,
		CreatedAt: t0, UpdatedAt: t0, CreatedBy: "lan", UpdatedBy: "lan"}, store.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	expectChange(t, ch, store.TopicCampaigns)
	t.Logf("heard on the other instance after %v", time.Since(start))
}

func drain(ch <-chan store.Change) {
	for {
		select {
		case <-ch:
		case <-time.After(200 * time.Millisecond):
			return
		}
	}
}

func expectChange(t *testing.T, ch <-chan store.Change, topic string) {
	t.Helper()
	select {
	case c := <-ch:
		if c.Topic != topic {
			t.Fatalf("change %+v, want topic %s", c, topic)
		}
	case <-time.After(2 * time.Second):
		t.Fatalf("no %s change within 2 s", topic)
	}
}

func expectNoChange(t *testing.T, ch <-chan store.Change) {
	t.Helper()
	select {
	case c := <-ch:
		t.Fatalf("unexpected change %+v", c)
	case <-time.After(300 * time.Millisecond):
	}
}

// The cluster lock lets one holder run at a time, is released after f,
// and (on PostgreSQL) is shared by every handle on the schema.
func TestClusterLock(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var inside, maxInside, runs atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 20 {
					ran, err := db.WithClusterLock(ctx, store.LockScheduler, func(context.Context) error {
						n := inside.Add(1)
						if n > maxInside.Load() {
							maxInside.Store(n)
						}
						time.Sleep(time.Millisecond)
						inside.Add(-1)
						return nil
					})
					if err != nil {
						t.Error(err)
					}
					if ran {
						runs.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		if maxInside.Load() != 1 || runs.Load() == 0 {
			t.Fatalf("max holders at once %d, runs %d", maxInside.Load(), runs.Load())
		}
		// Released: it can be taken again, and f's error comes back.
		boom := errors.New("boom")
		if ran, err := db.WithClusterLock(ctx, store.LockScheduler, func(context.Context) error { return boom }); !ran || !errors.Is(err, boom) {
			t.Fatalf("ran %v err %v", ran, err)
		}
		// Another name is another lock.
		db.WithClusterLock(ctx, store.LockScheduler, func(ctx context.Context) error {
			ran, err := db.WithClusterLock(ctx, store.LockRetention, func(context.Context) error { return nil })
			if !ran || err != nil {
				t.Errorf("other lock inside: ran %v err %v", ran, err)
			}
			if ran, _ := db.WithClusterLock(ctx, store.LockScheduler, func(context.Context) error { return nil }); ran {
				t.Error("the same lock was taken twice")
			}
			return nil
		})
	})
}

func TestClusterLockAcrossInstances(t *testing.T) {
	url := storetest.PostgresURL(t)
	ctx := context.Background()
	a, err := store.OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := store.OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	a.WithClusterLock(ctx, store.LockScheduler, func(ctx context.Context) error {
		if ran, err := b.WithClusterLock(ctx, store.LockScheduler, func(context.Context) error { return nil }); ran || err != nil {
			t.Errorf("second instance took the held lock: ran %v err %v", ran, err)
		}
		return nil
	})
	if ran, err := b.WithClusterLock(ctx, store.LockScheduler, func(context.Context) error { return nil }); !ran || err != nil {
		t.Errorf("lock not released: ran %v err %v", ran, err)
	}
	// A holder that dies (its connection closes) releases the lock.
	held := make(chan struct{})
	release := make(chan struct{})
	go a.WithClusterLock(ctx, store.LockRetention, func(context.Context) error { close(held); <-release; return nil })
	<-held
	a.Close()
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for {
		ran, _ := b.WithClusterLock(ctx, store.LockRetention, func(context.Context) error { return nil })
		if ran {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("lock of a closed instance never released")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// GoLiveDue records a scheduled campaign once, with its audit entry, and
// never a campaign published at once.
func TestGoLiveDue(t *testing.T) { storetest.ForEach(t, testGoLiveDue) }

func testGoLiveDue(t *testing.T, db *store.DB) {
	ctx := context.Background()
	mk := func(slug string, at time.Time) store.Campaign {
		c, err := db.CreateCampaign(ctx, store.Campaign{Slug: slug, Kind: store.KindCampaign, Title: slug, Status: store.StatusPublished,
			PublishedAt: at, CreatedAt: t0, UpdatedAt: t0, CreatedBy: "lan", UpdatedBy: "lan"}, store.AuditEntry{})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	mk("ngay", t0)                            // published at once
	later := mk("hen-gio", t0.Add(time.Hour)) // scheduled
	if due, err := db.GoLiveDue(ctx, t0.Add(30*time.Minute), "hệ thống"); err != nil || len(due) != 0 {
		t.Fatalf("before its time: %+v %v", due, err)
	}
	due, err := db.GoLiveDue(ctx, t0.Add(61*time.Minute), "hệ thống")
	if err != nil || len(due) != 1 || due[0].ID != later.ID {
		t.Fatalf("at its time: %+v %v", due, err)
	}
	if due, _ := db.GoLiveDue(ctx, t0.Add(62*time.Minute), "hệ thống"); len(due) != 0 {
		t.Fatalf("recorded twice: %+v", due)
	}
	audit, _ := db.ListAudit(ctx, 0, 10)
	if len(audit) != 1 || audit[0].Action != "campaign.go_live" || audit[0].Target != "chien-dich/hen-gio" || audit[0].Actor != "hệ thống" {
		t.Fatalf("audit %+v", audit)
	}
}

// Media: stored, read back byte for byte, names unique, orphans deleted
// only when old and named by no campaign; a campaign cannot name an image
// that is not stored.
func TestMedia(t *testing.T) { storetest.ForEach(t, testMedia) }

func testMedia(t *testing.T, db *store.DB) {
	ctx := context.Background()
	img := []byte{0xff, 0xd8, 0xff, 0x00, 0x01, 0x02}
	names := []string{"00000000000000000000000000000001.jpg", "00000000000000000000000000000002.png", "00000000000000000000000000000003.jpg", "00000000000000000000000000000004.jpg"}
	for i, n := range names {
		ct := "image/jpeg"
		if filepath.Ext(n) == ".png" {
			ct = "image/png"
		}
		if err := db.PutMedia(ctx, store.Media{Name: n, ContentType: ct, Data: append(img, byte(i)), CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.PutMedia(ctx, store.Media{Name: names[0], ContentType: "image/jpeg", Data: img, CreatedAt: t0}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second put of a name: %v", err)
	}
	m, err := db.MediaByName(ctx, names[1])
	if err != nil || m.ContentType != "image/png" || string(m.Data) != string(append(img, 1)) || !m.CreatedAt.Equal(t0) {
		t.Fatalf("read back %+v %v", m, err)
	}
	if _, err := db.MediaByName(ctx, "nope.jpg"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	if _, err := db.CreateCampaign(ctx, store.Campaign{Slug: "x", Kind: store.KindCampaign, Title: "x", Status: store.StatusDraft,
		Cover: "ffffffffffffffffffffffffffffffff.jpg", CreatedAt: t0, UpdatedAt: t0, CreatedBy: "lan", UpdatedBy: "lan"}, store.AuditEntry{}); !errors.Is(err, store.ErrMediaNotFound) {
		t.Fatalf("campaign naming an unknown cover: %v", err)
	}
	// names[0] is a cover, names[1] in a body; names[2] and [3] named by none.
	later := t0.Add(48 * time.Hour)
	if _, err := db.CreateCampaign(ctx, store.Campaign{Slug: "a", Kind: store.KindCampaign, Title: "a", Status: store.StatusDraft,
		Cover: names[0], BodyMD: "![ảnh](/media/" + names[1] + ")", CreatedAt: t0, UpdatedAt: t0, CreatedBy: "lan", UpdatedBy: "lan"}, store.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	// names[3] is refreshed by a save naming it just before the cleanup.
	c, err := db.CreateCampaign(ctx, store.Campaign{Slug: "b", Kind: store.KindCampaign, Title: "b", Status: store.StatusDraft,
		CreatedAt: t0, UpdatedAt: t0, CreatedBy: "lan", UpdatedBy: "lan"}, store.AuditEntry{})
	if err != nil {
		t.Fatal(err)
	}
	c.Cover, c.UpdatedAt = names[3], later
	if c, err = db.UpdateCampaign(ctx, c, store.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	c.Cover, c.UpdatedAt = "", later
	if _, err = db.UpdateCampaign(ctx, c, store.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if n, err := db.DeleteOrphanMedia(ctx, later.Add(-24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("deleted %d, %v; want 1", n, err)
	}
	for i, want := range []bool{true, true, false, true} {
		if ok, err := db.MediaExists(ctx, names[i]); err != nil || ok != want {
			t.Errorf("%s exists = %v %v, want %v", names[i], ok, err, want)
		}
	}
}

func TestOutboxBacklog(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st, err := db.OutboxBacklog(ctx)
		if err != nil || st.Depth != 0 || !st.Oldest.IsZero() {
			t.Fatalf("empty: %+v %v", st, err)
		}
		for i, at := range []time.Time{t0, t0.Add(time.Minute), t0.Add(2 * time.Minute)} {
			id := string(rune('a' + i))
			if err := db.InsertSubmissions(ctx, []store.Submission{{ID: id, Kind: "tip", ReceivedAt: at, Data: []byte(`{}`),
				ReceiptHash: "h" + id, ReceivedOn: "2026-06-26"}}); err != nil {
				t.Fatal(err)
			}
		}
		// Sent to the queue, a row stays; a desk's case takes it out.
		if _, err := db.MarkSent(ctx, store.SentEntry{ID: "a", StreamID: "1-0", Epoch: "e", At: t0}); err != nil {
			t.Fatal(err)
		}
		if st, err := db.OutboxBacklog(ctx); err != nil || st.Depth != 3 {
			t.Fatalf("after sending one: %+v %v", st, err)
		}
		if _, err := db.CreateCases(ctx, []store.NewCase{{SubmissionID: "a", Desk: "police", Kind: "tip",
			Category: "mua-ban", Area: "vu-thu", Status: "new", ReceivedAt: t0, Content: []byte(`{}`)}}, t0); err != nil {
			t.Fatal(err)
		}
		st, err = db.OutboxBacklog(ctx)
		if err != nil || st.Depth != 2 || !st.Oldest.Equal(t0.Add(time.Minute)) {
			t.Fatalf("stats %+v %v", st, err)
		}
	})
}
