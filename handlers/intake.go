package handlers

import "github.com/gofiber/fiber/v2"

// registerIntake registers the tip-off, rehab-enquiry and receipt routes and
// their JSON API. Owned by the intake work; this placeholder registers nothing.
func (s *Server) registerIntake(app *fiber.App) {}
