package handlers

import (
	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/seal"

	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/desk"
	"github.com/thaibinh-pcmt/portal/intake"
)

// The desk API for the agencies' own systems (issue 9, item 4), under
// /api/v1/desk, authorised by "Authorization: Bearer TOKEN" (RFC 6750)
// with a token from `portal token create`. It sees exactly what the
// token's desk sees in its inbox: another desk's case is 404. Every answer
// is JSON and no-store; errors are {"error", "errors": {field: message}}
// in Vietnamese.
const deskTokenLocal = "desk-actor"

// deskAPIBodyLimit bounds a desk API body: a 4,000-character message as
// \u escapes is about 50 KB.
const deskAPIBodyLimit = 96 << 10

// registerDeskAPI registers the desk API and the sender's message API.
func (s *Server) registerDeskAPI(app *fiber.App) {
	if s.Desk == nil {
		return
	}
	g := app.Group("/api/v1/desk", intakeNoStore, s.deskBearer)
	g.Get("/cases", s.apiDeskCases)
	g.Get("/cases/:id<int>", s.apiDeskCase)
	g.Get("/cases/:id<int>/attachments/:photo<int>", s.apiDeskPhoto)
	g.Post("/cases/:id<int>/messages", limitBody(deskAPIBodyLimit), s.apiGuard, s.apiDeskMessage)
	g.Post("/cases/:id<int>/status", limitBody(deskAPIBodyLimit), s.apiGuard, s.apiDeskStatus)
}

// msgBearer is the 401 message of the desk API.
const msgBearer = "Cần mã truy cập của bộ phận trong tiêu đề Authorization: Bearer MÃ (tạo bằng lệnh portal token create)."

// deskBearer authenticates the request's Bearer token; without a valid
// one it answers 401 with WWW-Authenticate (RFC 6750, section 3).
func (s *Server) deskBearer(c *fiber.Ctx) error {
	h := c.Get(fiber.HeaderAuthorization)
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="portal"`)
		return &Problem{Status: fiber.StatusUnauthorized, Message: msgBearer}
	}
	a, err := s.Desk.Authenticate(c.UserContext(), strings.TrimSpace(token))
	if errors.Is(err, desk.ErrBadToken) {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="portal", error="invalid_token"`)
		return &Problem{Status: fiber.StatusUnauthorized, Message: desk.ErrBadToken.Error()}
	}
	if err != nil {
		return err
	}
	c.Locals(deskTokenLocal, a)
	if s.Keys != nil {
		// The token's own wrapped copy of its desk's key, opened for this
		// request only.
		id, err := s.Keys.UnlockToken(c.UserContext(), a.Desk, strings.TrimSpace(token))
		if err != nil {
			return err
		}
		if id != nil {
			c.SetUserContext(seal.WithDeskKey(c.UserContext(), a.Desk, id))
		}
	}
	return c.Next()
}

func tokenActor(c *fiber.Ctx) desk.Actor {
	a, _ := c.Locals(deskTokenLocal).(desk.Actor)
	return a
}

// apiCase is a case in the desk API. Category holds the tip's category;
// Substance the enquiry's (one of the two is set).
type apiCase struct {
	ID            int64  `json:"id"`
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	StatusLabel   string `json:"status_label"`
	Outcome       string `json:"outcome,omitempty"`
	OutcomeLabel  string `json:"outcome_label,omitempty"`
	ReceivedOn    string `json:"received_on"`
	ReceivedHour  int    `json:"received_hour"`
	Category      string `json:"category,omitempty"`
	Substance     string `json:"substance,omitempty"`
	CategoryLabel string `json:"category_label"`
	Area          string `json:"area"`
	AreaLabel     string `json:"area_label"`
	Assignee      string `json:"assignee"`
	Unread        bool   `json:"unread"`
	Overdue       bool   `json:"overdue"`
	DueOn         string `json:"first_response_due_on"`
}

func toAPICase(r desk.Row) apiCase {
	a := apiCase{ID: r.ID, Kind: r.Kind, Status: r.Status, StatusLabel: r.StatusLabel, Outcome: r.Outcome,
		OutcomeLabel: r.OutcomeLabel, ReceivedOn: desk.IsoDate(r.ReceivedAt), ReceivedHour: r.ReceivedAt.In(desk.Vietnam).Hour(),
		CategoryLabel: r.CategoryLabel, Area: r.Area, AreaLabel: r.AreaLabel, Assignee: r.Assignee,
		Unread: r.Unread, Overdue: r.Overdue, DueOn: desk.IsoDate(r.DueAt)}
	if r.Kind == intake.KindRehabEnquiry {
		a.Substance = r.Category
	} else {
		a.Category = r.Category
	}
	return a
}

// apiMessage is one message of the conversation, as in POST /api/v1/status.
type apiMessage struct {
	From   string `json:"from"`
	Body   string `json:"body"`
	SentOn string `json:"sent_on"`
	// Photos is how many photos the sender sent with the message; absent
	// when none.
	Photos int `json:"photos,omitempty"`
	// Sealed, in the sender's status answer, reports a message the
	// receipt cannot open (body empty): sealed to the desk alone before
	// the case knew the receipt's key. Absent otherwise.
	Sealed bool `json:"sealed,omitempty"`
}

// apiEvent is one line of a case's history.
type apiEvent struct {
	At       string `json:"at"`
	Actor    string `json:"actor"`
	Type     string `json:"type"`
	What     string `json:"what"`
	Body     string `json:"body,omitempty"`
	Internal bool   `json:"internal"`
}

// apiDeskCases answers GET /api/v1/desk/cases?status=&since=&page= (and
// the inbox's other filters: category, area, to, assignee, overdue,
// unread, order) with {total, page, pages, cases: [...]}, 50 per page.
func (s *Server) apiDeskCases(c *fiber.Ctx) error {
	q, err := inboxQuery(c)
	if err != nil {
		return deskAPIProblem(err)
	}
	in, err := s.Desk.List(c.UserContext(), tokenActor(c), q)
	var fe formerr.FieldErrors
	if errors.As(err, &fe) && c.Query("from") == "" && c.Query("since") != "" {
		// The API's documented name for the start date is since (from is
		// the inbox's): name the field the client sent.
		if m, ok := fe[desk.FieldFrom]; ok {
			delete(fe, desk.FieldFrom)
			fe["since"] = m
		}
	}
	if err != nil {
		return deskAPIProblem(err)
	}
	out := make([]apiCase, 0, len(in.Rows))
	for _, r := range in.Rows {
		out = append(out, toAPICase(r))
	}
	return c.JSON(fiber.Map{"total": in.Total, "page": in.Query.Page, "pages": in.Pages, "cases": out})
}

// apiDeskCase answers GET /api/v1/desk/cases/{id} with {case, submission,
// messages, history, attachments} (attachments: the photos, each with the
// URL that downloads it); reading it marks the case read and is audited.
func (s *Server) apiDeskCase(c *fiber.Ctx) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	v, err := s.Desk.Open(c.UserContext(), tokenActor(c), id)
	if err != nil {
		return deskAPIProblem(err)
	}
	return c.JSON(caseJSON(v))
}

func caseJSON(v desk.CaseView) fiber.Map {
	msgs := []apiMessage{}
	hist := []apiEvent{}
	for _, e := range v.Events {
		if e.Type == "message_out" || e.Type == "message_in" {
			from := desk.FromDesk
			if e.FromSubmitter {
				from = desk.FromSubmitter
			}
			msgs = append(msgs, apiMessage{From: from, Body: e.Body, SentOn: desk.IsoDate(e.At), Photos: e.Photos})
		}
		hist = append(hist, apiEvent{At: e.When, Actor: e.Who, Type: e.Type, What: e.What, Body: e.Body, Internal: e.Internal})
	}
	var sub any = v.Submission.Tip
	if v.Submission.Enquiry != nil {
		sub = v.Submission.Enquiry
	}
	return fiber.Map{"case": toAPICase(v.Row), "submission": sub, "messages": msgs, "history": hist,
		"attachments": apiAttachments(v)}
}

// decodeDeskBody reads a desk API body into v: one JSON object; a field v
// does not have, a field sent twice (intake.CheckFields: keys are matched
// exactly) and a field of the wrong type are a 422 naming it, as on the
// public API.
func decodeDeskBody(body []byte, v any) error {
	trimmed := intake.TrimJSON(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return badRequest(msgMalformedJSON)
	}
	keys, _ := intake.JSONKeys(trimmed)
	if fe := intake.CheckFields(keys, intake.JSONFields(v), desk.FieldLabels); fe != nil {
		return &Problem{Status: fiber.StatusUnprocessableEntity, Message: msgInvalidInput, Fields: fe}
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	err := dec.Decode(v)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		label := desk.FieldLabels[te.Field]
		if label == "" {
			label = te.Field
		}
		return &Problem{Status: fiber.StatusUnprocessableEntity, Message: msgInvalidInput,
			Fields: map[string]string{te.Field: label + ": phải là một chuỗi ký tự"}}
	}
	if err != nil {
		return badRequest(msgMalformedJSON)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest(msgMalformedJSON)
	}
	return nil
}

// apiDeskMessage answers POST /api/v1/desk/cases/{id}/messages {body}
// with 201 and the message, which the sender reads at /tra-cuu.
func (s *Server) apiDeskMessage(c *fiber.Ctx) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := decodeDeskBody(c.Body(), &in); err != nil {
		return err
	}
	m, err := s.Desk.SendMessage(c.UserContext(), tokenActor(c), id, in.Body)
	if err != nil {
		return deskAPIProblem(err)
	}
	return c.Status(fiber.StatusCreated).JSON(apiMessage{From: m.From, Body: m.Body, SentOn: m.SentOn()})
}

// apiDeskStatus answers POST /api/v1/desk/cases/{id}/status {status,
// note, outcome} with 200 and the case.
func (s *Server) apiDeskStatus(c *fiber.Ctx) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	var in struct {
		Status  string `json:"status"`
		Note    string `json:"note"`
		Outcome string `json:"outcome"`
		// From, optional, is the status the client last read: when the
		// case has moved since (another officer, another system), the
		// change is refused with 409 instead of overwriting theirs, as the
		// inbox's form is.
		From string `json:"from"`
	}
	if err := decodeDeskBody(c.Body(), &in); err != nil {
		return err
	}
	a := tokenActor(c)
	if err := s.Desk.ChangeStatus(c.UserContext(), a, id, desk.StatusChange{From: in.From, To: in.Status, Note: in.Note, Outcome: in.Outcome}); err != nil {
		return deskAPIProblem(err)
	}
	r, err := s.Desk.Row(c.UserContext(), a, id)
	if err != nil {
		return deskAPIProblem(err)
	}
	return c.JSON(fiber.Map{"case": toAPICase(r)})
}
