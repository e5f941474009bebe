package handlers

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/pagecache"
	"github.com/thaibinh-pcmt/portal/rehab"
)

// enquiryFields are the fields of the rehab enquiry form, in page order.
var enquiryFields = []string{
	intake.FieldRelationship, intake.FieldSubstance, intake.FieldPreferredForm, intake.FieldArea,
	intake.FieldService, intake.FieldContactName, intake.FieldPhone, intake.FieldMessage, intake.FieldConsent,
}

// enquiryPosted are the posted fields the form shows again: its fields and
// the nonce.
var enquiryPosted = append(append([]string{}, enquiryFields...), nonceField)

// rehabGuideData is /cai-nghien: the forms of rehab, the services of the
// directory (filtered by area) and where enquiries go.
type rehabGuideData struct {
	Agency   string
	Areas    []intake.Option
	Area     string // the chosen area code, "" for all
	AreaName string
	Services []serviceCard
}

// serviceCard is a rehab service as listed and shown on its page.
type serviceCard struct {
	*rehab.Service
	Kinds     []string // Vietnamese names
	AreaNames []string // "" entries never; empty when not known
	Stale     bool     // last check more than a year ago
	CheckedOn string   // 14/9/2017
}

func (s *Server) serviceCard(sv *rehab.Service, areas []intake.Option) serviceCard {
	card := serviceCard{Service: sv, Kinds: sv.KindNames(), Stale: sv.Stale(s.Now()), CheckedOn: sv.CheckedOn.Format("2/1/2006")}
	for _, a := range sv.Areas {
		if a == rehab.WholeArea {
			card.AreaNames = append(card.AreaNames, "Toàn bộ địa bàn")
		} else if l, ok := intake.Label(areas, a); ok {
			card.AreaNames = append(card.AreaNames, l)
		}
	}
	return card
}

// rehabGuide shows the guidance on the forms of rehab and the directory of
// services; ?dia-ban=CODE keeps the services of that area (and those open
// to the whole territory). An unknown area shows every service.
func (s *Server) rehabGuide(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	area := strings.Clone(c.Query("dia-ban"))
	if area == "" {
		// The unfiltered page is a reading page: built once, cached.
		return s.cached(c, "/cai-nghien", func(context.Context) (pagecache.Content, error) {
			return s.htmlPage("/cai-nghien", "cai-nghien", s.rehabGuideView(""), time.Time{})
		})
	}
	return s.render(c, fiber.StatusOK, "cai-nghien", s.rehabGuideView(area))
}

// rehabGuideView is the View of /cai-nghien filtered by area ("" for all).
func (s *Server) rehabGuideView(area string) View {
	cat := s.Intake.Catalog()
	d := rehabGuideData{Agency: cat.Routes[intake.KindRehabEnquiry].Agency, Areas: cat.Options.Areas}
	if name, ok := intake.Label(cat.Options.Areas, area); ok {
		d.Area, d.AreaName = area, name
	}
	if s.Rehab != nil {
		for _, sv := range s.Rehab.InArea(d.Area) {
			d.Services = append(d.Services, s.serviceCard(sv, cat.Options.Areas))
		}
	}
	title := "Cai nghiện ma túy: các hình thức, nơi có thể đến và cách đăng ký tư vấn"
	if d.AreaName != "" {
		title = "Nơi hỗ trợ cai nghiện ma túy: " + d.AreaName
	}
	return View{
		Title:       title,
		Description: "Cai nghiện tự nguyện tại gia đình, cộng đồng; tại cơ sở cai nghiện; điều trị thay thế bằng Methadone: nơi có thể đến, nguồn thông tin và cách đăng ký để được gọi lại tư vấn.",
		Data:        d,
	}
}

// rehabService is /cai-nghien/dich-vu/{slug}: one service with every fact
// the directory holds, each with its source, and the date of its last check.
func (s *Server) rehabService(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	if s.Rehab == nil {
		return notFound("Không tìm thấy dịch vụ này. Xem danh sách tại trang Cai nghiện.")
	}
	sv, ok := s.Rehab.Service(c.Params("slug"))
	if !ok {
		return notFound("Không tìm thấy dịch vụ này. Xem danh sách tại trang Cai nghiện.")
	}
	card := s.serviceCard(sv, s.Intake.Catalog().Options.Areas)
	desc := strings.Join(card.Kinds, ", ")
	if sv.About.Known() {
		desc = sv.About.Text
	}
	return s.render(c, fiber.StatusOK, "cai-nghien-dich-vu", View{Title: sv.Name.Text, Description: desc, Data: card})
}

// enquiryPage shows the empty enquiry form (from its shell: formshell.go).
func (s *Server) enquiryPage(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	// A service page links here with ?dich-vu=SLUG: the form comes with
	// that service chosen (the choice is validated when the form is sent).
	if sv := strings.Clone(c.Query("dich-vu")); sv != "" {
		if _, ok := intake.Label(s.Intake.Catalog().Options.RehabServices, sv); ok {
			return s.renderEnquiryForm(c, fiber.StatusOK, map[string]string{intake.FieldService: sv}, false, nil, "")
		}
	}
	return s.emptyForm(c, "/cai-nghien/dang-ky", "cai-nghien-dang-ky", true, func(csrf, nonce string) View {
		v := s.enquiryView(nil, false, nil, "")
		v.CSRF = csrf
		if nonce != "" {
			v.Data.(*intakeForm).Nonce = nonce
		}
		return v
	})
}

// consentChecked is the value the enquiry form's consent checkbox sends
// (templates/pages/cai-nghien-dang-ky.html).
const consentChecked = "dong-y"

func (s *Server) renderEnquiryForm(c *fiber.Ctx, status int, values map[string]string, consent bool, fe formerr.FieldErrors, msg string) error {
	return s.render(c, status, "cai-nghien-dang-ky", s.enquiryView(values, consent, fe, msg))
}

// enquiryView is the View of the enquiry form with values, consent,
// errors and msg.
func (s *Server) enquiryView(values map[string]string, consent bool, fe formerr.FieldErrors, msg string) View {
	f := s.newIntakeForm(intake.KindRehabEnquiry, values, fe, enquiryFields)
	f.Consent = consent
	if msg != "" {
		f.Message = msg
	}
	return View{
		Title:       "Đăng ký tư vấn cai nghiện",
		Description: "Để lại số điện thoại để cán bộ tư vấn gọi lại về các hình thức cai nghiện ma túy.",
		Data:        f,
	}
}

// enquiryAgain shows the enquiry form again with what was posted and msg
// (after a 429 or a failed CSRF check); it stores nothing.
func (s *Server) enquiryAgain(c *fiber.Ctx, status int, msg string) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	v := formValues(c, enquiryPosted...)
	return s.renderEnquiryForm(c, status, v, v[intake.FieldConsent] != "", nil, msg)
}

// enquirySubmit validates the posted enquiry; on error the form comes back
// with messages and values, else the enquiry is committed and the receipt
// shown.
func (s *Server) enquirySubmit(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	v := formValues(c, enquiryPosted...)
	// Only a ticked checkbox is consent: its own value, or "on" (what a
	// browser sends for a checkbox without one); "khong", "false" or "0"
	// from a hand-made post are not (Luật 91/2025/QH15: consent is given
	// by a clear act).
	consent := v[intake.FieldConsent] == consentChecked || v[intake.FieldConsent] == "on"
	if honeypotFilled(c) {
		if stop, err := s.charge(c, false); stop {
			return err
		}
		return s.renderEnquiryForm(c, fiber.StatusUnprocessableEntity, v, consent, nil, msgHoneypot)
	}
	e, fe := s.Intake.Catalog().ValidateEnquiry(intake.EnquiryInput{
		Relationship: v[intake.FieldRelationship], Substance: v[intake.FieldSubstance],
		PreferredForm: v[intake.FieldPreferredForm], Area: v[intake.FieldArea],
		ContactName: v[intake.FieldContactName], Phone: v[intake.FieldPhone],
		Message: v[intake.FieldMessage], Consent: consent, Service: v[intake.FieldService],
	})
	if fe != nil {
		if stop, err := s.charge(c, true); stop {
			return err
		}
		return s.renderEnquiryForm(c, fiber.StatusUnprocessableEntity, v, consent, fe, "")
	}
	if stop, err := s.charge(c, false); stop {
		return err
	}
	r, err := s.Intake.SubmitEnquiry(c.UserContext(), e, intake.WithNonce(v[nonceField]))
	if errors.Is(err, intake.ErrAlreadySubmitted) {
		delete(v, nonceField) // a fresh nonce: what is shown again may be sent as a new enquiry
		return s.renderEnquiryForm(c, fiber.StatusConflict, v, consent, nil, msgAlreadySentEnquiry)
	}
	if diskFull(err) {
		// Nothing stored: the form comes back with what was typed, 503
		// and Retry-After (the error is logged by handleError's rule).
		s.log.Error("disk full: submission refused with 503", "err", err)
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(diskFullRetryAfter))
		return s.renderEnquiryForm(c, fiber.StatusServiceUnavailable, v, consent, nil, msgDiskFull)
	}
	if err != nil {
		return err
	}
	return s.renderReceipt(c, intake.KindRehabEnquiry, r)
}
