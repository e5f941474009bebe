package handlers

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// A body over the limit is refused by fasthttp before it is read: it
// writes the 413 and closes the connection. Closing a socket with unread
// data in it makes the kernel send a reset, and a client still sending
// its upload (a browser) may then lose the 413 it was sent and show
// "connection reset" instead of our message. Servers avoid that with a
// lingering close (nginx's lingering_close, Go's net/http
// closeWriteAndWait): send FIN after the answer, read and discard what
// the client still sends for a while, then close. Listener does that for
// the connections whose request fasthttp refused as too large.
const (
	lingerTime = 5 * time.Second
	lingerMax  = 64 << 20 // bytes read and discarded at most
)

// Listener wraps the portal's listener so that a connection refused for
// an oversized body closes lingeringly (see above). cmd/portal serves
// through it; app.Test does not use a listener and is unaffected.
func Listener(ln net.Listener) net.Listener { return lingerListener{ln} }

type lingerListener struct{ net.Listener }

func (l lingerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &lingerConn{Conn: c}, nil
}

// lingerConn is a connection that, once marked, closes lingeringly.
type lingerConn struct {
	net.Conn
	linger atomic.Bool
}

func (c *lingerConn) Close() error {
	if c.linger.Load() {
		if tc, ok := c.Conn.(interface{ CloseWrite() error }); ok && tc.CloseWrite() == nil {
			_ = c.Conn.SetReadDeadline(time.Now().Add(lingerTime))
			_, _ = io.CopyN(io.Discard, c.Conn, lingerMax)
		}
	}
	return c.Conn.Close()
}

// lingerOnTooLarge wraps fasthttp's error handler (Fiber's, which ends in
// handleError) so that a request refused as too large marks its
// connection for a lingering close.
func lingerOnTooLarge(app *fiber.App) {
	srv := app.Server()
	inner := srv.ErrorHandler
	srv.ErrorHandler = func(ctx *fasthttp.RequestCtx, err error) {
		if errors.Is(err, fasthttp.ErrBodyTooLarge) {
			if lc, ok := ctx.Conn().(*lingerConn); ok {
				lc.linger.Store(true)
			}
		}
		inner(ctx, err)
	}
}
