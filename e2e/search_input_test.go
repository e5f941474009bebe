package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// fakeSpeech stands in for the Web Speech API, which headless Chromium has
// but cannot use (no microphone, no recognition service): the outcome is
// read from the page's "mic" query parameter (ignored by the server). It fires the same events, in the same
// order, as Chrome does for each outcome.
const fakeSpeech = `(() => {
  const outcome = new URLSearchParams(location.search).get("mic") || "";
  if (outcome === "unsupported") { delete window.webkitSpeechRecognition; delete window.SpeechRecognition; return; }
  class FakeRecognition {
    start() {
      setTimeout(() => {
        if (outcome.startsWith("say:")) {
          const r = [{transcript: outcome.slice(4)}]; r.isFinal = true;
          this.onresult && this.onresult({results: [r]});
        } else if (outcome !== "silence") {
          this.onerror && this.onerror({error: outcome});
        }
        this.onend && this.onend();
      }, 30);
    }
    stop() {}
  }
  window.SpeechRecognition = window.webkitSpeechRecognition = FakeRecognition;
})()`

// TestVoiceSearchMessages: every way voice search can end without a result
// leaves a visible, plain-Vietnamese message next to the form, in a status
// region; a result fills the box and searches.
func TestVoiceSearchMessages(t *testing.T) {
	needBrowser(t)
	p := StartPortal(t, t.TempDir())
	cases := []struct{ outcome, want string }{
		{"not-allowed", "chưa được phép dùng micrô"},
		{"service-not-allowed", "không cho dùng tính năng nhận dạng"},
		{"no-speech", "Chưa nghe thấy bạn nói"},
		{"silence", "Chưa nghe thấy bạn nói"},
		{"audio-capture", "Không tìm thấy micrô"},
		{"network", "mất kết nối mạng"},
		{"unsupported", "không hỗ trợ tìm bằng giọng nói"},
	}
	for _, s := range Sizes {
		pg := OpenPage(t, "", s, true)
		pg.BeforeLoad(fakeSpeech)
		for _, c := range cases {
			pg.Go(p.URL + "/tim-kiem?mic=" + url.QueryEscape(c.outcome))
			pg.Click("main button[data-mic]")
			pg.WaitFor(`(document.querySelector(".mic-msg") || {textContent: ""}).textContent !== ""`)
			msg := pg.Text(".mic-msg")
			if !strings.Contains(msg, c.want) || pg.EvalString(`document.querySelector(".mic-msg").getAttribute("role")`) != "status" {
				t.Errorf("%s %s: message %q, want it to say %q", pg.Mode(), c.outcome, msg, c.want)
			}
			if visible := pg.EvalString(`String(document.querySelector(".mic-msg").getBoundingClientRect().height > 0)`); visible != "true" {
				t.Errorf("%s %s: message not visible", pg.Mode(), c.outcome)
			}
			if c.outcome == "not-allowed" {
				pg.CheckPage("tim-kiem-micro-bi-chan")
			}
		}
		// Offline: the browser says so before recognition starts.
		pg.Go(p.URL + "/tim-kiem?mic=say:x")
		setOffline(t, pg, true)
		pg.Click("main button[data-mic]")
		pg.WaitFor(`document.querySelector(".mic-msg").textContent !== ""`)
		if msg := pg.Text(".mic-msg"); !strings.Contains(msg, "không có kết nối mạng") {
			t.Errorf("%s offline: message %q", pg.Mode(), msg)
		}
		setOffline(t, pg, false)
		// A result: the words go in the box and the search runs.
		pg.Go(p.URL + "/tim-kiem?mic=" + url.QueryEscape("say:cai nghiện"))
		pg.Submit("main button[data-mic]")
		if q := pg.EvalString(`new URLSearchParams(location.search).get("q") || ""`); q != "cai nghiện" {
			t.Errorf("%s: voice result searched for %q", pg.Mode(), q)
		}
	}
	// The informant pages have no voice button, whatever the browser.
	pg := OpenPage(t, "", Desktop, true)
	pg.BeforeLoad(fakeSpeech)
	for _, path := range []string{"/tin-bao", "/cai-nghien/dang-ky", "/tra-cuu"} {
		pg.Go(p.URL + path + "?mic=say:x")
		if n := pg.Count("button[data-mic]:not([hidden])"); n != 0 {
			t.Errorf("%s: voice button shown", path)
		}
	}
}

func setOffline(t *testing.T, pg *Page, offline bool) {
	t.Helper()
	pg.Do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{
			Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	}))
}

// countFetches records every fetch of the page (URL, and whether it was
// aborted), before the page's own scripts run.
const countFetches = `(() => {
  window.__fetches = [];
  const real = window.fetch;
  window.fetch = function (u, o) {
    const rec = {url: String(u), aborted: false};
    window.__fetches.push(rec);
    if (o && o.signal) o.signal.addEventListener("abort", () => { rec.aborted = true; });
    return real.apply(this, arguments);
  };
})()`

// TestInstantResultsBudget: results as you type spend the client's search
// budget sparingly: nothing under two characters, one request for a burst
// of typing, and after the first 429 no request at all (the form still
// works).
func TestInstantResultsBudget(t *testing.T) {
	needBrowser(t)
	p := StartPortal(t, t.TempDir(), "PORTAL_LIMIT_SEARCH=3/m")
	pg := OpenPage(t, "", Desktop, true)
	pg.BeforeLoad(countFetches)
	pg.Go(p.URL + "/van-ban")
	fetches := func() []struct {
		URL     string `json:"url"`
		Aborted bool   `json:"aborted"`
	} {
		var f []struct {
			URL     string `json:"url"`
			Aborted bool   `json:"aborted"`
		}
		pg.Eval(`window.__fetches.filter(f => f.url.includes("/api/v1/search"))`, &f)
		return f
	}
	pg.Type("#q-top", "m")
	pg.Do(chromedp.Sleep(800 * time.Millisecond))
	if n := len(fetches()); n != 0 {
		t.Errorf("one character made %d requests", n)
	}
	pg.Type("#q-top", "a tuy")
	pg.Do(chromedp.Sleep(800 * time.Millisecond))
	f := fetches()
	if len(f) != 1 {
		t.Fatalf("a burst of typing made %d requests: %+v", len(f), f)
	}
	if u, _ := url.Parse(f[0].URL); u == nil || u.Query().Get("q") != "ma tuy" {
		t.Errorf("request for %q", f[0].URL)
	}
	// Budget 3 a minute: two more go through, the fourth gets a 429 and
	// turns instant results off.
	for _, more := range []string{" cai", " nghien", " tu"} {
		pg.Type("#q-top", more)
		pg.Do(chromedp.Sleep(800 * time.Millisecond))
	}
	if n := len(fetches()); n != 4 {
		t.Fatalf("%d requests, want 4 (the last refused)", n)
	}
	if pg.EvalString(`String(document.querySelector(".instant").hidden)`) != "true" {
		t.Error("result list still shown after a 429")
	}
	pg.Type("#q-top", " nguyen")
	pg.Do(chromedp.Sleep(800 * time.Millisecond))
	if n := len(fetches()); n != 4 {
		t.Errorf("searched again after a 429: %d requests", n)
	}
}
