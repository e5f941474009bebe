// Package e2e holds the portal's browser tests: they build the real portal
// binary once per run, start it on a free port with a data directory of its
// own, and drive Debian's Chromium (headless, through the DevTools protocol
// with github.com/chromedp/chromedp) over every public page and form, at a
// phone size (360×740) and a desktop size (1280×800), with JavaScript on and
// off. On each page they inject axe-core and require no violation, measure
// layout shift from the browser's own layout-shift entries, and save a
// screenshot.
//
// TestPortal covers the public pages and forms; TestDesk the desks' inbox
// at /quan-tri/hop-thu (a police officer's whole case: inbox with and
// without filters, a filter error, the case page, status, a status error,
// assignment, note, message; a social-affairs officer who sees only
// enquiries; the empty inbox; keyboard only) and the sender's conversation
// through the receipt at /tra-cuu (the desk's message read and answered,
// an empty answer refused, the answer unread in the inbox).
//
// The package has no code of its own outside its tests. Its helpers are:
//
//	StartPortal(t, dataDir, env...)   the real binary on 127.0.0.1:0; *Portal
//	(*Portal).AddUser(t, u, role, pw) "portal user add … --password-stdin"
//	OpenPage(t, url, size, js)        a new tab at Phone or Desktop, JS on/off
//	(*Page).Axe(state)                axe-core, fails the test on any violation
//	(*Page).LayoutShift()             sum of layout-shift values (no input)
//	(*Page).Screenshot(name)          full-page PNG under the screenshots folder
//	(*Page).RenderAll()               render what content-visibility skips; returns undo
//	(*Page).CheckPage(name)           all three plus the layout checks
//
// What the tests need, and how .ci/run provides it:
//
//	PORTAL_CHROMIUM          the browser (default: chromium, chromium-browser on PATH)
//	PORTAL_AXE_JS            axe.min.js (default: ../.ci/node/node_modules/axe-core/axe.min.js)
//	PORTAL_SCREENSHOTS_DIR   where screenshots go (default: a folder in the test's temp dir)
//	PORTAL_REQUIRE_BROWSER=1 a missing browser or axe-core fails the tests instead of skipping them
package e2e
