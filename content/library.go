package content

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// PlanNumber is the số hiệu of the plan the portal is built around (Plan
// 53/KH-UBND of the Ủy ban nhân dân tỉnh Thái Bình, 14/9/2017).
const PlanNumber = "53/KH-UBND"

// Library is every document and article the portal serves, loaded once at
// start and read-only afterwards: safe for concurrent use. The pointers it
// returns are shared; callers must not modify what they point to.
type Library struct {
	// Warnings are the problems met while loading that did not stop it:
	// an imported file that could not be parsed (skipped), one imported
	// without a readable số hiệu (loaded under a slug of its type, date and
	// title), two documents with the same slug (the later replaces the
	// earlier).
	Warnings []error

	docs        []*Document
	bySlug      map[string]*Document
	articles    []*Article
	bySlugArt   map[string]*Article
	planSlug    string
	assignments []Assignment
}

// Load builds the Library from the corpus and the import directory:
//
//   - corpus/catalogue.yaml: facts of known texts (HasFullText false);
//   - corpus/van-ban/*.txt: full texts, read by Parse;
//   - importDir/*.txt: full texts imported later (ImportFile); a file that
//     fails to parse is skipped and reported in Warnings; a missing
//     directory is fine ("" means none);
//   - corpus/bai-viet/*.md: articles (ParseArticle).
//
// corpus is a tree holding catalogue.yaml, van-ban/ and bai-viet/ at its
// root, or under a "corpus" directory as in the embedded Corpus. A full
// text replaces the catalogue record of the same slug and keeps the facts
// it lacks from it. Citations are resolved to slugs: by the cited number
// and year, or, without a date, by the number alone when one loaded
// document has it; a cited text that is known nowhere but whose slug can be
// made (date or year in the number) joins the library from the citation's
// facts. Cites and CitedBy are then linked both ways.
//
// Errors in the shipped corpus (unreadable catalogue, a shipped text or
// article that does not parse, an article citing an unknown document) are
// returned, as they are bugs of the release.
func Load(corpus fs.FS, importDir string) (*Library, error) {
	return load(corpus, importDir, time.Now())
}

// load is Load at the time now (the in-force status of a text whose own
// term has passed depends on it).
func load(corpus fs.FS, importDir string, now time.Time) (*Library, error) {
	root, err := corpusRoot(corpus)
	if err != nil {
		return nil, err
	}
	l := &Library{bySlug: map[string]*Document{}, bySlugArt: map[string]*Article{}}

	b, err := fs.ReadFile(root, "catalogue.yaml")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("đọc catalogue.yaml: %w", err)
	}
	if err == nil {
		cat, err := parseCatalogue(b)
		if err != nil {
			return nil, err
		}
		for _, d := range cat {
			l.bySlug[d.Slug] = d
		}
	}

	names, err := fs.Glob(root, "van-ban/*.txt")
	if err != nil {
		return nil, err
	}
	var corpusPlan string
	for _, name := range names {
		b, err := fs.ReadFile(root, name)
		if err != nil {
			return nil, fmt.Errorf("đọc %s: %w", name, err)
		}
		d, err := Parse(b)
		if err != nil {
			return nil, fmt.Errorf("văn bản %s: %w", name, err)
		}
		l.addFullText(d, name)
		if numberKey(d.Number) == numberKey(PlanNumber) {
			corpusPlan = d.Slug
		}
	}

	if importDir != "" {
		entries, err := os.ReadDir(importDir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("đọc thư mục nhập văn bản %s: %w", importDir, err)
		}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".txt") {
				continue
			}
			p := filepath.Join(importDir, e.Name())
			b, err := readLimited(p)
			if err == nil {
				var d *Document
				if d, err = Parse(b); err == nil {
					for _, w := range d.Warnings {
						l.Warnings = append(l.Warnings, fmt.Errorf("văn bản nhập %s: %s", e.Name(), w))
					}
					l.addFullText(d, p)
					continue
				}
			}
			l.Warnings = append(l.Warnings, fmt.Errorf("bỏ qua văn bản nhập %s: %w", e.Name(), err))
		}
	}

	l.link()
	if err := l.linkInForce(now); err != nil {
		return nil, err
	}
	l.planSlug = corpusPlan
	l.assignments = assignmentsOf(l.bySlug[corpusPlan])

	if err := l.loadArticles(root); err != nil {
		return nil, err
	}
	return l, nil
}

// corpusRoot descends into "corpus" when the tree has it and no
// catalogue.yaml at its root (the embedded Corpus).
func corpusRoot(corpus fs.FS) (fs.FS, error) {
	if corpus == nil {
		return nil, errors.New("thiếu kho văn bản (corpus)")
	}
	if _, err := fs.Stat(corpus, "catalogue.yaml"); err == nil {
		return corpus, nil
	}
	if fi, err := fs.Stat(corpus, "corpus"); err == nil && fi.IsDir() {
		return fs.Sub(corpus, "corpus")
	}
	return corpus, nil
}

// addFullText adds a parsed document, enriching and replacing a catalogue
// record of the same slug; a second full text of the same slug replaces
// the first, with a warning.
func (l *Library) addFullText(d *Document, source string) {
	if old, ok := l.bySlug[d.Slug]; ok {
		if old.HasFullText {
			l.Warnings = append(l.Warnings, fmt.Errorf("văn bản %s (%s) thay bản đã có cùng slug %s", d.Number, source, d.Slug))
		}
		enrich(d, old)
	}
	l.bySlug[d.Slug] = d
}

// link resolves every citation of the full texts and fills Cites and
// CitedBy, then sorts the documents.
func (l *Library) link() {
	byNumber := map[string][]*Document{}
	for _, d := range l.bySlug {
		if d.Number != "" {
			byNumber[numberKey(d.Number)] = append(byNumber[numberKey(d.Number)], d)
		}
	}
	citers := make([]*Document, 0, len(l.bySlug))
	for _, d := range l.bySlug {
		if d.HasFullText {
			citers = append(citers, d)
		}
	}
	sort.Slice(citers, func(i, j int) bool { return citers[i].Slug < citers[j].Slug })
	for _, d := range citers {
		for i := range d.Citations {
			c := &d.Citations[i]
			target := l.resolve(c, byNumber)
			if target == nil && c.Slug != "" {
				// Known only from this citation: it joins the catalogue.
				target = &Document{Slug: c.Slug, Type: c.Type, Number: c.Number, Issuer: c.Issuer, IssuedOn: c.IssuedOn, Title: upperFirst(c.Subject)}
				l.bySlug[target.Slug] = target
				byNumber[numberKey(target.Number)] = append(byNumber[numberKey(target.Number)], target)
			}
			if target == nil || target == d {
				c.Slug = ""
				continue
			}
			c.Slug = target.Slug
			if !target.HasFullText {
				// The catalogue learns what the citing text says of it.
				if target.Issuer == "" {
					target.Issuer = c.Issuer
				}
				if target.Title == "" {
					target.Title = upperFirst(c.Subject)
				}
			}
			d.Cites = appendUnique(d.Cites, target.Slug)
			target.CitedBy = appendUnique(target.CitedBy, d.Slug)
		}
	}
	l.docs = make([]*Document, 0, len(l.bySlug))
	for _, d := range l.bySlug {
		if d.Cites == nil {
			d.Cites = []string{}
		}
		if d.CitedBy == nil {
			d.CitedBy = []string{}
		}
		sort.Strings(d.Cites)
		sort.Strings(d.CitedBy)
		l.docs = append(l.docs, d)
	}
	sort.Slice(l.docs, func(i, j int) bool {
		a, b := l.docs[i], l.docs[j]
		if !a.IssuedOn.Equal(b.IssuedOn) {
			return a.IssuedOn.After(b.IssuedOn)
		}
		if a.Number != b.Number {
			return a.Number < b.Number
		}
		return a.Slug < b.Slug
	})
}

// linkInForce resolves the catalogue's replaced_by numbers to slugs and
// links both ways (ReplacedBy, Replaces), then derives the status of texts
// without one from their own term (deriveInForce). A replaced_by that names
// no document of the library is an error of the shipped catalogue.
func (l *Library) linkInForce(now time.Time) error {
	for _, d := range l.docs {
		n := d.InForce.replacedByNumber
		if n == "" {
			continue
		}
		var target *Document
		for _, c := range l.docs {
			if c != d && c.Number != "" && numberKey(c.Number) == numberKey(n) {
				target = c
				break
			}
		}
		if target == nil {
			return fmt.Errorf("catalogue.yaml, văn bản %s: trường in_force.replaced_by nhắc văn bản %s không có trong thư viện", d.Number, n)
		}
		d.InForce.ReplacedBy = target.Slug
		target.InForce.Replaces = appendUnique(target.InForce.Replaces, d.Slug)
		sort.Strings(target.InForce.Replaces)
	}
	for _, d := range l.docs {
		deriveInForce(d, now)
	}
	return nil
}

// resolve finds the document a citation points to: by slug, else by
// number — the only document with it, or the one of the same year, or of
// the same issuer.
func (l *Library) resolve(c *Citation, byNumber map[string][]*Document) *Document {
	if c.Slug != "" {
		if d, ok := l.bySlug[c.Slug]; ok {
			return d
		}
	}
	cands := byNumber[numberKey(c.Number)]
	if len(cands) == 1 && (c.IssuedOn.IsZero() || cands[0].IssuedOn.IsZero() || cands[0].IssuedOn.Year() == c.IssuedOn.Year()) {
		return cands[0]
	}
	if c.IssuedOn.IsZero() && c.Issuer != "" {
		var match *Document
		for _, d := range cands {
			if strings.EqualFold(d.Issuer, c.Issuer) {
				if match != nil {
					return nil // ambiguous
				}
				match = d
			}
		}
		return match
	}
	return nil
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// loadArticles reads bai-viet/*.md, checks that every cited slug is a
// document, and sorts newest first (then by slug).
func (l *Library) loadArticles(root fs.FS) error {
	names, err := fs.Glob(root, "bai-viet/*.md")
	if err != nil {
		return err
	}
	for _, name := range names {
		b, err := fs.ReadFile(root, name)
		if err != nil {
			return fmt.Errorf("đọc %s: %w", name, err)
		}
		a, err := ParseArticle(b)
		if err != nil {
			return fmt.Errorf("%s: %w", path.Base(name), err)
		}
		for _, s := range a.Cites {
			if _, ok := l.bySlug[s]; !ok {
				return fmt.Errorf("%s: trường cites nhắc văn bản %q không có trong thư viện", path.Base(name), s)
			}
		}
		if _, dup := l.bySlugArt[a.Slug]; dup {
			return fmt.Errorf("%s: trùng slug bài viết %q", path.Base(name), a.Slug)
		}
		l.bySlugArt[a.Slug] = a
		l.articles = append(l.articles, a)
	}
	sort.Slice(l.articles, func(i, j int) bool {
		a, b := l.articles[i], l.articles[j]
		if !a.Published.Equal(b.Published) {
			return a.Published.After(b.Published)
		}
		return a.Slug < b.Slug
	})
	return nil
}

// Documents returns every document, newest issue first, then by Number.
// Documents without a date come last. The slice is a copy.
func (l *Library) Documents() []*Document { return append([]*Document(nil), l.docs...) }

// Document returns the document with the slug.
func (l *Library) Document(slug string) (*Document, bool) {
	d, ok := l.bySlug[slug]
	return d, ok
}

// Articles returns every article, newest first. The slice is a copy.
func (l *Library) Articles() []*Article { return append([]*Article(nil), l.articles...) }

// Article returns the article with the slug.
func (l *Library) Article(slug string) (*Article, bool) {
	a, ok := l.bySlugArt[slug]
	return a, ok
}

// ArticlesCiting returns the articles whose Cites include the document
// slug, newest first.
func (l *Library) ArticlesCiting(slug string) []*Article {
	var out []*Article
	for _, a := range l.articles {
		for _, s := range a.Cites {
			if s == slug {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

// PlanSlug returns the slug of the plan, "53-kh-ubnd-2017", or "" if the
// corpus does not hold it.
func (l *Library) PlanSlug() string { return l.planSlug }

// Assignments returns the plan's section III "PHÂN CÔNG NHIỆM VỤ" as
// structured data, one entry per agency in the order printed (13 in the
// plan). The slice is a copy; nil when the plan is not loaded.
func (l *Library) Assignments() []Assignment {
	return append([]Assignment(nil), l.assignments...)
}
