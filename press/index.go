package press

import (
	"bytes"
	"context"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"

	"github.com/thaibinh-pcmt/portal/search"
	"github.com/thaibinh-pcmt/portal/store"
)

// URLPrefix is the path of the public campaign pages: a campaign's page
// is URLPrefix + "/" + its slug.
const URLPrefix = "/chien-dich"

// URL is the public path of campaign c.
func URL(c store.Campaign) string { return URLPrefix + "/" + c.Slug }

// SearchSlug is the key of campaign c in the search index.
func SearchSlug(c store.Campaign) string { return "chien-dich/" + c.Slug }

// Document types of campaigns as written (the same strings as
// content.TypeCampaign and content.TypeArticle).
const (
	TypeCampaign = "Chiến dịch"
	TypeArticle  = "Bài viết"
)

// TypeName is the document type of c as written: "Chiến dịch" or "Bài viết".
func TypeName(c store.Campaign) string {
	if c.Kind == store.KindArticle {
		return TypeArticle
	}
	return TypeCampaign
}

// markdownParser only parses (it never renders), to take the plain text of
// a body for the search index; raw HTML in the Markdown is skipped, so no
// markup the sanitiser would remove from the page is ever indexed.
var markdownParser = goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser()

// PlainText returns the words of a Markdown body without markup: one line
// per block, raw HTML left out, link and image targets left out (image alt
// text kept).
func PlainText(md string) string {
	src := []byte(md)
	doc := markdownParser.Parse(text.NewReader(src))
	var buf bytes.Buffer
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch n := n.(type) {
		case *ast.HTMLBlock, *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			if entering {
				buf.Write(n.Segment.Value(src))
				if n.SoftLineBreak() || n.HardLineBreak() {
					buf.WriteByte(' ')
				}
			}
		case *ast.String:
			if entering {
				buf.Write(n.Value)
			}
		case *ast.CodeSpan:
			// its children are Text nodes, written above
		case *ast.AutoLink:
			if entering {
				buf.Write(n.Label(src))
			}
		default:
			if !entering && n.Type() == ast.TypeBlock {
				buf.WriteByte('\n')
			}
		}
		return ast.WalkContinue, nil
	})
	var lines []string
	for _, l := range strings.Split(buf.String(), "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// SearchDoc maps campaign c to the search index's document.
func SearchDoc(c store.Campaign) search.Doc {
	d := search.Doc{
		Slug:    SearchSlug(c),
		Type:    TypeName(c),
		Title:   c.Title,
		Summary: c.Summary,
		URL:     URL(c),
	}
	if !c.PublishedAt.IsZero() {
		d.Year = c.PublishedAt.In(Location).Year()
	}
	if body := PlainText(c.BodyMD); body != "" {
		d.Sections = []search.Section{{Text: body}}
	}
	if d.Summary == "" {
		d.Summary = firstWords(PlainText(c.BodyMD), 200)
	}
	return d
}

// firstWords returns s cut at a word boundary to at most n runes, with an
// ellipsis when cut.
func firstWords(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > 0 {
		cut = cut[:i]
	}
	return cut + "…"
}

// syncOne brings the search index in step with campaign id now. A failure
// is logged and left for the scheduler, which retries every campaign whose
// index entry is out of step (store.CampaignsToIndex).
func (o *Office) syncOne(ctx context.Context, id int64) {
	if o.index == nil {
		return
	}
	o.syncMu.Lock()
	defer o.syncMu.Unlock()
	c, err := o.db.CampaignByID(ctx, id)
	if err != nil {
		o.log.Error("search sync: load campaign", "id", id, "err", err)
		return
	}
	if _, err := o.syncLocked(ctx, c); err != nil {
		o.log.Warn("search sync failed; the scheduler will retry", "slug", c.Slug, "err", err)
	}
}

// syncLocked puts or deletes c in the index as its state at now requires
// and records what the index holds. wentLive is true when a scheduled
// campaign entered the index for the first time. syncMu must be held.
func (o *Office) syncLocked(ctx context.Context, c store.Campaign) (wentLive bool, err error) {
	now := o.now()
	if c.Public(now) {
		if c.IndexedVersion == c.Version {
			return false, nil
		}
		if err := o.index.Put(ctx, SearchDoc(c)); err != nil {
			return false, err
		}
		return c.IndexedVersion == 0 && c.PublishedAt.After(c.UpdatedAt), o.db.SetIndexedVersion(ctx, c.ID, c.Version)
	}
	if c.IndexedVersion == 0 {
		return false, nil
	}
	if err := o.index.Delete(ctx, SearchSlug(c)); err != nil {
		return false, err
	}
	return false, o.db.SetIndexedVersion(ctx, c.ID, 0)
}

// SyncDue brings every out-of-step campaign into the search index: the
// scheduled ones whose time has come, edits whose index update failed, and
// unpublished ones the index still holds. It returns how many it changed.
// A scheduled campaign going live is written in the audit log as done by
// the system. The first error is returned after trying all of them.
func (o *Office) SyncDue(ctx context.Context) (int, error) {
	return o.syncDue(ctx, true)
}

// syncDue is SyncDue; audit says whether go-lives are written to the audit
// log (not when Reindex re-puts everything at start).
func (o *Office) syncDue(ctx context.Context, audit bool) (int, error) {
	if o.index == nil {
		return 0, nil
	}
	o.syncMu.Lock()
	defer o.syncMu.Unlock()
	due, err := o.db.CampaignsToIndex(ctx, o.now())
	if err != nil {
		return 0, err
	}
	var first error
	n := 0
	for _, c := range due {
		live, err := o.syncLocked(ctx, c)
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		n++
		if live && audit {
			if err := o.db.AppendAudit(ctx, o.audit(ActorSystem, "campaign.go_live", SearchSlug(c))); err != nil {
				o.log.Error("audit go-live", "err", err)
			}
		}
	}
	return n, first
}

// Reindex puts every public campaign into the search index again (and
// records that), for use at start: the index may have been rebuilt (new
// analyser version, new engine) without them. It returns how many it put.
func (o *Office) Reindex(ctx context.Context) (int, error) {
	if o.index == nil {
		return 0, nil
	}
	if err := o.db.ForgetIndexed(ctx); err != nil {
		return 0, err
	}
	return o.syncDue(ctx, false)
}
