package metrics

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/thaibinh-pcmt/portal/ratelimit"
)

// Label values come from fixed sets: an unknown method or a key whose
// scope is not one of ours cannot add a series.
func TestLabelsComeFromFixedSets(t *testing.T) {
	m := New("test")
	m.ObserveRequest("GET", "/van-ban/:slug", 200, time.Millisecond)
	m.ObserveRequest("PROPFIND", "/van-ban/:slug", 405, time.Millisecond)
	m.ObserveRequest("X-"+strings.Repeat("A", 100), "unmatched", 404, time.Millisecond)
	if n := testutil.ToFloat64(m.requests.WithLabelValues("OTHER", "unmatched", "404")); n != 1 {
		t.Errorf("odd method counted %v times under OTHER", n)
	}
	if n := testutil.ToFloat64(m.requests.WithLabelValues("OTHER", "/van-ban/:slug", "405")); n != 1 {
		t.Errorf("PROPFIND counted %v under OTHER", n)
	}
	lim := m.InstrumentLimiter(ratelimit.NewMemory())
	ctx := context.Background()
	l := ratelimit.Limit{Rate: 1, Period: time.Hour}
	lim.Allow(ctx, "tips:0123abcd", l)
	lim.Allow(ctx, "tips:0123abcd", l)
	lim.Allow(ctx, "203.0.113.7:whatever", l)
	lim.Allow(ctx, "press:login:account:00ff", l)
	for labels, want := range map[[2]string]float64{
		{"tips", "allowed"}: 1, {"tips", "limited"}: 1, {"other", "allowed"}: 1, {"press", "allowed"}: 1,
	} {
		if got := testutil.ToFloat64(m.limiter.WithLabelValues(labels[0], labels[1])); got != want {
			t.Errorf("%v = %v, want %v", labels, got, want)
		}
	}
	if n := testutil.CollectAndCount(m.limiter); n != 4 {
		t.Errorf("%d limiter series, want 4 (no key became a label)", n)
	}
	// A nil *Metrics does nothing and hands back what it was given.
	var none *Metrics
	none.ObserveRequest("GET", "/", 200, 0)
	none.ObserveCacheLookup("pages", true)
	if got := none.InstrumentLimiter(lim); got != lim {
		t.Error("nil Metrics wrapped the limiter")
	}
}
