package handlers

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/queue"
)

// forwardToLocalQueue runs the real forwarder from the env's outbox into an
// embedded queue in the env's data dir and reads every entry of stream as
// the desk's consumer group would.
func (e *intakeEnv) forwardToLocalQueue(t *testing.T, stream string) []queue.Message {
	t.Helper()
	ctx := context.Background()
	q, err := queue.OpenLocal(e.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	fwd := &intake.Forwarder{DB: e.db, Publisher: q, Catalog: e.svc.Catalog()}
	if _, err := fwd.ForwardPending(ctx); err != nil {
		t.Fatal(err)
	}
	if err := q.CreateGroup(ctx, stream, "desk"); err != nil {
		t.Fatal(err)
	}
	msgs, err := q.Read(ctx, stream, "desk", "qa", 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// TestTipTextReachesTheDeskUnchanged is the QA report's case end to end:
// JSON API → outbox → forwarder → queue entry. The desk gets exactly what
// was typed, plus a *_html twin that is escaped once (bluemonday strict).
func TestTipTextReachesTheDeskUnchanged(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	const (
		desc  = "Hắn bán <5 gói ma túy, giá >500k mỗi gói & giao tận nơi ở ngõ 5"
		place = "ngõ 5‹nhà 3 bên trái"
		when  = "a<b"
	)
	body, _ := json.Marshal(map[string]string{
		"category": "mua-ban", "area": "khac", "description": desc, "location_detail": place, "occurred_at": when,
	})
	resp, m := e.postJSON(t, "/api/v1/tips", string(body))
	if resp.StatusCode != 202 {
		t.Fatalf("tip: %d %v", resp.StatusCode, m)
	}
	msgs := e.forwardToLocalQueue(t, "portal:queue:police")
	if len(msgs) != 1 {
		t.Fatalf("%d queue entries, want 1", len(msgs))
	}
	var got map[string]string
	if err := json.Unmarshal(msgs[0].Data, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"description":          desc,
		"description_html":     "Hắn bán &lt;5 gói ma túy, giá &gt;500k mỗi gói &amp; giao tận nơi ở ngõ 5",
		"location_detail":      place,
		"location_detail_html": place,
		"occurred_at":          when,
		"occurred_at_html":     "a&lt;b",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("queue entry %s = %q, want %q", k, got[k], v)
		}
	}
}
