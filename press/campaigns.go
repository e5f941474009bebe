package press

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/store"
)

// msgCoverGone: the form names a cover image that is not stored.
const msgCoverGone = "Không tìm thấy ảnh bìa đã tải lên (có thể đã quá một ngày). Vui lòng chọn và tải ảnh lên lại."

// Limits of the campaign form, in characters (runes) except the body.
const (
	MaxTitleLen   = 200
	MaxSummaryLen = 500
	MaxBodyBytes  = 100_000
	// maxSlugLen keeps URLs readable; the slug is cut at a word boundary.
	maxSlugLen = 80
)

// CampaignInput is the campaign form as typed. Strings may be in any
// Unicode normalisation form; they are normalised to NFC.
type CampaignInput struct {
	Kind    string // store.KindCampaign (default) or store.KindArticle
	Title   string
	Summary string
	BodyMD  string
	// Status is "draft" or "published".
	Status string
	// PublishAt is the local time (Asia/Ho_Chi_Minh) to go public, as
	// typed: "2026-07-01T08:00" (datetime-local), or "01/07/2026 08:00";
	// empty: now (or, on an edit, the time already set).
	PublishAt string
	// Cover is a media name returned by SaveCover; empty: keep the current
	// cover (or none). RemoveCover drops the current one.
	Cover       string
	RemoveCover bool
	// Version is the version the editor opened (edits only).
	Version int64
}

// Location is the time zone publication times are entered and shown in:
// Vietnam (UTC+7, no daylight saving). time/tzdata is embedded by
// tzdata.go, so this works on machines without a zone database.
var Location = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		return time.FixedZone("ICT", 7*3600)
	}
	return loc
}()

// publishAtLayouts are the accepted forms of a typed publication time.
var publishAtLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "02/01/2006 15:04", "2/1/2006 15:04"}

// ParsePublishAt reads a local publication time (see CampaignInput.PublishAt).
// ok is false when s is not empty and not in an accepted form.
func ParsePublishAt(s string) (t time.Time, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	for _, layout := range publishAtLayouts {
		if t, err := time.ParseInLocation(layout, s, Location); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// FormatPublishAt writes t in the datetime-local form, in local time.
func FormatPublishAt(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Location).Format("2006-01-02T15:04")
}

// cleanLine NFC-normalises a one-line field, turns any run of blank or
// control characters into one space and trims it.
func cleanLine(s string) string {
	s = norm.NFC.String(strings.ToValidUTF8(s, "\uFFFD"))
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}

// cleanBody NFC-normalises the Markdown, uses LF line ends and drops
// control characters other than newline and tab.
func cleanBody(s string) string {
	s = norm.NFC.String(strings.ToValidUTF8(s, "\uFFFD"))
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// foldMarks removes combining marks after canonical decomposition.
var foldMarks = transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)

// MakeSlug turns a title into a readable URL key by the slug rule of
// DESIGN.md ("Documents"): lower case, diacritics folded (including đ → d,
// which Unicode does not decompose, and vowels with two marks), every run
// of characters other than ASCII letters and digits turned into "-"; then
// cut at a word boundary to at most 80 characters. "Tháng hành động phòng,
// chống ma túy" → "thang-hanh-dong-phong-chong-ma-tuy". A title with no
// usable character gives "chien-dich".
func MakeSlug(title string) string {
	folded, _, err := transform.String(foldMarks, strings.ToLower(title))
	if err != nil {
		folded = strings.ToLower(title)
	}
	words := strings.FieldsFunc(strings.Map(func(r rune) rune {
		if r == 'đ' || r == 'Đ' {
			return 'd'
		}
		return r
	}, folded), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	slug := ""
	for _, w := range words {
		next := w
		if slug != "" {
			next = slug + "-" + w
		}
		if len(next) > maxSlugLen {
			if slug == "" {
				slug = w[:maxSlugLen]
			}
			break
		}
		slug = next
	}
	if slug == "" {
		return "chien-dich"
	}
	return slug
}

// validate cleans in and returns the fields of a campaign, or FieldErrors
// (keys "kind", "title", "summary", "body", "status", "publish_at").
// cur is the campaign being edited (zero for a new one).
func (o *Office) validate(ctx context.Context, in CampaignInput, cur store.Campaign, now time.Time) (store.Campaign, error) {
	c := cur
	fe := formerr.FieldErrors{}
	c.Kind = in.Kind
	if c.Kind == "" {
		c.Kind = store.KindCampaign
	}
	if c.Kind != store.KindCampaign && c.Kind != store.KindArticle {
		fe["kind"] = "Loại bài phải là chiến dịch hoặc bài viết."
	}
	c.Title = cleanLine(in.Title)
	switch n := utf8.RuneCountInString(c.Title); {
	case n == 0:
		fe["title"] = "Vui lòng nhập tiêu đề."
	case n > MaxTitleLen:
		fe["title"] = fmt.Sprintf("Tiêu đề không được dài quá %d ký tự (hiện có %d).", MaxTitleLen, n)
	}
	c.Summary = cleanLine(in.Summary)
	if n := utf8.RuneCountInString(c.Summary); n > MaxSummaryLen {
		fe["summary"] = fmt.Sprintf("Tóm tắt không được dài quá %d ký tự (hiện có %d).", MaxSummaryLen, n)
	}
	c.BodyMD = cleanBody(in.BodyMD)
	switch {
	case c.BodyMD == "":
		fe["body"] = "Vui lòng nhập nội dung."
	case len(c.BodyMD) > MaxBodyBytes:
		fe["body"] = fmt.Sprintf("Nội dung quá dài (tối đa %d byte).", MaxBodyBytes)
	}
	at, ok := ParsePublishAt(in.PublishAt)
	if !ok {
		fe["publish_at"] = "Thời điểm đăng không hợp lệ. Nhập theo dạng ngày/tháng/năm giờ:phút, ví dụ 15/01/2027 08:00."
	}
	switch in.Status {
	case store.StatusDraft:
		c.Status, c.PublishedAt = store.StatusDraft, time.Time{}
	case store.StatusPublished:
		c.Status = store.StatusPublished
		switch {
		case !ok:
		case at.IsZero() && cur.Public(now):
			// Editing a public campaign keeps its publication time.
		case at.IsZero():
			c.PublishedAt = now
		case cur.Status == store.StatusPublished && at.Equal(cur.PublishedAt.Truncate(time.Minute)):
			// Unchanged time (the form shows it to the minute).
		case at.Before(now.Add(-time.Minute)):
			fe["publish_at"] = "Thời điểm đăng đã qua. Để trống để đăng ngay, hoặc chọn một thời điểm trong tương lai."
		case at.Before(now):
			c.PublishedAt = now
		default:
			c.PublishedAt = at
		}
	default:
		fe["status"] = "Trạng thái phải là bản nháp hoặc đăng."
	}
	if in.RemoveCover {
		c.Cover = ""
	}
	if in.Cover != "" {
		switch {
		case !validMediaName(in.Cover):
			fe["cover"] = "Ảnh bìa không hợp lệ. Vui lòng tải ảnh lên lại."
		case in.Cover != cur.Cover && !o.coverExists(ctx, in.Cover):
			// A name from the form that names no stored file: a tampered
			// form, or an upload deleted by CleanMedia after a day.
			fe["cover"] = msgCoverGone
		}
		c.Cover = in.Cover
	}
	if len(fe) > 0 {
		return store.Campaign{}, fe
	}
	return c, nil
}

// auditAction names the change from before to after, at now.
func auditAction(before, after store.Campaign, isNew bool, now time.Time) string {
	switch {
	case after.Public(now) && !before.Public(now):
		return "campaign.publish"
	case after.Scheduled(now) && (!before.Scheduled(now) || !before.PublishedAt.Equal(after.PublishedAt)):
		return "campaign.schedule"
	case !after.Public(now) && before.Public(now), after.Status == store.StatusDraft && before.Scheduled(now):
		return "campaign.unpublish"
	case isNew:
		return "campaign.create"
	}
	return "campaign.update"
}

// CreateCampaign validates in and saves a new campaign by p, with a unique
// slug made from its title. If it is public at once, the search index gets
// it before CreateCampaign returns. Only press and admin may do this.
func (o *Office) CreateCampaign(ctx context.Context, p Principal, in CampaignInput) (store.Campaign, error) {
	if !p.CanPublish() {
		return store.Campaign{}, ErrForbidden
	}
	now := o.now()
	c, err := o.validate(ctx, in, store.Campaign{}, now)
	if err != nil {
		return store.Campaign{}, err
	}
	c.Slug = MakeSlug(c.Title)
	c.CreatedAt, c.UpdatedAt, c.CreatedBy, c.UpdatedBy = now, now, p.Username, p.Username
	c, err = o.db.CreateCampaign(ctx, c, o.audit(p.Username, auditAction(store.Campaign{}, c, true, now), ""))
	if errors.Is(err, store.ErrMediaNotFound) {
		return store.Campaign{}, coverError(msgCoverGone)
	}
	if err != nil {
		return store.Campaign{}, err
	}
	o.changed()
	o.syncOne(ctx, c.ID)
	return c, nil
}

// UpdateCampaign validates in and saves it over campaign id (publish now,
// schedule, unpublish and edit are all this, by Status and PublishAt). The
// slug never changes. The search index is updated before it returns. A
// stale in.Version gives ErrEditConflict.
func (o *Office) UpdateCampaign(ctx context.Context, p Principal, id int64, in CampaignInput) (store.Campaign, error) {
	if !p.CanPublish() {
		return store.Campaign{}, ErrForbidden
	}
	cur, err := o.Campaign(ctx, id)
	if err != nil {
		return store.Campaign{}, err
	}
	now := o.now()
	c, err := o.validate(ctx, in, cur, now)
	if err != nil {
		return store.Campaign{}, err
	}
	return o.save(ctx, p, cur, c, in.Version, now)
}

// PublishNow makes campaign id public now (or keeps it public), without
// touching its text. version is the version shown to the editor.
func (o *Office) PublishNow(ctx context.Context, p Principal, id, version int64) (store.Campaign, error) {
	return o.setState(ctx, p, id, version, func(c *store.Campaign, now time.Time) {
		if !c.Public(now) {
			c.Status, c.PublishedAt = store.StatusPublished, now
		}
	})
}

// Unpublish takes campaign id off the site, the feed, the sitemap and
// search at once; it becomes a draft again.
func (o *Office) Unpublish(ctx context.Context, p Principal, id, version int64) (store.Campaign, error) {
	return o.setState(ctx, p, id, version, func(c *store.Campaign, now time.Time) {
		c.Status, c.PublishedAt = store.StatusDraft, time.Time{}
	})
}

func (o *Office) setState(ctx context.Context, p Principal, id, version int64, f func(*store.Campaign, time.Time)) (store.Campaign, error) {
	if !p.CanPublish() {
		return store.Campaign{}, ErrForbidden
	}
	cur, err := o.Campaign(ctx, id)
	if err != nil {
		return store.Campaign{}, err
	}
	now := o.now()
	c := cur
	f(&c, now)
	return o.save(ctx, p, cur, c, version, now)
}

func (o *Office) save(ctx context.Context, p Principal, cur, c store.Campaign, version int64, now time.Time) (store.Campaign, error) {
	c.Version, c.UpdatedAt, c.UpdatedBy = version, now, p.Username
	saved, err := o.db.UpdateCampaign(ctx, c, o.audit(p.Username, auditAction(cur, c, false, now), ""))
	switch {
	case errors.Is(err, store.ErrMediaNotFound):
		// Deleted by the cleanup between the check and the save.
		return store.Campaign{}, coverError(msgCoverGone)
	case errors.Is(err, store.ErrConflict):
		return store.Campaign{}, ErrEditConflict
	case errors.Is(err, store.ErrNotFound):
		return store.Campaign{}, ErrNotFound
	case err != nil:
		return store.Campaign{}, err
	}
	o.changed()
	o.syncOne(ctx, saved.ID)
	return saved, nil
}

// Campaign returns campaign id, public or not (for the admin pages), or
// ErrNotFound.
func (o *Office) Campaign(ctx context.Context, id int64) (store.Campaign, error) {
	c, err := o.db.CampaignByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Campaign{}, ErrNotFound
	}
	return c, err
}

// Campaigns returns every campaign for the admin list, most recently
// edited first.
func (o *Office) Campaigns(ctx context.Context) ([]store.Campaign, error) {
	return o.db.ListCampaigns(ctx)
}

// PublicCampaign returns the campaign with that slug if it is public now,
// else ErrNotFound (drafts and scheduled campaigns do not exist for the
// public).
func (o *Office) PublicCampaign(ctx context.Context, slug string) (store.Campaign, error) {
	c, err := o.db.CampaignBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !c.Public(o.now())) {
		return store.Campaign{}, ErrNotFound
	}
	return c, err
}

// NextPublication returns the earliest publication time still to come of a
// scheduled campaign, or the zero time when none is scheduled. Pages that
// list public campaigns hold until then (a campaign is public from its
// time on, whether or not the scheduler has run).
func (o *Office) NextPublication(ctx context.Context) (time.Time, error) {
	all, err := o.db.ListCampaigns(ctx)
	if err != nil {
		return time.Time{}, err
	}
	now := o.now()
	var next time.Time
	for _, c := range all {
		if c.Scheduled(now) && (next.IsZero() || c.PublishedAt.Before(next)) {
			next = c.PublishedAt
		}
	}
	return next, nil
}

// PublicCampaigns returns up to limit campaigns public now, newest first
// (limit <= 0: all). A scheduled campaign is in the list from its time on,
// whether or not the scheduler has run.
func (o *Office) PublicCampaigns(ctx context.Context, limit int) ([]store.Campaign, error) {
	return o.db.ListPublicCampaigns(ctx, o.now(), limit)
}
