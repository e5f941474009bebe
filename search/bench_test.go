package search

import (
	"context"
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode"
)

// The benchmarks build generated Vietnamese corpora from the seed plan's
// vocabulary and sentence shapes (a word-bigram chain over its sentences)
// and measure index build time and memory, and query latency p50/p99 by
// query kind. Commands and figures: docs/performance.md, "Search".

// generator makes documents that read like the seed: bigram chains over
// its sentences, numbers and issuers in the shapes it cites.
//
// With topics > 0 (corpus "topics") each document belongs to one of that
// many subjects: the seed's sharedWords most frequent words (function
// words and the portal's common vocabulary: của, và, công, tác, ma, túy…)
// stay as they are, every other word is replaced by a synthetic Vietnamese
// syllable chosen per (word, subject). Sentence shapes and lengths are the
// seed's; what changes is that documents on different subjects no longer
// share their content words, as in a real corpus of varied documents.
type generator struct {
	rng     *rand.Rand
	starts  []string
	next    map[string][]string
	types   []struct{ name, abbr string }
	issuers []struct{ name, abbr string }
	topics  int
	shared  map[string]bool
}

// Corpora of the benchmarks: "seed" draws every document from the seed's
// ~900 words (a two-word title query matches 40 % of documents); "topics"
// spreads content words over benchTopics subjects.
const (
	benchTopics = 100
	sharedWords = 60
)

// syllables is an inventory of synthetic Vietnamese syllables (onset,
// rhyme, tone): 23 × 70 × 6 ≈ 9,700, about the number of syllables in use.
var syllables = func() []string {
	onsets := strings.Fields("b c ch d đ g gi h k kh l m n ng nh ph qu r s t th tr v x")
	rhymes := strings.Fields("a ai am an ang anh ao au ay ăm ăn ăng âm ân âng âu ây e em en eng eo ê êm ên ênh êu i im in inh iu o oa oai oan oang oanh oc oi om on ong ô ôi ôm ôn ông ơ ơi ơm ơn u ui um un ung uy uyên ư ưa ưi ưng ước ương ươi ươn ươu at ăt ât ep êt ich it ot ôt ơt ut ưt")
	tones := []string{"", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}
	var out []string
	for _, o := range onsets {
		for _, r := range rhymes {
			for _, t := range tones {
				rs := []rune(r)
				out = append(out, NFC(o+string(rs[:1])+t+string(rs[1:])))
			}
		}
	}
	return out
}()

// word returns w as written in a document of the given subject.
func (g *generator) word(w string, topic int) string {
	if g.topics == 0 {
		return w
	}
	core := strings.TrimRightFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	key := strings.ToLower(core)
	if core == "" || g.shared[key] || strings.ContainsFunc(core, unicode.IsDigit) {
		return w
	}
	h := fnv.New32a()
	fmt.Fprintf(h, "%s\x00%d", key, topic)
	return syllables[int(h.Sum32())%len(syllables)] + w[len(core):]
}

func newGenerator(t testing.TB) *generator { return newCorpusGenerator(t, 0) }

// newCorpusGenerator returns the generator of corpus "seed" (topics 0) or
// "topics" (topics > 0).
func newCorpusGenerator(t testing.TB, topics int) *generator {
	plan := seedPlan(t)
	g := &generator{rng: rand.New(rand.NewPCG(53, 2017)), next: map[string][]string{}, topics: topics}
	var texts []string
	texts = append(texts, plan.Title)
	for _, s := range plan.Sections {
		texts = append(texts, s.Heading, s.Text)
	}
	for _, text := range texts {
		for _, sent := range strings.FieldsFunc(text, func(r rune) bool { return r == '.' || r == ';' || r == '\n' }) {
			words := strings.Fields(sent)
			if len(words) < 3 {
				continue
			}
			g.starts = append(g.starts, words[0])
			for i := 0; i+1 < len(words); i++ {
				g.next[words[i]] = append(g.next[words[i]], words[i+1])
			}
		}
	}
	freq := map[string]int{}
	for _, text := range texts {
		for _, w := range strings.Fields(text) {
			freq[strings.ToLower(strings.TrimRightFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))]++
		}
	}
	ranked := slices.Collect(maps.Keys(freq))
	slices.SortFunc(ranked, func(a, b string) int {
		if freq[a] != freq[b] {
			return freq[b] - freq[a]
		}
		return strings.Compare(a, b)
	})
	g.shared = map[string]bool{}
	for _, w := range ranked[:min(sharedWords, len(ranked))] {
		g.shared[w] = true
	}
	g.types = []struct{ name, abbr string }{{"Kế hoạch", "KH"}, {"Quyết định", "QĐ"}, {"Chỉ thị", "CT"}, {"Nghị quyết", "NQ"}, {"Thông báo", "TB"}, {"Bài viết", ""}}
	g.issuers = []struct{ name, abbr string }{{"Ủy ban nhân dân tỉnh Thái Bình", "UBND"}, {"Thủ tướng Chính phủ", "TTg"}, {"Chính phủ", "CP"},
		{"Bộ Công an", "BCA"}, {"Bộ Lao động - Thương binh và Xã hội", "BLĐTBXH"}, {"Sở Y tế", "SYT"}, {"Công an tỉnh", "CAT"}}
	return g
}

// sentence returns n or so words following the seed's bigrams, in the
// words of the given subject.
func (g *generator) sentence(n, topic int) string {
	w := g.starts[g.rng.IntN(len(g.starts))]
	out := []string{g.word(w, topic)}
	for len(out) < n {
		nx := g.next[w]
		if len(nx) == 0 {
			w = g.starts[g.rng.IntN(len(g.starts))]
		} else {
			w = nx[g.rng.IntN(len(nx))]
		}
		out = append(out, g.word(w, topic))
	}
	s := []rune(strings.Join(out, " "))
	return strings.ToUpper(string(s[:1])) + string(s[1:]) + "."
}

// doc returns generated document i.
func (g *generator) doc(i int) Doc {
	ty := g.types[g.rng.IntN(len(g.types))]
	is := g.issuers[g.rng.IntN(len(g.issuers))]
	year := 2000 + g.rng.IntN(26)
	topic := 0
	if g.topics > 0 {
		topic = 1 + i%g.topics
	}
	d := Doc{Slug: fmt.Sprintf("gen-%d", i), Type: ty.name, Year: year, Title: strings.TrimSuffix(g.sentence(8+g.rng.IntN(12), topic), ".")}
	if ty.abbr != "" {
		d.Number = fmt.Sprintf("%d/%s-%s", 1+i%3000, ty.abbr, is.abbr)
		d.Issuer = is.name
		d.URL = "/van-ban/" + d.Slug
	} else {
		d.URL = "/bai-viet/" + d.Slug
	}
	for s := 0; s < 2+g.rng.IntN(3); s++ {
		var text []string
		for k := 0; k < 1+g.rng.IntN(3); k++ {
			text = append(text, g.sentence(12+g.rng.IntN(20), topic))
		}
		d.Sections = append(d.Sections, Section{Anchor: fmt.Sprintf("muc-%d", s+1), Heading: fmt.Sprintf("%d. %s", s+1, g.sentence(4, topic)), Text: strings.Join(text, " ")})
	}
	return d
}

func (g *generator) docs(n int) []Doc {
	out := make([]Doc, n)
	for i := range out {
		out[i] = g.doc(i)
	}
	return out
}

// queries returns the benchmark queries of each kind, drawn from docs.
func benchQueries(docs []Doc) map[string][]string {
	rng := rand.New(rand.NewPCG(1, 2))
	q := map[string][]string{}
	for len(q["accent-free"]) < 200 {
		d := docs[rng.IntN(len(docs))]
		w := strings.Fields(Fold(d.Title))
		if len(w) < 3 {
			continue
		}
		i := rng.IntN(len(w) - 1)
		q["accent-free"] = append(q["accent-free"], w[i]+" "+w[i+1])
	}
	for len(q["accents"]) < 200 {
		d := docs[rng.IntN(len(docs))]
		w := strings.Fields(strings.ToLower(d.Title))
		if len(w) < 3 {
			continue
		}
		i := rng.IntN(len(w) - 1)
		q["accents"] = append(q["accents"], strings.Trim(w[i], ".,;:")+" "+strings.Trim(w[i+1], ".,;:"))
	}
	for len(q["phrase"]) < 200 {
		d := docs[rng.IntN(len(docs))]
		w := strings.Fields(d.Sections[0].Text)
		if len(w) < 4 {
			continue
		}
		i := rng.IntN(len(w) - 2)
		q["phrase"] = append(q["phrase"], `"`+strings.Join(w[i:i+3], " ")+`"`)
	}
	for len(q["number"]) < 200 {
		d := docs[rng.IntN(len(docs))]
		if d.Number == "" {
			continue
		}
		switch len(q["number"]) % 3 {
		case 0:
			q["number"] = append(q["number"], d.Number)
		case 1:
			q["number"] = append(q["number"], Fold(d.Number))
		default:
			q["number"] = append(q["number"], strings.Join(strings.FieldsFunc(Fold(d.Number), func(r rune) bool { return r == '/' || r == '-' }), " "))
		}
	}
	for len(q["typo"]) < 200 {
		d := docs[rng.IntN(len(docs))]
		var long []string
		for _, w := range strings.Fields(Fold(d.Sections[0].Text)) {
			w = strings.Trim(w, ".,;:")
			if len([]rune(w)) >= 6 {
				long = append(long, w)
			}
		}
		if len(long) == 0 {
			continue
		}
		w := []rune(long[rng.IntN(len(long))])
		k := 1 + rng.IntN(len(w)-2)
		q["typo"] = append(q["typo"], string(append(w[:k:k], w[k+1:]...))) // one letter dropped
	}
	return q
}

var (
	benchMu  sync.Mutex
	benchIdx = map[string]*Bleve{} // by corpusKey
	benchDir string
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, b := range benchIdx {
		b.Close()
	}
	if benchDir != "" && os.Getenv("SEARCH_BENCH_DIR") == "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// buildBench builds an on-disk Bleve index of n generated documents and
// returns it with the build time and the heap growth.
func buildBench(tb testing.TB, dir string, docs []Doc) (*Bleve, time.Duration, uint64) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	idx, err := OpenBleve(dir)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := Sync(context.Background(), idx, docs); err != nil {
		tb.Fatal(err)
	}
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	return idx, took, after.TotalAlloc - before.TotalAlloc
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// processCPU is the CPU time (user + system) this process has used.
func processCPU() time.Duration {
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		return 0
	}
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

// benchSizes are the corpus sizes; SEARCH_BENCH_DOCS (comma-separated,
// e.g. "10000") narrows them for a quicker run.
var benchSizes = func() []int {
	env := os.Getenv("SEARCH_BENCH_DOCS")
	if env == "" {
		return []int{10_000, 50_000}
	}
	var out []int
	for _, f := range strings.Split(env, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(f), &n); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}()

// benchCorpora are the generated corpora ("seed", "topics");
// SEARCH_BENCH_CORPUS (comma-separated) narrows them.
var benchCorpora = func() []string {
	if env := os.Getenv("SEARCH_BENCH_CORPUS"); env != "" {
		return strings.Split(env, ",")
	}
	return []string{"seed", "topics"}
}()

// corpusDocs returns n documents of the named corpus.
func corpusDocs(tb testing.TB, corpus string, n int) []Doc {
	switch corpus {
	case "seed":
		return newCorpusGenerator(tb, 0).docs(n)
	case "topics":
		return newCorpusGenerator(tb, benchTopics).docs(n)
	}
	tb.Fatalf("unknown corpus %q", corpus)
	return nil
}

func corpusKey(corpus string, n int) string { return fmt.Sprintf("%s/%d", corpus, n) }

// BenchmarkBuild measures building the index from scratch: seconds, bytes
// allocated, heap in use afterwards and size on disk.
func BenchmarkBuild(b *testing.B) {
	for _, corpus := range benchCorpora {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("corpus=%s/docs=%d", corpus, n), func(b *testing.B) {
				docs := corpusDocs(b, corpus, n)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					dir := filepath.Join(benchTempDir(b), fmt.Sprintf("build-%s-%d-%d", corpus, n, i))
					cpu0 := processCPU()
					idx, took, alloc := buildBench(b, dir, docs)
					b.ReportMetric((processCPU() - cpu0).Seconds(), "build-cpu-s")
					runtime.GC()
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					b.ReportMetric(took.Seconds(), "build-s")
					b.ReportMetric(float64(n)/took.Seconds(), "docs/s")
					b.ReportMetric(float64(alloc)/(1<<20), "alloc-MB")
					b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-inuse-MB")
					b.ReportMetric(float64(dirSize(dir))/(1<<20), "disk-MB")
					// Keep one built index for BenchmarkQuery in the same run.
					benchMu.Lock()
					if benchIdx[corpusKey(corpus, n)] == nil {
						benchIdx[corpusKey(corpus, n)] = idx
					} else {
						idx.Close()
						os.RemoveAll(dir)
					}
					benchMu.Unlock()
				}
			})
		}
	}
}

// benchTempDir is a directory removed when the benchmarks end (TestMain),
// so that indexes built by BenchmarkBuild can serve BenchmarkQuery. With
// SEARCH_BENCH_DIR set, that directory is used and kept: the next run
// opens the indexes there and Sync finds every document unchanged, so
// query runs need not rebuild 50,000 documents each time.
func benchTempDir(tb testing.TB) string {
	if d := os.Getenv("SEARCH_BENCH_DIR"); d != "" && benchDir == "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			tb.Fatal(err)
		}
		benchDir = d
	}
	if benchDir == "" {
		d, err := os.MkdirTemp("", "search-bench-")
		if err != nil {
			tb.Fatal(err)
		}
		benchDir = d
	}
	return benchDir
}

// benchIndexFor returns a cached index of n generated documents.
func benchIndexFor(b *testing.B, corpus string, n int) (*Bleve, []Doc) {
	benchMu.Lock()
	defer benchMu.Unlock()
	docs := corpusDocs(b, corpus, n)
	if idx, ok := benchIdx[corpusKey(corpus, n)]; ok {
		return idx, docs
	}
	idx, _, _ := buildBench(b, filepath.Join(benchTempDir(b), corpus+"-"+fmt.Sprint(n)), docs)
	benchIdx[corpusKey(corpus, n)] = idx
	return idx, docs
}

// benchKinds are the query kinds of BenchmarkQuery; SEARCH_BENCH_KINDS
// (comma-separated) narrows them.
var benchKinds = func() []string {
	if env := os.Getenv("SEARCH_BENCH_KINDS"); env != "" {
		return strings.Split(env, ",")
	}
	return []string{"accent-free", "accents", "number", "typo", "phrase"}
}()

// BenchmarkQuery measures query latency by kind: accent-free two-word
// queries, the same with accents as written, document numbers (as
// printed, folded, spaced), one-typo words and quoted three-word phrases
// from a body. Each op is one query, page 1, 10 hits with snippets and
// facets; p50 and p99 are over all ops. The engine's result cache is off
// (every op is computed) unless SEARCH_BENCH_CACHE=1; SEARCH_BENCH_TOPK=0
// turns the top-k evaluation off (Bleve's searchers for every query).
// The long posting lists are decoded before the ops (Bleve.warmHot, as
// the portal does in the background at start and after each change of
// the index), and the metric hot-MB is their size; SEARCH_BENCH_HOT=0
// leaves them to Bleve's reader;
// SEARCH_BENCH_LOG=dir writes every op's query, latency and matches there.
func BenchmarkQuery(b *testing.B) {
	for _, corpus := range benchCorpora {
		for _, n := range benchSizes {
			for _, kind := range benchKinds {
				b.Run(fmt.Sprintf("corpus=%s/docs=%d/%s", corpus, n, kind), func(b *testing.B) {
					idx, docs := benchIndexFor(b, corpus, n)
					if os.Getenv("SEARCH_BENCH_CACHE") == "1" {
						idx.SetResultCache(ResultCacheSize)
					} else {
						idx.SetResultCache(0)
					}
					// SEARCH_BENCH_TOPK=0: Bleve's searchers only, as before
					// the engine's own top-k evaluation (same index, same run).
					idx.topk = os.Getenv("SEARCH_BENCH_TOPK") != "0"
					qs := benchQueries(docs)[kind]
					ctx := context.Background()
					if os.Getenv("SEARCH_BENCH_HOT") == "0" {
						idx.endWarm()
						idx.hot = nil
					} else if err := idx.warmHot(ctx); err != nil {
						b.Fatal(err)
					}
					lat := make([]time.Duration, 0, b.N) // by op, in order
					hits := 0
					// Collect the garbage of generating the corpus now, so that
					// the CPU per query does not include it.
					runtime.GC()
					cpu0 := processCPU()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						start := time.Now()
						r, err := idx.Search(ctx, Query{Text: qs[i%len(qs)]})
						if err != nil {
							b.Fatal(err)
						}
						lat = append(lat, time.Since(start))
						hits += r.Total
					}
					b.StopTimer()
					// CPU time per query, which the other processes on a shared
					// machine do not inflate as they do wall-clock latency.
					b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
					if dir := os.Getenv("SEARCH_BENCH_LOG"); dir != "" {
						benchLogQueries(b, dir, corpus, n, kind, qs, lat)
					}
					slices.Sort(lat)
					b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
					b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
					b.ReportMetric(float64(hits)/float64(b.N), "matches/op")
					if idx.hot != nil {
						idx.hot.mu.Lock()
						b.ReportMetric(float64(idx.hot.bytes)/(1<<20), "hot-MB")
						b.ReportMetric(float64(idx.hot.snaps), "hot-snapshots")
						idx.hot.mu.Unlock()
					}
				})
			}
		}
	}
}

// benchLogQueries writes, with SEARCH_BENCH_LOG=dir, one line per op of a
// BenchmarkQuery run to dir/<corpus>-<docs>-<kind>.tsv: op number, query,
// wall microseconds, matches (from one more, untimed search). It is how the
// slow queries of each kind are found (the tail of p99).
func benchLogQueries(b *testing.B, dir, corpus string, n int, kind string, qs []string, lat []time.Duration) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	idx, _ := benchIndexFor(b, corpus, n)
	total := map[string]int{}
	var sb strings.Builder
	sb.WriteString("op\tquery\tus\tmatches\n")
	for i, d := range lat {
		q := qs[i%len(qs)]
		m, ok := total[q]
		if !ok {
			r, err := idx.Search(context.Background(), Query{Text: q})
			if err != nil {
				b.Fatal(err)
			}
			m = r.Total
			total[q] = m
		}
		fmt.Fprintf(&sb, "%d\t%s\t%d\t%d\n", i, q, d.Microseconds(), m)
	}
	name := filepath.Join(dir, fmt.Sprintf("%s-%d-%s.tsv", corpus, n, kind))
	if err := os.WriteFile(name, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
}
