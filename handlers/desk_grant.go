package handlers

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/press"
	"github.com/thaibinh-pcmt/portal/seal"
	"github.com/thaibinh-pcmt/portal/store"
)

// grantKey lets a signed-in desk member who holds the desk's key (opened at
// sign-in) grant it to another member of the desk (form field username):
// the key is sealed to that member's own public key (seal.Keyring.Grant),
// audited ("desk.key_grant"). Without the key in this session: 403; a
// member who never signed in: 422 with the message.
func (h *admin) grantKey(c *fiber.Ctx) error {
	a := actor(c)
	id, ok := seal.DeskKey(c.UserContext(), a.Desk)
	if h.Keys == nil || !ok {
		return &Problem{Status: fiber.StatusForbidden, Message: msgSealed}
	}
	username := press.NormalizeUsername(strings.Clone(c.FormValue("username")))
	err := h.Keys.Grant(c.UserContext(), a.Desk, id, username, a.Name)
	switch {
	case errors.Is(err, seal.ErrNoStaffKey), errors.Is(err, seal.ErrNotDeskMember):
		return &Problem{Status: fiber.StatusUnprocessableEntity, Message: err.Error()}
	case errors.Is(err, store.ErrNotFound):
		return &Problem{Status: fiber.StatusUnprocessableEntity, Message: "Không có cán bộ tên này."}
	case err != nil:
		return err
	}
	return c.Redirect("/quan-tri/hop-thu", fiber.StatusSeeOther)
}
