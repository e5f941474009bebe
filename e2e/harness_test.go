package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The harness: one Chromium for the whole run (each page a tab of its own),
// one build of the portal binary, one portal process per test that asks.

// Size is a viewport the pages are checked at.
type Size struct {
	Name          string // used in screenshot paths: "360x740"
	Width, Height int64
	Mobile        bool // mobile emulation: viewport meta honoured, touch on
}

// The two sizes of issue 14: a cheap phone and a desktop.
var (
	Phone   = Size{Name: "360x740", Width: 360, Height: 740, Mobile: true}
	Desktop = Size{Name: "1280x800", Width: 1280, Height: 800}
	Sizes   = []Size{Phone, Desktop}
)

// Limits the pages are held to.
const (
	// maxLayoutShift is issue 14's bound on the sum of layout-shift values
	// of a page (Lighthouse's "good" CLS is 0.1; we ask for far less).
	maxLayoutShift = 0.02
	// maxPhoneHeader is the height of the site header on a 360×740 screen.
	maxPhoneHeader = 120
	// settle is how long a page is left after its load event before it is
	// measured: deferred scripts run and anything late would shift by then.
	settle = 400 * time.Millisecond
	// actionTimeout bounds one browser action (a navigation, a wait).
	actionTimeout = 30 * time.Second
)

var (
	// browserCtx is the chromedp context of the shared browser; nil when
	// setupErr says why there is none.
	browserCtx context.Context
	setupErr   error
	axeSource  string
	shotsDir   string
)

// required reports whether a missing browser must fail the run (CI).
func required() bool { return os.Getenv("PORTAL_REQUIRE_BROWSER") == "1" }

const howToEnable = "browser tests skipped: %v. To run them: apt-get install chromium; " +
	"npm install --prefix .ci/node axe-core@4.14.1 (or set PORTAL_CHROMIUM and PORTAL_AXE_JS); " +
	".ci/run does both and sets PORTAL_REQUIRE_BROWSER=1"

func TestMain(m *testing.M) {
	code := func() int {
		var cancel func()
		browserCtx, cancel, setupErr = startBrowser()
		if cancel != nil {
			defer cancel()
		}
		if setupErr == nil {
			axeSource, setupErr = loadAxe()
		}
		if setupErr != nil {
			if required() {
				fmt.Fprintf(os.Stderr, "e2e: PORTAL_REQUIRE_BROWSER=1 but %v\n", setupErr)
				return 1
			}
			fmt.Fprintf(os.Stderr, "e2e: "+howToEnable+"\n", setupErr)
		}
		var err error
		if shotsDir, err = screenshotsDir(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		code := m.Run()
		if binDir != "" {
			os.RemoveAll(binDir)
		}
		if setupErr == nil {
			fmt.Fprintf(os.Stderr, "e2e: screenshots in %s\n", shotsDir)
		}
		return code
	}()
	os.Exit(code)
}

// needBrowser skips t (or fails it under PORTAL_REQUIRE_BROWSER=1) when the
// browser or axe-core is missing.
func needBrowser(t *testing.T) {
	t.Helper()
	if setupErr != nil {
		if required() {
			t.Fatalf("PORTAL_REQUIRE_BROWSER=1 but %v", setupErr)
		}
		t.Skipf(howToEnable, setupErr)
	}
}

// chromiumPath finds the browser: PORTAL_CHROMIUM, else Debian's chromium.
func chromiumPath() (string, error) {
	if p := os.Getenv("PORTAL_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium on PATH")
}

// startBrowser starts headless Chromium with every background connection
// off (these machines have no outside network) and a fresh profile.
func startBrowser() (context.Context, func(), error) {
	path, err := chromiumPath()
	if err != nil {
		return nil, nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // root in CI; the pages are our own
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("lang", "vi-VN"),
		chromedp.WindowSize(1280, 800),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx); err != nil { // starts the browser, bound to ctx
		cancel()
		acancel()
		return nil, nil, fmt.Errorf("start %s: %w", path, err)
	}
	return ctx, func() { cancel(); acancel() }, nil
}

// loadAxe reads axe.min.js from PORTAL_AXE_JS or the folder .ci/run installs
// it into.
func loadAxe() (string, error) {
	p := os.Getenv("PORTAL_AXE_JS")
	if p == "" {
		p = filepath.Join("..", ".ci", "node", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("axe-core not found (%v)", err)
	}
	return string(b), nil
}

func screenshotsDir() (string, error) {
	d := os.Getenv("PORTAL_SCREENSHOTS_DIR")
	if d == "" {
		var err error
		if d, err = os.MkdirTemp("", "portal-screenshots-"); err != nil {
			return "", err
		}
	}
	return d, os.MkdirAll(d, 0o755)
}

// ---- the portal binary ----

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

// portalBinary builds ../cmd/portal once per test run.
func portalBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "portal-e2e-bin-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "portal")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/portal").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatalf("build portal: %v", buildErr)
	}
	return binPath
}

// Portal is a running "portal serve".
type Portal struct {
	URL     string // http://127.0.0.1:PORT, no trailing slash
	DataDir string
	env     []string
	cmd     *exec.Cmd
	done    chan error
	mu      sync.Mutex
	logs    strings.Builder
}

// Logs is everything the process wrote to stderr so far.
func (p *Portal) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

var listenRe = regexp.MustCompile(`url=(http://[^ ]+)`)

// StartPortal starts the real binary on 127.0.0.1:0 with dataDir (created
// if missing) and env added to a minimal environment, waits until it
// listens, and stops it with SIGTERM when t ends. Rate limits are raised so
// that a test's own clicks never hit them; pass PORTAL_LIMIT_* in env to
// test a limit.
func StartPortal(t *testing.T, dataDir string, env ...string) *Portal {
	t.Helper()
	bin := portalBinary(t)
	base := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"PORTAL_DATA_DIR=" + dataDir,
		"PORTAL_LIMIT_SEARCH=100000/m", "PORTAL_LIMIT_TIPS=10000/h",
		"PORTAL_LIMIT_ENQUIRIES=10000/h", "PORTAL_LIMIT_STATUS=10000/h", "PORTAL_LIMIT_LOGIN=10000/h",
		// Two-step sign-in (issue 11) is tested in cmd/portal
		// (TestTOTPOverHTTP); here staff sign in with a password only.
		"PORTAL_TOTP_ROLES=none",
	}
	p := &Portal{DataDir: dataDir, env: append(base, env...), done: make(chan error, 1)}
	p.cmd = exec.Command(bin, "serve")
	p.cmd.Env = append(append([]string{}, p.env...), "PORTAL_ADDR=127.0.0.1:0")
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urlCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.logs.WriteString(line + "\n")
			p.mu.Unlock()
			if m := listenRe.FindStringSubmatch(line); m != nil {
				select {
				case urlCh <- m[1]:
				default:
				}
			}
		}
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(20 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	select {
	case p.URL = <-urlCh:
		p.URL = strings.TrimSuffix(p.URL, "/")
	case err := <-p.done:
		t.Fatalf("portal exited before listening: %v\n%s", err, p.Logs())
	case <-time.After(60 * time.Second):
		t.Fatalf("portal did not listen within 60 s\n%s", p.Logs())
	}
	return p
}

// AddUser creates a staff account with "portal user add … --password-stdin"
// on the portal's data dir (the running server sees it at once: same
// database).
func (p *Portal) AddUser(t *testing.T, username, role, password string) {
	t.Helper()
	cmd := exec.Command(portalBinary(t), "user", "add", "--username", username, "--role", role, "--password-stdin")
	cmd.Env = p.env
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("portal user add %s: %v\n%s", username, err, out)
	}
}

// ---- pages ----

// Page is one browser tab at one size, with JavaScript on or off.
type Page struct {
	t    *testing.T
	ctx  context.Context
	Size Size
	JS   bool
}

// Mode names the page's size and script mode for messages and file names:
// "360x740-js", "1280x800-nojs".
func (p *Page) Mode() string {
	if p.JS {
		return p.Size.Name + "-js"
	}
	return p.Size.Name + "-nojs"
}

// OpenPage opens url in a new tab at size, with page scripts on or off
// (Emulation.setScriptExecutionDisabled: the test's own evaluations still
// run), waits for its load event and lets it settle. The tab closes when t
// ends.
func OpenPage(t *testing.T, url string, size Size, js bool) *Page {
	t.Helper()
	needBrowser(t)
	// A browser context of its own: no cookie (session, CSRF) is shared
	// with other pages.
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the tab, bound to ctx
		t.Fatalf("new tab: %v", err)
	}
	p := &Page{t: t, ctx: ctx, Size: size, JS: js}
	p.scripts(ctx, js)
	var vp []chromedp.EmulateViewportOption
	if size.Mobile {
		vp = append(vp, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	p.Do(chromedp.EmulateViewport(size.Width, size.Height, vp...))
	if url != "" {
		p.Go(url)
	}
	return p
}

// BeforeLoad adds a script that runs in every document the tab loads from
// now on, before the page's own scripts (to stand in for a browser API the
// headless browser lacks, such as speech recognition). Call it on a page
// opened with url "" and then Go.
func (p *Page) BeforeLoad(js string) {
	p.t.Helper()
	p.Do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: js})
		return err
	}))
}

// Click clicks the first element matching the CSS selector (no navigation
// expected).
func (p *Page) Click(sel string) {
	p.t.Helper()
	p.Do(chromedp.Click(chromedp.CSS(sel)))
}

// Submit clicks the element matching sel (a submit button, a link) and
// waits for the page it leads to, then lets it settle.
func (p *Page) Submit(sel string) {
	p.t.Helper()
	p.Do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel))))
		return err
	}), chromedp.Sleep(settle))
}

// Keys sends key presses to the focused element (kb constants for Tab,
// Enter, arrows…) and waits, without navigation.
func (p *Page) Keys(keys string) {
	p.t.Helper()
	p.Do(chromedp.KeyEvent(keys))
}

// KeysNavigate sends key presses that lead to another page (Enter on a
// link or a form) and waits for it to load and settle.
func (p *Page) KeysNavigate(keys string) {
	p.t.Helper()
	p.Do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.KeyEvent(keys)))
		return err
	}), chromedp.Sleep(settle))
}

// Type focuses the element matching sel and types text into it.
func (p *Page) Type(sel, text string) {
	p.t.Helper()
	p.Do(chromedp.SendKeys(chromedp.CSS(sel), text))
}

// SetValue sets the value of a form control (a select, an input)
// directly, as a choice in a native picker would, and fires its events.
func (p *Page) SetValue(sel, value string) {
	p.t.Helper()
	var ok bool
	p.Eval(`(() => { const e = document.querySelector(`+jsString(sel)+`); if (!e) return false;
  e.value = `+jsString(value)+`; e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true}));
  return e.value === `+jsString(value)+`; })()`, &ok)
	if !ok {
		p.t.Fatalf("%s: cannot set %s to %q", p.Mode(), sel, value)
	}
}

// Text is the text content of the first element matching sel ("" when
// there is none).
func (p *Page) Text(sel string) string {
	p.t.Helper()
	return p.EvalString(`(document.querySelector(` + jsString(sel) + `) || {textContent: ""}).textContent.trim()`)
}

// Count is the number of elements matching sel.
func (p *Page) Count(sel string) int {
	p.t.Helper()
	var n int
	p.Eval(`document.querySelectorAll(`+jsString(sel)+`).length`, &n)
	return n
}

// WaitFor waits until the JavaScript expression is true (at most
// actionTimeout), for what page scripts do after a delay.
func (p *Page) WaitFor(expr string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		p.t.Fatalf("%s: waiting for %s: %v", p.Mode(), expr, err)
	}
}

// scripts switches the page's script execution on or off.
func (p *Page) scripts(ctx context.Context, on bool) {
	p.t.Helper()
	_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
	if err != nil {
		p.t.Fatalf("%s: switch scripts: %v", p.Mode(), err)
	}
}

// Ctx is the tab's chromedp context, for actions the helpers do not cover.
func (p *Page) Ctx() context.Context { return p.ctx }

// Do runs actions on the tab, each group bounded by actionTimeout, and
// fails the test on error.
func (p *Page) Do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v", p.Mode(), err)
	}
}

// Go navigates to url, waits for the load event and lets the page settle.
func (p *Page) Go(url string) {
	p.t.Helper()
	p.Do(chromedp.Navigate(url), chromedp.Sleep(settle))
}

// Eval evaluates a JavaScript expression (promises awaited) and decodes its
// JSON value into out (nil: ignored).
func (p *Page) Eval(expr string, out any) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	if !p.JS {
		// With scripts off, timers and promise jobs of the test's own
		// script would not run either: switch them on for this
		// evaluation only. No page script ran while the page loaded, so
		// none is there to run now.
		p.scripts(ctx, true)
		defer p.scripts(ctx, false)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: evaluate %.80q: %v", p.Mode(), expr, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			p.t.Fatalf("%s: decode result of %.80q: %v (%s)", p.Mode(), expr, err, raw)
		}
	}
}

// EvalString evaluates expr to a string.
func (p *Page) EvalString(expr string) string {
	p.t.Helper()
	var s string
	p.Eval(expr, &s)
	return s
}

// URL is the tab's current address.
func (p *Page) URL() string { return p.EvalString(`location.href`) }

// Path is the current path and query.
func (p *Page) Path() string { return p.EvalString(`location.pathname + location.search`) }

// ActiveID is the id of the focused element ("" for none or body).
func (p *Page) ActiveID() string {
	return p.EvalString(`document.activeElement ? document.activeElement.id : ""`)
}

// axeViolation is what the test reports of one failed axe rule.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  string `json:"target"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

// axeRun runs every WCAG 2.0, 2.1 and 2.2 A/AA rule and axe's best
// practices (landmarks, headings, unique labels) on the document.
const axeRun = `axe.run(document, {
  resultTypes: ["violations"],
  runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}
}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
  nodes: v.nodes.slice(0, 6).map(n => ({target: n.target.join(" "), summary: n.failureSummary || ""}))})))`

// Axe injects axe-core into the page as it is now (state names what is on
// screen, for the message) and fails the test on any violation.
func (p *Page) Axe(state string) {
	p.t.Helper()
	p.Eval(`typeof axe === "undefined" ? (0, eval)(`+jsString(axeSource)+`) && 0 : 0`, nil)
	var vs []axeViolation
	p.Eval(axeRun, &vs)
	for _, v := range vs {
		var b strings.Builder
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n      %s: %s", n.Target, strings.ReplaceAll(n.Summary, "\n", " "))
		}
		p.t.Errorf("%s %s: axe %s (%s): %s%s", p.Mode(), state, v.ID, v.Impact, v.Help, b.String())
	}
}

// jsString quotes s as a JavaScript string literal (JSON is a subset).
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Shift is one layout-shift entry: its value and what moved.
type Shift struct {
	Value   float64  `json:"value"`
	Sources []string `json:"sources"`
}

// LayoutShift sums the page's layout-shift entries that no input caused
// (PerformanceObserver, buffered: every shift since the document started),
// and returns them for the message.
func (p *Page) LayoutShift() (float64, []Shift) {
	p.t.Helper()
	var r struct {
		Sum    float64 `json:"sum"`
		Shifts []Shift `json:"shifts"`
	}
	p.Eval(`new Promise(resolve => {
  const shifts = [];
  let sum = 0;
  const take = list => list.forEach(e => {
    if (e.hadRecentInput) return;
    sum += e.value;
    shifts.push({value: e.value, sources: (e.sources || []).map(s => {
      const n = s.node;
      if (!n) return "?";
      if (n.nodeType !== 1) return n.nodeName + " in " + (n.parentElement ? n.parentElement.tagName.toLowerCase() + (n.parentElement.id ? "#" + n.parentElement.id : "") : "?");
      return n.tagName.toLowerCase() + (n.id ? "#" + n.id : "") + (n.className && typeof n.className === "string" ? "." + n.className.trim().split(/\s+/).join(".") : "");
    })});
  });
  const po = new PerformanceObserver(l => take(l.getEntries()));
  po.observe({type: "layout-shift", buffered: true});
  setTimeout(() => { take(po.takeRecords()); po.disconnect(); resolve({sum, shifts}); }, 150);
})`, &r)
	return r.Sum, r.Shifts
}

// RenderAll makes the browser lay out and paint the whole page, including
// the parts that content-visibility: auto skips while they are off screen
// (app.css: a long text's top-level parts, the footer), until the returned
// function is called. A full-page screenshot (captureBeyondViewport) shows
// skipped parts blank, and the size of a skipped part is only its
// estimate. The style is a constructed style sheet (adoptedStyleSheets):
// the page's Content-Security-Policy refuses an inline <style>, not this.
// Parts that were seen keep their real size afterwards ("auto" in
// contain-intrinsic-size).
func (p *Page) RenderAll() (restore func()) {
	p.t.Helper()
	p.Eval(`(() => {
  const s = new CSSStyleSheet();
  s.replaceSync("* { content-visibility: visible !important; }");
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, s];
  window.__e2eRenderAll = s;
  document.documentElement.getBoundingClientRect();
  return new Promise(resolve => { requestAnimationFrame(() => resolve(true)); setTimeout(() => resolve(true), 100); });
})()`, nil)
	return func() {
		p.t.Helper()
		p.Eval(`(() => { const s = window.__e2eRenderAll; delete window.__e2eRenderAll;
  document.adoptedStyleSheets = document.adoptedStyleSheets.filter(x => x !== s); return true; })()`, nil)
	}
}

// Screenshot saves a full-page PNG as <dir>/<size>-<js|nojs>/<name>.png,
// with every part of the page rendered (RenderAll).
func (p *Page) Screenshot(name string) string {
	p.t.Helper()
	defer p.RenderAll()()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("%s: screenshot %s: %v", p.Mode(), name, err)
	}
	dir := filepath.Join(shotsDir, p.Mode())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	return path
}

// CheckPage runs the checks every page must pass in its current state:
// axe, layout shift at most maxLayoutShift, no sideways scrolling, a
// header at most maxPhoneHeader px tall on a phone, a meta description;
// then saves a screenshot called name.
func (p *Page) CheckPage(name string) {
	p.t.Helper()
	if sum, shifts := p.LayoutShift(); sum > maxLayoutShift {
		p.t.Errorf("%s %s: layout shift %.4f > %.2f: %+v", p.Mode(), name, sum, maxLayoutShift, shifts)
	}
	p.Axe(name)
	var m struct {
		ScrollWidth, InnerWidth int
		Header                  float64
		Description             string
	}
	p.Eval(`({ScrollWidth: document.documentElement.scrollWidth, InnerWidth: window.innerWidth,
  Header: (document.querySelector("header.site") || {getBoundingClientRect: () => ({height: 0})}).getBoundingClientRect().height,
  Description: (document.querySelector('meta[name="description"]') || {content: ""}).content})`, &m)
	if m.ScrollWidth > m.InnerWidth {
		p.t.Errorf("%s %s: page is %d px wide in a %d px viewport (sideways scrolling)", p.Mode(), name, m.ScrollWidth, m.InnerWidth)
	}
	if p.Size == Phone && m.Header > maxPhoneHeader {
		p.t.Errorf("%s %s: header is %.0f px tall, at most %d on a phone", p.Mode(), name, m.Header, maxPhoneHeader)
	}
	if strings.TrimSpace(m.Description) == "" {
		p.t.Errorf("%s %s: no meta description", p.Mode(), name)
	}
	p.Screenshot(name)
}
