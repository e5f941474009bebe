package handlers

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/intake"
)

// The empty intake forms (/tin-bao, /cai-nghien/dang-ky, /tra-cuu) are
// rendered once, with markers where each visitor's own parts go: the CSRF
// token (the one the csrf middleware just issued with its cookie) and the
// form's one-time nonce. Each request copies the shell around a fresh
// token and nonce: no template, no normalisation, and no visitor's token
// ever reaches another. The answer stays no-store (intakeNoStore) and is
// not compressed: it differs for every visitor. A form shown again with
// what was typed (errors, 429, CSRF failure) is rendered in full.
//
// A shell depends only on what is loaded at start (templates, the intake
// catalogue), so it is built once per process and never invalidated.

// formShell is a page split at its per-visitor parts: parts[i] comes
// before slots[i]; the last part ends the page.
type formShell struct {
	parts [][]byte
	slots []formSlot
	size  int // bytes of the parts together
}

type formSlot uint8

const (
	slotCSRF formSlot = iota
	slotNonce
)

// formMarkers are the values rendered in place of the per-visitor parts:
// random per process, ASCII letters and digits (unchanged by html/template
// and NFC), so page text can never hold one by chance.
var formMarkers = sync.OnceValue(func() [2]string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("formshell: no randomness: " + err.Error()) // crypto/rand never fails on Linux
	}
	h := hex.EncodeToString(b[:])
	return [2]string{"csrfmarker" + h, "noncemarker" + h}
})

// splitShell cuts page at the markers, checking that the CSRF marker is
// there (wantNonce: the nonce's too) and that nothing else was left.
func splitShell(page []byte, wantNonce bool) (*formShell, error) {
	m := formMarkers()
	sh := &formShell{}
	seen := [2]int{}
	rest := page
	for {
		ic, in := bytes.Index(rest, []byte(m[slotCSRF])), bytes.Index(rest, []byte(m[slotNonce]))
		if ic < 0 && in < 0 {
			break
		}
		slot, at := slotCSRF, ic
		if ic < 0 || (in >= 0 && in < ic) {
			slot, at = slotNonce, in
		}
		sh.parts = append(sh.parts, rest[:at])
		sh.slots = append(sh.slots, slot)
		sh.size += at
		seen[slot]++
		rest = rest[at+len(m[slot]):]
	}
	sh.parts = append(sh.parts, rest)
	sh.size += len(rest)
	if seen[slotCSRF] == 0 || (wantNonce && seen[slotNonce] == 0) || (!wantNonce && seen[slotNonce] > 0) {
		return nil, fmt.Errorf("form shell: markers found csrf %d, nonce %d", seen[slotCSRF], seen[slotNonce])
	}
	return sh, nil
}

// fill writes the page with token and nonce in their places.
func (sh *formShell) fill(token, nonce string) []byte {
	out := make([]byte, 0, sh.size+len(sh.slots)*max(len(token), len(nonce)))
	for i, p := range sh.parts {
		out = append(out, p...)
		if i < len(sh.slots) {
			if sh.slots[i] == slotCSRF {
				out = append(out, token...)
			} else {
				out = append(out, nonce...)
			}
		}
	}
	return out
}

// formShells holds the shells built so far, by page key.
type formShells struct {
	mu     sync.Mutex
	shells map[string]*formShell
}

// reset drops every shell: the next GET of each form builds it again (the
// layout around a form changed, as the menu does when the first campaign
// is published).
func (f *formShells) reset() {
	f.mu.Lock()
	f.shells = nil
	f.mu.Unlock()
}

// emptyForm answers a GET of an empty intake form from its shell, built
// on first use by view (which renders the page with the markers given as
// its token and nonce). Without a token from the csrf middleware the page
// is rendered in full instead (render issues none itself).
func (s *Server) emptyForm(c *fiber.Ctx, key, page string, wantNonce bool, view func(csrf, nonce string) View) error {
	token := csrfToken(c)
	if token == "" {
		return s.render(c, fiber.StatusOK, page, view("", ""))
	}
	s.forms.mu.Lock()
	sh := s.forms.shells[key]
	s.forms.mu.Unlock()
	if sh == nil {
		m := formMarkers()
		v := view(m[slotCSRF], m[slotNonce])
		v.Path = key
		body, err := s.execute(page, v)
		if err != nil {
			return err
		}
		if sh, err = splitShell(body, wantNonce); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		s.forms.mu.Lock()
		if s.forms.shells == nil {
			s.forms.shells = map[string]*formShell{}
		}
		s.forms.shells[key] = sh
		s.forms.mu.Unlock()
	}
	var nonce string
	if wantNonce {
		var err error
		if nonce, err = intake.NewNonce(); err != nil {
			return err
		}
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(sh.fill(token, nonce))
}
