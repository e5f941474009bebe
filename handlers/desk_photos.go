package handlers

import (
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/desk"
	"github.com/thaibinh-pcmt/portal/intake"
)

// The photos of a case (issue 16, phase 2), served only to the case's
// desk: on the case page (/quan-tri/hop-thu/{id}/anh/{photo}, the staff
// session) and through the desk API (/api/v1/desk/cases/{id}/attachments/
// {photo}, a desk token). Another desk's photo is 404, like one that does
// not exist; the answer is always a download (Content-Disposition:
// attachment), nosniff and no-store. An <img> on the case page shows it
// all the same (browsers ignore Content-Disposition for images).

// photoPath is the case page's URL of photo pid of case id.
func photoPath(id, pid int64) string { return fmt.Sprintf("%s/%d/anh/%d", inboxPath, id, pid) }

// apiPhotoPath is the desk API's URL of photo pid of case id.
func apiPhotoPath(id, pid int64) string {
	return fmt.Sprintf("/api/v1/desk/cases/%d/attachments/%d", id, pid)
}

// PhotosOf returns the case's photos sent with the sender's message ev, or
// with the submission when ev is 0 (the case page's template).
func (d *caseData) PhotosOf(ev int64) []desk.PhotoInfo {
	var out []desk.PhotoInfo
	for _, p := range d.Case.Photos {
		if p.MessageID == ev {
			out = append(out, p)
		}
	}
	return out
}

// PhotoURL is the case page's URL of photo pid of the case.
func (d *caseData) PhotoURL(pid int64) string { return photoPath(d.Case.ID, pid) }

// photoID reads the :photo parameter; a malformed one is 404.
func photoID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("photo"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound(desk.ErrPhotoNotFound.Error())
	}
	return id, nil
}

// sendPhoto opens photo :photo of case :id for a and sends it as a
// download.
func sendPhoto(c *fiber.Ctx, d *desk.Service, a desk.Actor, problem func(error) error) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	pid, err := photoID(c)
	if err != nil {
		return err
	}
	p, err := d.Photo(c.UserContext(), a, id, pid)
	if err != nil {
		return problem(err)
	}
	c.Set(fiber.HeaderContentType, p.ContentType)
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="ho-so-%d-anh-%d.jpg"`, id, pid))
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderCacheControl, cacheNoStore)
	return c.Send(p.Data)
}

// casePhoto serves a photo of a case to its desk's staff.
func (h *admin) casePhoto(c *fiber.Ctx) error { return sendPhoto(c, h.Desk, actor(c), deskProblem) }

// apiDeskPhoto answers GET /api/v1/desk/cases/{id}/attachments/{photo}.
func (s *Server) apiDeskPhoto(c *fiber.Ctx) error {
	return sendPhoto(c, s.Desk, tokenActor(c), deskAPIProblem)
}

// apiAttachment is one photo of a case in the desk API.
type apiAttachment struct {
	ID  int64  `json:"id"`
	URL string `json:"url"`
	// From is "submission" or "message" (MessageIndex: which of the
	// sender's messages, from 0, in the "messages" list's order of the
	// sender's own).
	From        string `json:"from"`
	Index       int    `json:"index"`
	ContentType string `json:"content_type"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
	Bytes       int    `json:"bytes,omitempty"`
}

// apiAttachments lists v's photos with their URLs.
func apiAttachments(v desk.CaseView) []apiAttachment {
	var refs []intake.AttachmentRef
	if v.Submission.Tip != nil {
		refs = v.Submission.Tip.AttachmentRefs
	}
	out := []apiAttachment{}
	for _, p := range v.Photos {
		a := apiAttachment{ID: p.ID, URL: apiPhotoPath(v.ID, p.ID), From: "message", Index: p.Index, ContentType: "image/jpeg"}
		if p.MessageID == 0 {
			a.From = "submission"
			if p.Index < len(refs) {
				r := refs[p.Index]
				a.Width, a.Height, a.Bytes = r.Width, r.Height, r.Bytes
			}
		}
		out = append(out, a)
	}
	return out
}
