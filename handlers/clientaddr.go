package handlers

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// clientAddr is the address of the client, used only to derive a
// rate-limit key and never logged or stored. It is the socket peer, unless
// the peer is a trusted proxy: then X-Forwarded-For is read from the right,
// skipping trusted hops, and the first untrusted hop is the client. The
// left end of that header is written by the client and is never believed
// (PITFALLS.md; MDN "X-Forwarded-For", security and privacy concerns).
// Every X-Forwarded-For line counts, in order, as one comma-separated list
// (RFC 9110, 5.3): a proxy that appends a line of its own instead of
// extending the client's must not let the client's line be taken for its
// own.
func (s *Server) clientAddr(c *fiber.Ctx) netip.Addr {
	peer, _ := netip.ParseAddr(c.Context().RemoteIP().String())
	return resolveClientAddr(peer.Unmap(), forwardedFor(c), s.TrustedProxies)
}

// forwardedFor joins every X-Forwarded-For line of the request with ",".
func forwardedFor(c *fiber.Ctx) string {
	lines := c.Request().Header.PeekAll(fiber.HeaderXForwardedFor)
	parts := make([]string, 0, len(lines))
	for _, l := range lines {
		parts = append(parts, string(l))
	}
	return strings.Join(parts, ",")
}

// resolveClientAddr is the pure decision behind clientAddr.
func resolveClientAddr(peer netip.Addr, xff string, trusted []netip.Prefix) netip.Addr {
	if !isTrusted(peer, trusted) || xff == "" {
		return peer
	}
	hops := strings.Split(xff, ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		a, err := netip.ParseAddr(hop)
		if err != nil {
			// An unparsable hop was written by someone we do not trust:
			// the last trusted peer is all we know.
			return peer
		}
		a = a.Unmap()
		if !isTrusted(a, trusted) {
			return a
		}
		peer = a
	}
	return peer
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
