package handlers

import (
	"context"
	"errors"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/press"
	"github.com/thaibinh-pcmt/portal/store"
)

// adminCampaignRow is one line of the admin list.
type adminCampaignRow struct {
	store.Campaign
	State     string // Vietnamese: "Bản nháp", "Đã hẹn giờ đăng", "Đang hiển thị"
	When      string // publication time, local: "08:00 26/6/2026"; empty for drafts
	Edited    string // last edit, local
	Public    bool
	Scheduled bool
	URL       string
}

type adminCampaignsData struct {
	Staff press.Principal
	Rows  []adminCampaignRow
	// Notice is a confirmation after a redirect ("da-luu", "da-dang", "da-go").
	Notice string
}

var notices = map[string]string{
	"da-luu":  "Đã lưu.",
	"da-dang": "Đã đăng. Bài đã có trên trang, trong nguồn tin, sơ đồ trang và kết quả tìm kiếm.",
	"da-go":   "Đã gỡ xuống. Bài không còn trên trang, trong nguồn tin, sơ đồ trang và kết quả tìm kiếm.",
}

func (h *admin) adminCampaigns(c *fiber.Ctx) error {
	list, err := h.Press.Campaigns(c.UserContext())
	if err != nil {
		return err
	}
	now := h.Press.Now()
	d := adminCampaignsData{Staff: principal(c), Notice: notices[c.Query("tb")]}
	for _, cp := range list {
		r := adminCampaignRow{Campaign: cp, Public: cp.Public(now), Scheduled: cp.Scheduled(now), URL: press.URL(cp),
			When: localTime(cp.PublishedAt), Edited: localTime(cp.UpdatedAt)}
		switch {
		case r.Public:
			r.State = "Đang hiển thị"
		case r.Scheduled:
			r.State = "Đã hẹn giờ đăng"
		default:
			r.State = "Bản nháp"
		}
		d.Rows = append(d.Rows, r)
	}
	return h.render(c, fiber.StatusOK, "admin-campaigns", View{Title: "Chiến dịch và bài viết", Data: d})
}

// campaignFormData is the editor's data: what was typed, the messages per
// field and, after "Xem trước", the rendered body.
type campaignFormData struct {
	Staff    press.Principal
	ID       int64
	Version  int64
	Campaign *store.Campaign // the saved campaign when editing
	URL      string          // its public URL
	Public   bool

	Kind, Title, Summary, Body, Status, PublishAt, Cover string

	Errors  map[string]string
	Message string
	Notice  string
	Preview template.HTML
	// MaxCoverBytes is press.MaxCoverBytes, for the editor's script that
	// refuses a larger file before the form is sent.
	MaxCoverBytes int
}

func formFromCampaign(cp store.Campaign) campaignFormData {
	return campaignFormData{
		ID: cp.ID, Version: cp.Version, Campaign: &cp, URL: press.URL(cp),
		Kind: cp.Kind, Title: cp.Title, Summary: cp.Summary, Body: cp.BodyMD, Status: cp.Status,
		PublishAt: press.FormatPublishAt(cp.PublishedAt), Cover: cp.Cover,
	}
}

func (h *admin) renderCampaignForm(c *fiber.Ctx, status int, d campaignFormData) error {
	d.Staff = principal(c)
	d.MaxCoverBytes = press.MaxCoverBytes
	if d.Campaign != nil {
		d.Public = d.Campaign.Public(h.Press.Now())
	}
	title := "Soạn bài mới"
	if d.ID != 0 {
		title = "Sửa: " + d.Title
	}
	return h.render(c, status, "admin-campaign-form", View{Title: title, Data: d})
}

func (h *admin) newCampaign(c *fiber.Ctx) error {
	return h.renderCampaignForm(c, fiber.StatusOK, campaignFormData{Kind: store.KindCampaign, Status: store.StatusDraft})
}

func (h *admin) editCampaign(c *fiber.Ctx) error {
	cp, err := h.loadCampaign(c)
	if err != nil {
		return err
	}
	d := formFromCampaign(cp)
	d.Notice = notices[c.Query("tb")]
	return h.renderCampaignForm(c, fiber.StatusOK, d)
}

// loadCampaign reads the :id parameter and the campaign it names.
func (h *admin) loadCampaign(c *fiber.Ctx) (store.Campaign, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return store.Campaign{}, notFound("")
	}
	cp, err := h.Press.Campaign(c.UserContext(), id)
	if errors.Is(err, press.ErrNotFound) {
		return store.Campaign{}, notFound("Không tìm thấy chiến dịch này.")
	}
	return cp, err
}

// readCampaignForm reads the editor's fields (copied out of Fiber's
// buffers) and stores an uploaded cover. A rejected cover is reported in
// fe; the rest of the form is still read so that it can be shown again.
func (h *admin) readCampaignForm(c *fiber.Ctx) (press.CampaignInput, campaignFormData, map[string]string) {
	field := func(name string) string { return strings.Clone(c.FormValue(name)) }
	in := press.CampaignInput{
		Kind:        field("kind"),
		Title:       field("title"),
		Summary:     field("summary"),
		BodyMD:      field("body"),
		Status:      field("status"),
		PublishAt:   field("publish_at"),
		Cover:       field("cover_name"),
		RemoveCover: c.FormValue("remove_cover") == "1",
	}
	in.Version, _ = strconv.ParseInt(c.FormValue("version"), 10, 64)
	fe := map[string]string{}
	if fh, err := c.FormFile("cover"); err == nil && fh.Size > 0 {
		if fh.Size > press.MaxCoverBytes {
			fe["cover"] = "Ảnh bìa không được lớn quá 5 MB."
		} else if f, err := fh.Open(); err != nil {
			fe["cover"] = "Không đọc được ảnh bìa. Vui lòng tải lên lại."
		} else {
			name, err := h.Press.SaveCover(c.UserContext(), f)
			f.Close()
			var pe formerr.FieldErrors
			switch {
			case errors.As(err, &pe):
				fe["cover"] = pe["cover"]
			case err != nil:
				h.log.Error("save cover", "err", err)
				fe["cover"] = "Không lưu được ảnh bìa. Vui lòng thử lại."
			default:
				in.Cover = name
			}
		}
	}
	d := campaignFormData{Version: in.Version, Kind: in.Kind, Title: in.Title, Summary: in.Summary,
		Body: in.BodyMD, Status: in.Status, PublishAt: in.PublishAt, Cover: in.Cover}
	return in, d, fe
}

func (h *admin) createCampaign(c *fiber.Ctx) error {
	return h.saveCampaign(c, nil)
}

func (h *admin) updateCampaign(c *fiber.Ctx) error {
	cp, err := h.loadCampaign(c)
	if err != nil {
		return err
	}
	return h.saveCampaign(c, &cp)
}

// saveCampaign handles the editor's POST: "Xem trước" (action=preview)
// shows the rendered body without saving; otherwise the campaign is saved
// (created when cur is nil) and published, scheduled or unpublished as its
// status and time say, and the search index follows at once.
func (h *admin) saveCampaign(c *fiber.Ctx, cur *store.Campaign) error {
	in, d, fe := h.readCampaignForm(c)
	if cur != nil {
		d.ID, d.Campaign, d.URL = cur.ID, cur, press.URL(*cur)
		if in.Cover == "" && !in.RemoveCover {
			d.Cover = cur.Cover
		}
	}
	if c.FormValue("action") == "preview" {
		d.Preview = renderMarkdown(in.BodyMD)
		d.Errors = fe
		return h.renderCampaignForm(c, fiber.StatusOK, d)
	}
	if len(fe) > 0 {
		d.Errors, d.Message = fe, "Chưa lưu được: vui lòng sửa các mục được đánh dấu."
		return h.renderCampaignForm(c, fiber.StatusUnprocessableEntity, d)
	}
	var saved store.Campaign
	var err error
	if cur == nil {
		saved, err = h.Press.CreateCampaign(c.UserContext(), principal(c), in)
	} else {
		saved, err = h.Press.UpdateCampaign(c.UserContext(), principal(c), cur.ID, in)
	}
	var pe formerr.FieldErrors
	switch {
	case errors.As(err, &pe):
		d.Errors, d.Message = pe, "Chưa lưu được: vui lòng sửa các mục được đánh dấu."
		if pe["cover"] != "" {
			// A refused cover name is not shown or sent again; the
			// current cover (if any) stays.
			d.Cover = ""
			if cur != nil {
				d.Cover = cur.Cover
			}
		}
		return h.renderCampaignForm(c, fiber.StatusUnprocessableEntity, d)
	case errors.Is(err, press.ErrEditConflict):
		d.Message = err.Error()
		return h.renderCampaignForm(c, fiber.StatusConflict, d)
	case errors.Is(err, press.ErrNotFound):
		return notFound("Không tìm thấy chiến dịch này.")
	case errors.Is(err, press.ErrForbidden):
		return &Problem{Status: fiber.StatusForbidden, Message: err.Error()}
	case err != nil:
		return err
	}
	return c.Redirect(campaignsPath+"/"+strconv.FormatInt(saved.ID, 10)+"?tb=da-luu", fiber.StatusSeeOther)
}

func (h *admin) publishNow(c *fiber.Ctx) error {
	return h.changeState(c, h.Press.PublishNow, "da-dang")
}

func (h *admin) unpublish(c *fiber.Ctx) error {
	return h.changeState(c, h.Press.Unpublish, "da-go")
}

// changeState runs a publish-now or unpublish button: the version the
// editor saw must still be current, so a stale page cannot undo a newer
// change.
func (h *admin) changeState(c *fiber.Ctx, f func(context.Context, press.Principal, int64, int64) (store.Campaign, error), notice string) error {
	cp, err := h.loadCampaign(c)
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(c.FormValue("version"), 10, 64)
	_, err = f(c.UserContext(), principal(c), cp.ID, version)
	switch {
	case errors.Is(err, press.ErrEditConflict):
		return &Problem{Status: fiber.StatusConflict, Message: err.Error()}
	case errors.Is(err, press.ErrForbidden):
		return &Problem{Status: fiber.StatusForbidden, Message: err.Error()}
	case errors.Is(err, press.ErrNotFound):
		return notFound("Không tìm thấy chiến dịch này.")
	case err != nil:
		return err
	}
	return c.Redirect(campaignsPath+"?tb="+notice, fiber.StatusSeeOther)
}

// previewCampaign shows a saved campaign as the public will see it, whether
// or not it is public yet.
func (h *admin) previewCampaign(c *fiber.Ctx) error {
	cp, err := h.loadCampaign(c)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, "campaign", h.campaignView(cp, true))
}

// localTime writes t in Vietnam's time as "08:00 26/6/2026"; "" for zero.
func localTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(press.Location).Format("15:04 2/1/2006")
}
