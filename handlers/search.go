package handlers

import "github.com/gofiber/fiber/v2"

// registerSearch registers /tim-kiem and /api/v1/search. Owned by the
// search work; this placeholder registers nothing.
func (s *Server) registerSearch(app *fiber.App) {}
