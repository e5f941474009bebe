package desk

import (
	"encoding/json"
	"testing"

	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/queue"
)

// TestSplitByPhotoBytes: a batch of entries is cut where the photos they
// refer to would pass the limit; entries without photos never cut it.
func TestSplitByPhotoBytes(t *testing.T) {
	entry := func(id string, sizes ...int) queue.Message {
		var tip intake.Tip
		for i, n := range sizes {
			tip.AttachmentRefs = append(tip.AttachmentRefs, intake.AttachmentRef{Index: i, Bytes: n})
		}
		b, _ := json.Marshal(tip)
		return queue.Message{Entry: queue.Entry{ID: id, Kind: intake.KindTip, Data: b}}
	}
	msgs := []queue.Message{entry("a"), entry("b", 10), entry("c", 15), entry("d"), entry("e", 30), entry("f", 5), entry("g")}
	var got [][]string
	for _, part := range splitByPhotoBytes(msgs, 25) {
		var ids []string
		for _, m := range part {
			ids = append(ids, m.ID)
		}
		got = append(got, ids)
	}
	want := [][]string{{"a", "b", "c", "d"}, {"e"}, {"f", "g"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
	}
	if n := photoBytes(queue.Message{Entry: queue.Entry{Kind: intake.KindRehabEnquiry, Data: []byte(`{"attachments":[{"bytes":9}]}`)}}); n != 0 {
		t.Errorf("an enquiry counts %d photo bytes", n)
	}
}
