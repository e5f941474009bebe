package handlers

import "github.com/gofiber/fiber/v2"

// registerAdmin registers the press office's admin routes and the public
// campaign pages and feeds. Owned by the press-office work; this placeholder
// registers nothing.
func (s *Server) registerAdmin(app *fiber.App) {}
