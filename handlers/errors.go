package handlers

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/intake"
)

// Problem is an error meant for the person: a status, a Vietnamese message
// and, for forms and the JSON API, a message per field.
type Problem struct {
	Status  int
	Message string
	// Fields maps a field name to its Vietnamese message.
	Fields map[string]string
	// RetryAfter, when positive, is sent as Retry-After (seconds) with a 429.
	RetryAfter int
	// Files are the refusals of uploaded files, in JSON as
	// "attachment_errors": [{index, file, error}].
	Files intake.AttachmentErrors
}

// fileProblem is one entry of "attachment_errors".
type fileProblem struct {
	Index int    `json:"index"`
	File  string `json:"file"`
	Error string `json:"error"`
}

func (p *Problem) Error() string { return strconv.Itoa(p.Status) + " " + p.Message }

// notFound is the Problem of a missing page or document.
func notFound(msg string) *Problem {
	if msg == "" {
		msg = "Không tìm thấy trang bạn yêu cầu."
	}
	return &Problem{Status: fiber.StatusNotFound, Message: msg}
}

// badRequest is the Problem of malformed input.
func badRequest(msg string) *Problem { return &Problem{Status: fiber.StatusBadRequest, Message: msg} }

// defaultMessages are the Vietnamese texts of statuses that reach the error
// handler without a Problem (Fiber's own errors, panics).
var defaultMessages = map[int]string{
	400: "Yêu cầu không hợp lệ.",
	401: "Bạn cần đăng nhập để tiếp tục.",
	403: "Bạn không có quyền thực hiện thao tác này.",
	404: "Không tìm thấy trang bạn yêu cầu.",
	405: "Phương thức không được hỗ trợ cho địa chỉ này.",
	408: "Yêu cầu quá thời gian chờ. Vui lòng thử lại.",
	413: "Dữ liệu gửi lên quá lớn.",
	415: "Định dạng dữ liệu không được hỗ trợ.",
	422: "Dữ liệu chưa hợp lệ.",
	429: "Bạn đã gửi quá nhiều yêu cầu. Vui lòng thử lại sau.",
	431: "Phần đầu yêu cầu quá lớn.",
	500: "Đã có lỗi ngoài ý muốn. Vui lòng thử lại sau.",
	503: "Dịch vụ tạm thời gián đoạn. Vui lòng thử lại sau.",
}

// handleError is the one place where errors become responses: a Problem or a
// Fiber error keeps its status; anything else is logged (without anything
// identifying the client) and answered with 500. Paths under /api/ get JSON
// {"error": "...", "errors": {field: message}}; others get an HTML page.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	p := &Problem{}
	var fe *fiber.Error
	switch {
	case errors.As(err, &p):
	case errors.As(err, &fe):
		p = &Problem{Status: fe.Code}
	case diskFull(err):
		s.log.Error("disk full: request refused with 503", "route", c.Route().Path, "method", c.Method(), "err", err)
		p = &Problem{Status: fiber.StatusServiceUnavailable, Message: msgDiskFull, RetryAfter: diskFullRetryAfter}
	default:
		s.log.Error("unexpected error", "route", c.Route().Path, "method", c.Method(), "err", err)
		p = &Problem{Status: fiber.StatusInternalServerError}
	}
	if p.Status < 400 || p.Status > 599 {
		p.Status = fiber.StatusInternalServerError
	}
	if p.Status == fiber.StatusRequestEntityTooLarge && p.Message == "" && isPhotoRoute(c.Path()) {
		// fasthttp refused the body before any handler read it: nothing
		// typed can be shown again.
		if !isAPI(c) && c.Method() == fiber.MethodPost && s.Intake != nil {
			s.freshCSRFToken(c)
			return s.renderTipForm(c, p.Status, nil, nil, nil, msgPhotosTooLargeForm)
		}
		p.Message = msgPhotosTooLarge
	}
	if p.Message == "" {
		p.Message = defaultMessages[p.Status]
		if p.Message == "" {
			p.Message = fmt.Sprintf("Đã có lỗi (mã %d). Vui lòng thử lại sau.", p.Status)
		}
	}
	if p.RetryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(p.RetryAfter))
	}
	// An error is not a page to keep (a campaign's 404 becomes its page
	// when it goes live); routes that already said no-store keep it.
	if len(c.Response().Header.Peek(fiber.HeaderCacheControl)) == 0 {
		c.Set(fiber.HeaderCacheControl, cacheNoStore)
	}
	if isAPI(c) || requestLost(c) {
		if requestLost(c) {
			s.setSecurityHeaders(c)
		}
		body := fiber.Map{"error": p.Message}
		if len(p.Fields) > 0 {
			body["errors"] = p.Fields
		}
		if len(p.Files) > 0 {
			files := make([]fileProblem, len(p.Files))
			for i, f := range p.Files {
				files[i] = fileProblem{Index: f.Index, File: f.Name, Error: f.Message}
			}
			body["attachment_errors"] = files
		}
		return c.Status(p.Status).JSON(body)
	}
	if c.Path() == "/tim-kiem" {
		// The search page shows its own form again with the message.
		if rerr := s.searchProblemPage(c, p); rerr == nil {
			return nil
		}
	}
	title := "Lỗi"
	if p.Status == fiber.StatusNotFound {
		title = "Không tìm thấy trang"
	}
	if rerr := s.render(c, p.Status, "error", View{Title: title, Data: p}); rerr != nil {
		s.log.Error("render error page", "err", rerr)
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.Status(p.Status).SendString(p.Message)
	}
	return nil
}

// msgDiskFull is the answer while the disk (or the database's quota) is
// full: nothing was stored, and trying again later may work.
const msgDiskFull = "Hệ thống tạm thời không lưu được dữ liệu (bộ nhớ máy chủ đã đầy). Nội dung của bạn chưa được gửi: vui lòng giữ lại và thử lại sau ít phút; trường hợp khẩn cấp hãy gọi 113."

// diskFullRetryAfter is the Retry-After of that answer, in seconds.
const diskFullRetryAfter = 120

// diskFull reports whether err comes from a full disk: ENOSPC (a file
// write, the embedded queue), SQLite's SQLITE_FULL ("database or disk is
// full", result code 13, also past max_page_count), or PostgreSQL's
// disk_full (SQLSTATE 53100). The engines' error types are matched by
// their methods, so this package imports neither driver.
func diskFull(err error) bool {
	if errors.Is(err, syscall.ENOSPC) {
		return true
	}
	var coded interface{ Code() int }
	if errors.As(err, &coded) && coded.Code()&0xff == 13 {
		return true
	}
	var pg interface{ SQLState() string }
	return errors.As(err, &pg) && pg.SQLState() == "53100"
}

// requestLost reports whether fasthttp threw the request away before the
// error handler ran: it does so when a chunked body exceeds the server's
// BodyLimit, leaving neither path nor Host. Browsers never send a form
// chunked, so such a request comes from a program, which gets the JSON
// answer it can read.
func requestLost(c *fiber.Ctx) bool {
	return len(c.Request().Header.Host()) == 0 && len(c.Request().URI().Path()) <= 1 && len(c.Request().Header.Peek(fiber.HeaderContentType)) == 0
}

// isAPI reports whether the request is for the JSON API.
func isAPI(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/api/") }
