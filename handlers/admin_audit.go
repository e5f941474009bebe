package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/press"
	"github.com/thaibinh-pcmt/portal/store"
)

// auditPageSize is how many audit entries one page shows.
const auditPageSize = 100

// auditActions names the audit log's actions in Vietnamese.
var auditActions = map[string]string{
	"staff.add":                "Tạo tài khoản",
	"staff.disable":            "Khóa tài khoản",
	"staff.enable":             "Mở khóa tài khoản",
	"staff.passwd":             "Đổi mật khẩu",
	"staff.login":              "Đăng nhập",
	"staff.login_failed":       "Đăng nhập sai mật khẩu",
	"staff.logout":             "Đăng xuất",
	"campaign.create":          "Tạo bản nháp",
	"campaign.update":          "Sửa bài",
	"campaign.publish":         "Đăng bài",
	"campaign.schedule":        "Hẹn giờ đăng",
	"campaign.unpublish":       "Gỡ bài",
	"campaign.go_live":         "Bài hẹn giờ tự lên trang",
	"case.view":                "Xem hồ sơ",
	"case.status":              "Đổi trạng thái hồ sơ",
	"case.assign":              "Phân công hồ sơ",
	"case.note":                "Ghi chú nội bộ",
	"case.message":             "Gửi tin nhắn cho người gửi",
	"case.export":              "Xuất danh sách hồ sơ (CSV)",
	"token.create":             "Tạo mã truy cập API của bộ phận",
	"token.revoke":             "Thu hồi mã truy cập API",
	"case.photo":               "Tải ảnh người gửi đính kèm",
	"desk.key_init":            "Tạo khóa giải mã của bộ phận",
	"desk.key_grant":           "Cấp khóa giải mã cho cán bộ",
	"staff.login_failed_code":  "Đăng nhập sai mã xác thực hai bước",
	"staff.recovery_code_used": "Đăng nhập bằng mã khôi phục",
	"staff.totp_enable":        "Bật xác thực hai bước",
	"staff.passwd_self":        "Tự đổi mật khẩu",
	"staff.passwd_self_failed": "Đổi mật khẩu: nhập sai mật khẩu hiện tại",
	"staff.totp_reset":         "Xóa xác thực hai bước (đăng ký lại ở lần đăng nhập sau)",
}

type auditRow struct {
	store.AuditEntry
	ActionName string
	When       string // local time
}

type auditData struct {
	Staff press.Principal
	Rows  []auditRow
	// Older is the ID to page from for older entries; 0 when none.
	Older int64
}

// auditLog shows the audit log, newest first, to admins only: who did
// what, to what, when. It never holds passwords or client addresses.
func (h *admin) auditLog(c *fiber.Ctx) error {
	before, _ := strconv.ParseInt(c.Query("truoc"), 10, 64)
	entries, err := h.Press.Audit(c.UserContext(), before, auditPageSize+1)
	if err != nil {
		return err
	}
	d := auditData{Staff: principal(c)}
	if len(entries) > auditPageSize {
		entries = entries[:auditPageSize]
		d.Older = entries[len(entries)-1].ID
	}
	for _, e := range entries {
		name := auditActions[e.Action]
		if name == "" {
			name = e.Action
		}
		d.Rows = append(d.Rows, auditRow{AuditEntry: e, ActionName: name, When: e.At.In(press.Location).Format("15:04:05 2/1/2006")})
	}
	return h.render(c, fiber.StatusOK, "admin-audit", View{Title: "Nhật ký thao tác", Data: d})
}
