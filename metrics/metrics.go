// Package metrics is the operator's view of the portal: Prometheus metrics
// (github.com/prometheus/client_golang) in a registry of its own, served
// on PORTAL_METRICS_ADDR only, never on the public listener.
//
// What it measures, and the labels it uses — none of them carries a client
// address, a user agent, a receipt, a submission or a search query; every
// label value comes from a fixed set or from the portal's own route table:
//
//	portal_http_requests_total{method,route,status}       requests by route pattern (e.g. "/van-ban/:slug") and status
//	portal_http_request_duration_seconds{method,route}    latency histogram of the same
//	portal_outbox_depth, portal_outbox_oldest_age_seconds submissions waiting in the outbox, age of the oldest
//	portal_queue_length{queue}                            entries in each agency stream
//	portal_queue_pending{queue,group}                     delivered but unacknowledged, per consumer group
//	portal_queue_dead_letters{queue}                      entries moved to the dead-letter stream
//	portal_ratelimit_decisions_total{scope,decision}      limiter decisions: allowed, limited, error
//	portal_ratelimit_fallback_decisions_total             decisions taken in process while Redis was unreachable
//	portal_search_duration_seconds{engine,outcome}        search latency histogram
//	portal_cache_lookups_total{cache,result}              page cache hits and misses (ObserveCacheLookup)
//	portal_build_info{version,goversion}                  always 1
//
// plus the standard Go runtime and process collectors. Gauges about the
// outbox and the queues are read at scrape time, each bounded by a short
// timeout, so a scrape never waits on a Redis that is down (the failure is
// counted in portal_metrics_scrape_errors_total{source}).
package metrics

import (
	"context"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/thaibinh-pcmt/portal/queue"
	"github.com/thaibinh-pcmt/portal/ratelimit"
	"github.com/thaibinh-pcmt/portal/search"
	"github.com/thaibinh-pcmt/portal/store"
)

// Metrics holds the portal's collectors. Build it with New; its methods are
// safe for concurrent use, and a nil *Metrics does nothing, so callers need
// no checks.
type Metrics struct {
	reg *prometheus.Registry

	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	limiter      *prometheus.CounterVec
	search       *prometheus.HistogramVec
	cache        *prometheus.CounterVec
	scrapeErrors *prometheus.CounterVec

	mu       sync.Mutex
	fallback []func() ratelimit.Counters
}

// New builds the registry with the runtime, process and build collectors
// and every portal family; version is the portal's release ("dev").
func New(version string) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "portal_build_info", Help: "Always 1; the labels name the running build.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()},
	})
	build.Set(1)
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "portal_http_requests_total",
		Help: "HTTP requests answered, by method, route pattern (not the path) and status code.",
	}, []string{"method", "route", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "portal_http_request_duration_seconds",
		Help:    "Time from the request reaching the portal to its answer, by method and route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route"})
	m.limiter = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "portal_ratelimit_decisions_total",
		Help: "Rate limiter decisions by scope (tips, enquiries, status, search, login…) and decision (allowed, limited, error).",
	}, []string{"scope", "decision"})
	m.search = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "portal_search_duration_seconds",
		Help:    "Search latency by engine (bleve, meilisearch) and outcome (ok, error).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"engine", "outcome"})
	m.cache = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "portal_cache_lookups_total",
		Help: "Lookups in the portal's caches (the rendered page cache …) by cache and result (hit, miss).",
	}, []string{"cache", "result"})
	m.scrapeErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "portal_metrics_scrape_errors_total",
		Help: "Gauges that could not be read at scrape time, by source (outbox, queue).",
	}, []string{"source"})
	m.reg.MustRegister(build, m.requests, m.latency, m.limiter, m.search, m.cache, m.scrapeErrors)
	// Present from the first scrape, before any lookup or failure.
	for _, r := range []string{"hit", "miss"} {
		m.cache.WithLabelValues("pages", r)
	}
	for _, s := range []string{"outbox", "queue"} {
		m.scrapeErrors.WithLabelValues(s)
	}
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "portal_ratelimit_fallback_decisions_total",
		Help: "Decisions taken by the in-process limiter while Redis was unreachable.",
	}, func() float64 {
		var n uint64
		for _, f := range m.fallbackSources() {
			n += f().Fallback
		}
		return float64(n)
	}))
	return m
}

// Registry is the registry, for tests and for adding collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, Timeout: 10 * time.Second})
}

// methods are the method label values; any other method counts as
// "OTHER", so a client cannot add label values.
var methods = map[string]string{"GET": "GET", "HEAD": "HEAD", "POST": "POST", "PUT": "PUT", "DELETE": "DELETE",
	"OPTIONS": "OPTIONS", "PATCH": "PATCH"}

// ObserveRequest records one answered request. route is the pattern of
// the route that answered (Fiber's c.Route().Path), never the raw path;
// "unmatched" for requests no route took. The strings are copied: Fiber
// hands out views of buffers it reuses.
func (m *Metrics) ObserveRequest(method, route string, status int, elapsed time.Duration) {
	if m == nil {
		return
	}
	meth, ok := methods[method]
	if !ok {
		meth = "OTHER"
	}
	route = strings.Clone(route)
	m.requests.WithLabelValues(meth, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(meth, route).Observe(elapsed.Seconds())
}

// ObserveCacheLookup records one lookup in cache ("pages" for the page
// cache): hit or miss.
func (m *Metrics) ObserveCacheLookup(cache string, hit bool) {
	if m == nil {
		return
	}
	result := "miss"
	if hit {
		result = "hit"
	}
	m.cache.WithLabelValues(cache, result).Inc()
}

func (m *Metrics) fallbackSources() []func() ratelimit.Counters {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]func() ratelimit.Counters(nil), m.fallback...)
}

// WatchFallback adds f's decisions taken in process while Redis was
// unreachable to portal_ratelimit_fallback_decisions_total.
func (m *Metrics) WatchFallback(f *ratelimit.Fallback) {
	if m == nil || f == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fallback = append(m.fallback, f.Counters)
}

// scrapeTimeout bounds each read of a gauge at scrape time.
const scrapeTimeout = 2 * time.Second

// WatchOutbox adds portal_outbox_depth and portal_outbox_oldest_age_seconds,
// read from db at each scrape (now is the clock; nil: time.Now).
func (m *Metrics) WatchOutbox(db *store.DB, now func() time.Time) {
	if m == nil {
		return
	}
	if now == nil {
		now = time.Now
	}
	m.reg.MustRegister(&outboxCollector{db: db, now: now, errs: m.scrapeErrors.WithLabelValues("outbox")})
}

var (
	outboxDepthDesc = prometheus.NewDesc("portal_outbox_depth", "Submissions in the outbox: received, not yet taken by a desk (sent to their agency queue or not).", nil, nil)
	outboxAgeDesc   = prometheus.NewDesc("portal_outbox_oldest_age_seconds", "Age of the oldest submission in the outbox (not yet taken by a desk); 0 when it is empty.", nil, nil)
)

type outboxCollector struct {
	db   *store.DB
	now  func() time.Time
	errs prometheus.Counter
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxDepthDesc
	ch <- outboxAgeDesc
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	st, err := c.db.OutboxBacklog(ctx)
	if err != nil {
		c.errs.Inc()
		return
	}
	age := 0.0
	if !st.Oldest.IsZero() {
		age = max(0, c.now().Sub(st.Oldest).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(outboxDepthDesc, prometheus.GaugeValue, float64(st.Depth))
	ch <- prometheus.MustNewConstMetric(outboxAgeDesc, prometheus.GaugeValue, age)
}

// WatchQueues adds the length, pending and dead-letter gauges of the agency
// streams, read from q at each scrape: the streams returns (the routes of
// routing.yaml) and whatever other portal streams q lists.
func (m *Metrics) WatchQueues(q queue.Queue, streams func() []string) {
	if m == nil {
		return
	}
	m.reg.MustRegister(&queueCollector{q: q, streams: streams, errs: m.scrapeErrors.WithLabelValues("queue")})
}

var (
	queueLenDesc     = prometheus.NewDesc("portal_queue_length", "Entries in the agency stream (acknowledged ones included until trimmed).", []string{"queue"}, nil)
	queuePendingDesc = prometheus.NewDesc("portal_queue_pending", "Entries delivered to the consumer group and not yet acknowledged.", []string{"queue", "group"}, nil)
	queueDeadDesc    = prometheus.NewDesc("portal_queue_dead_letters", "Entries moved to the stream's dead-letter stream.", []string{"queue"}, nil)
	queueUpDesc      = prometheus.NewDesc("portal_queue_up", "1 when the agency queue answered this scrape, 0 when it did not (Redis down): the other queue gauges are then absent.", nil, nil)
)

type queueCollector struct {
	q       queue.Queue
	streams func() []string
	errs    prometheus.Counter
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueLenDesc
	ch <- queuePendingDesc
	ch <- queueDeadDesc
	ch <- queueUpDesc
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	names := c.streams()
	found, err := c.q.Streams(ctx)
	if err != nil {
		c.errs.Inc()
		ch <- prometheus.MustNewConstMetric(queueUpDesc, prometheus.GaugeValue, 0)
		return
	}
	names = append(names, found...)
	var out []prometheus.Metric
	seen := map[string]bool{}
	for _, s := range names {
		if seen[s] {
			continue
		}
		seen[s] = true
		st, err := c.q.Stats(ctx, s)
		if err != nil {
			c.errs.Inc()
			ch <- prometheus.MustNewConstMetric(queueUpDesc, prometheus.GaugeValue, 0)
			return
		}
		label := strings.TrimPrefix(s, queue.StreamPrefix)
		out = append(out, prometheus.MustNewConstMetric(queueLenDesc, prometheus.GaugeValue, float64(st.Length), label),
			prometheus.MustNewConstMetric(queueDeadDesc, prometheus.GaugeValue, float64(st.DeadLetters), label))
		for _, g := range st.Groups {
			out = append(out, prometheus.MustNewConstMetric(queuePendingDesc, prometheus.GaugeValue, float64(g.Pending), label, g.Name))
		}
	}
	ch <- prometheus.MustNewConstMetric(queueUpDesc, prometheus.GaugeValue, 1)
	for _, m := range out {
		ch <- m
	}
}

// InstrumentIndex returns idx with every Search timed into
// portal_search_duration_seconds{engine}. The query is never recorded.
func (m *Metrics) InstrumentIndex(idx search.Index, engine string) search.Index {
	if m == nil || idx == nil {
		return idx
	}
	return &timedIndex{Index: idx, ok: m.search.WithLabelValues(engine, "ok"), failed: m.search.WithLabelValues(engine, "error")}
}

type timedIndex struct {
	search.Index
	ok, failed prometheus.Observer
}

func (t *timedIndex) Search(ctx context.Context, q search.Query) (search.Result, error) {
	start := time.Now()
	res, err := t.Index.Search(ctx, q)
	if err != nil {
		t.failed.Observe(time.Since(start).Seconds())
	} else {
		t.ok.Observe(time.Since(start).Seconds())
	}
	return res, err
}

// limiterScopes are the scope label values; a key's scope is its text
// before the first ':' (ratelimit.Keyer, press's login keys), anything
// else counts as "other", so no key can become a label.
var limiterScopes = map[string]bool{
	"tips": true, "tips-invalid": true, "enquiries": true, "enquiries-invalid": true,
	"status": true, "search": true, "press": true,
}

// InstrumentLimiter returns l with every Allow counted in
// portal_ratelimit_decisions_total{scope,decision}.
func (m *Metrics) InstrumentLimiter(l ratelimit.Limiter) ratelimit.Limiter {
	if m == nil || l == nil {
		return l
	}
	return &countedLimiter{Limiter: l, m: m}
}

type countedLimiter struct {
	ratelimit.Limiter
	m *Metrics
}

func (c *countedLimiter) Allow(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Result, error) {
	res, err := c.Limiter.Allow(ctx, key, l)
	scope, _, _ := strings.Cut(key, ":")
	if !limiterScopes[scope] {
		scope = "other"
	}
	decision := "allowed"
	switch {
	case err != nil:
		decision = "error"
	case !res.Allowed:
		decision = "limited"
	}
	c.m.limiter.WithLabelValues(scope, decision).Inc()
	return res, err
}
