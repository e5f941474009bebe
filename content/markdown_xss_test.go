package content

import (
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// xssVectors are known cross-site scripting payloads, in the spirit of the
// OWASP XSS Filter Evasion Cheat Sheet, written as a press officer could
// type them into a campaign body: raw HTML (which goldmark drops), and
// Markdown constructs whose URLs carry the payload (which the policy must
// drop). Each must come out of RenderMarkdown harmless.
var xssVectors = map[string]string{
	"script tag":              `<script>alert('xss')</script>`,
	"script inline":           `Chữ <script>alert(1)</script> tiếp`,
	"script src":              `<script src="https://evil.example/x.js"></script>`,
	"script upper case":       `<SCRIPT>alert(1)</SCRIPT>`,
	"script split":            `<scr<script>ipt>alert(1)</scr</script>ipt>`,
	"img onerror":             `<img src=x onerror=alert(1)>`,
	"img onerror in text":     `Xem ảnh <img src="a.png" onerror="alert(document.cookie)"> nhé`,
	"body onload":             `<body onload=alert(1)>`,
	"svg onload":              `<svg onload=alert(1)>`,
	"svg script":              `<svg><script>alert(1)</script></svg>`,
	"svg animate":             `<svg><animate onbegin=alert(1) attributeName=x dur=1s>`,
	"math href":               `<math><mtext><a href="javascript:alert(1)">x</a></mtext></math>`,
	"iframe":                  `<iframe src="javascript:alert(1)"></iframe>`,
	"iframe srcdoc":           `<iframe srcdoc="<script>alert(1)</script>"></iframe>`,
	"object":                  `<object data="javascript:alert(1)"></object>`,
	"embed":                   `<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">`,
	"form":                    `<form action="javascript:alert(1)"><button>Gửi</button></form>`,
	"select option":           `<select><option>Một</option></select>`,
	"input autofocus":         `<input autofocus onfocus=alert(1)>`,
	"style element":           `<style>body{background:url("javascript:alert(1)")}</style>`,
	"style attribute":         `<p style="background:url(javascript:alert(1))">x</p>`,
	"link stylesheet":         `<link rel=stylesheet href="https://evil.example/x.css">`,
	"meta refresh":            `<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
	"base href":               `<base href="https://evil.example/">`,
	"unclosed tag":            `<img src=x onerror=alert(1)//`,
	"unclosed script":         `<script>alert(1)`,
	"comment trick":           `<!--<img src="--><img src=x onerror=alert(1)//">`,
	"details ontoggle":        `<details open ontoggle=alert(1)>`,
	"video source onerror":    `<video><source onerror="alert(1)"></video>`,
	"a javascript raw":        `<a href="javascript:alert(1)">bấm</a>`,
	"md link javascript":      `[bấm vào đây](javascript:alert(1))`,
	"md link JaVaScRiPt":      `[bấm](JaVaScRiPt:alert(1))`,
	"md link entity":          `[bấm](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))`,
	"md link hex entity":      `[bấm](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))`,
	"md link tab inside":      "[bấm](java\tscript:alert(1))",
	"md link encoded colon":   `[bấm](javascript&colon;alert(1))`,
	"md link url-encoded":     `[bấm](javascript%3Aalert(1))`,
	"md link leading space":   `[bấm]( javascript:alert(1))`,
	"md link angle":           `[bấm](<javascript:alert(1)>)`,
	"md link vbscript":        `[bấm](vbscript:msgbox(1))`,
	"md link data html":       `[bấm](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
	"md link title onclick":   `[bấm](https://example.org "\" onclick=\"alert(1)")`,
	"md link scheme-relative": `[bấm](//evil.example/x)`,
	"md reference javascript": "[bấm][x]\n\n[x]: javascript:alert(1)",
	"md image javascript":     `![ảnh](javascript:alert(1))`,
	"md image data svg":       `![ảnh](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)`,
	"md image alt breakout":   `![" onerror="alert(1)](x.png)`,
	"autolink javascript":     `<javascript:alert(1)>`,
	"autolink vbscript":       `<vbscript:msgbox(1)>`,
	"gfm autolink www":        `www.example.org/"onmouseover="alert(1)`,
	"html in table":           "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | <script>alert(1)</script> |",
	"html in list":            "- <a href=\"javascript:alert(1)\">x</a>\n- <b onmouseover=alert(1)>y</b>",
	"html in code":            "`<script>alert(1)</script>`\n\n```\n<img src=x onerror=alert(1)>\n```",
	"nfd and script":          "Ma tu\u0301y <script>alert(1)</script>",
}

func TestRenderMarkdownXSSVectors(t *testing.T) {
	for name, src := range xssVectors {
		t.Run(name, func(t *testing.T) {
			out, err := RenderMarkdown([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			checkHarmless(t, string(out))
		})
	}
}

// allowedElements is what the policy may produce; anything else is a leak.
var allowedElements = map[string]bool{
	"p": true, "br": true, "hr": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"strong": true, "em": true, "del": true, "code": true, "pre": true, "blockquote": true,
	"ul": true, "ol": true, "li": true, "a": true, "img": true,
	"table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true,
}

// checkHarmless parses out as a browser would and fails on any element
// outside the allowed set, any event handler or style attribute, and any
// URL attribute whose scheme is not http, https or mailto (after the HTML
// parser has decoded entities, so obfuscated schemes are caught as well).
// Links to another host (fully qualified or scheme-relative) must carry
// rel="noopener".
func checkHarmless(t *testing.T, out string) {
	t.Helper()
	for _, p := range harmProblems(out) {
		t.Errorf("%s in output: %s", p, out)
	}
}

// harmProblems lists what makes out harmful (see checkHarmless).
func harmProblems(out string) []string {
	var problems []string
	nodes, err := html.ParseFragment(strings.NewReader(out), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return []string{"unparsable HTML: " + err.Error()}
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if !allowedElements[n.Data] {
				problems = append(problems, "element <"+n.Data+">")
			}
			rel, href := "", ""
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				switch {
				case strings.HasPrefix(key, "on"), key == "style", key == "srcdoc", key == "formaction":
					problems = append(problems, "attribute "+key)
				case key == "href" || key == "src":
					u := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
					if i := strings.IndexByte(u, ':'); i >= 0 && !strings.ContainsAny(u[:i], "/?#") {
						if scheme := u[:i]; scheme != "http" && scheme != "https" && scheme != "mailto" {
							problems = append(problems, key+" with scheme "+scheme)
						}
					}
					if key == "href" {
						href = u
					}
				case key == "rel":
					rel = a.Val
				}
			}
			if u, err := url.Parse(href); n.Data == "a" && err == nil && u.Host != "" && !strings.Contains(rel, "noopener") {
				problems = append(problems, "external link without rel=noopener")
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return problems
}

// TestHarmProblemsCatches shows that the checker itself finds each kind of
// harm, so that a passing vector test means something.
func TestHarmProblemsCatches(t *testing.T) {
	for _, bad := range []string{
		`<script>alert(1)</script>`,
		`<img src="x.png" onerror="alert(1)">`,
		`<a href="javascript:alert(1)">x</a>`,
		`<a href="&#106;avascript:alert(1)">x</a>`,
		`<a href=" JAVA SCRIPT:alert(1)">x</a>`,
		`<img src="data:image/svg+xml;base64,AAAA">`,
		`<p style="color:red">x</p>`,
		`<a href="https://example.org">x</a>`,
		`<svg><a href="vbscript:x">y</a></svg>`,
		`<select><option>x</option></select>`,
	} {
		if len(harmProblems(bad)) == 0 {
			t.Errorf("checker missed %s", bad)
		}
	}
	if p := harmProblems(`<p><a href="/van-ban/x" rel="noreferrer">x</a> <a href="https://moh.gov.vn" rel="noreferrer noopener" target="_blank">y</a></p>`); len(p) != 0 {
		t.Errorf("checker flags safe HTML: %v", p)
	}
}

// TestRenderMarkdownKeepsContent checks that the policy does not throw away
// what Markdown is for: the safe parts of a body survive.
func TestRenderMarkdownKeepsContent(t *testing.T) {
	src := "# Tháng hành động\n\nNgày **26/6** là *Ngày quốc tế* phòng, chống ma túy.\n\n" +
		"- Tuyên truyền\n- Cai nghiện\n\n[Kế hoạch 53](/van-ban/53-kh-ubnd-2017) và [Bộ Y tế](https://moh.gov.vn) " +
		"<img src=x onerror=alert(1)> [xấu](javascript:alert(1))\n\n![Áp phích](/media/0123456789abcdef0123456789abcdef.jpg)"
	out, err := RenderMarkdown([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		"<h2>Tháng hành động</h2>",
		"<strong>26/6</strong>",
		"<em>Ngày quốc tế</em>",
		"<li>Tuyên truyền</li>",
		`href="/van-ban/53-kh-ubnd-2017"`,
		`href="https://moh.gov.vn"`,
		`noopener`,
		`<img src="/media/0123456789abcdef0123456789abcdef.jpg" alt="Áp phích"`,
		"xấu",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	for _, bad := range []string{"onerror", "javascript", "alert"} {
		if strings.Contains(s, bad) {
			t.Errorf("output contains %q:\n%s", bad, s)
		}
	}
	checkHarmless(t, s)
}

func FuzzRenderMarkdown(f *testing.F) {
	for _, v := range xssVectors {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, src string) {
		out, err := RenderMarkdown([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		checkHarmless(t, string(out))
	})
}

// thirdPartyImages are image sources that would make a reader's browser or
// feed reader ask another site for something: absolute URLs in every
// spelling, scheme-relative ones, backslash and whitespace tricks that
// browsers turn into "//", and relative paths that do not start at the
// portal's root. Not one may come out as an img src.
var thirdPartyImages = map[string]string{
	"http":                   `![ảnh](http://tracker.example/p.gif)`,
	"https":                  `![ảnh](https://tracker.example/p.gif)`,
	"upper-case scheme":      `![ảnh](HTTPS://tracker.example/p.gif)`,
	"scheme-relative":        `![x](//cdn.example/x.png)`,
	"scheme-relative angle":  `![x](<//cdn.example/x.png>)`,
	"triple slash":           `![x](///cdn.example/x.png)`,
	"backslashes":            `![x](\\cdn.example\x.png)`,
	"slash backslash":        `![x](/\cdn.example/x.png)`,
	"encoded backslash":      `![x](/%5Ccdn.example/x.png)`,
	"tab between slashes":    "![x](</\t/cdn.example/x.png>)",
	"newline in angle":       "![x](</\n/cdn.example/x.png>)",
	"entity slash":           `![x](&#47;&#47;cdn.example/x.png)`,
	"http without slashes":   `![x](http:cdn.example/x.png)`,
	"ftp":                    `![x](ftp://cdn.example/x.png)`,
	"reference image":        "![ảnh][p]\n\n[p]: https://tracker.example/p.gif",
	"reference scheme-rel":   "![ảnh][p]\n\n[p]: //tracker.example/p.gif",
	"image in link":          `[![ảnh](https://tracker.example/p.gif)](/van-ban)`,
	"image in table":         "| a |\n|---|\n| ![x](https://tracker.example/p.gif) |",
	"raw img":                `<img src="https://tracker.example/p.gif">`,
	"raw img in paragraph":   `Xem <img src="//tracker.example/p.gif"> nhé`,
	"relative without slash": `![x](tracker.example/p.gif)`,
	"dot relative":           `![x](./p.gif)`,
	"query tracker":          `![x](/media/a.jpg?u=https://tracker.example)`,
	"data":                   `![x](data:image/gif;base64,R0lGODlhAQABAAAAACw=)`,
	"leading space":          `![x]( //cdn.example/x.png)`,
}

// imageSources returns the src of every img in out (as a browser parses it).
func imageSources(t *testing.T, out string) []string {
	t.Helper()
	nodes, err := html.ParseFragment(strings.NewReader(out), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		t.Fatal(err)
	}
	var srcs []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "img" {
			for _, a := range n.Attr {
				if a.Key == "src" {
					srcs = append(srcs, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return srcs
}

// isLocalPath reports whether a browser resolves src to this site: a path
// starting with one "/" and no "\", whitespace or control character.
func isLocalPath(src string) bool {
	if !strings.HasPrefix(src, "/") || strings.HasPrefix(src, "//") || strings.ContainsAny(src, "\\") {
		return false
	}
	for _, r := range src {
		if r <= ' ' || r == 0x7f {
			return false
		}
	}
	u, err := url.Parse(src)
	return err == nil && u.Scheme == "" && u.Host == ""
}

func TestRenderMarkdownRefusesThirdPartyImages(t *testing.T) {
	// The two sources of the QA report lose their src entirely.
	for _, src := range []string{`![ảnh](http://tracker.example/p.gif)`, `![x](//cdn.example/x.png)`} {
		out, err := RenderMarkdown([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if srcs := imageSources(t, string(out)); len(srcs) != 0 || strings.Contains(string(out), "example") {
			t.Errorf("%s → %s", src, out)
		}
	}
	for name, src := range thirdPartyImages {
		t.Run(name, func(t *testing.T) {
			out, err := RenderMarkdown([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			// goldmark percent-encodes a tab or a backslash in a link
			// destination ("/%09/cdn.example", "/%5Ccdn.example"): such a
			// source is a path on the portal (a 404), which is allowed.
			for _, s := range imageSources(t, string(out)) {
				if !isLocalPath(s) {
					t.Errorf("img src %q is not a path on the portal:\n%s", s, out)
				}
			}
			checkHarmless(t, string(out))
		})
	}
}

// TestRenderMarkdownKeepsLocalImagesAndForeignLinks: images on the portal
// keep their source, alternative text and title; links to other sites
// stay, with their rel and target rules.
func TestRenderMarkdownKeepsLocalImagesAndForeignLinks(t *testing.T) {
	for src, want := range map[string]string{
		`![Áp phích](/media/0123456789abcdef0123456789abcdef.jpg "Tháng hành động")`: `<img src="/media/0123456789abcdef0123456789abcdef.jpg" alt="Áp phích" title="Tháng hành động">`,
		`![Ảnh](/media/anh%20bia.png)`:            `<img src="/media/anh%20bia.png" alt="Ảnh">`,
		`![Ảnh](/media/ảnh.png)`:                  `<img src="/media/%E1%BA%A3nh.png" alt="Ảnh">`,
		`[Bộ Y tế](https://moh.gov.vn/tin-tuc)`:   `<a href="https://moh.gov.vn/tin-tuc" rel="noreferrer noopener" target="_blank">Bộ Y tế</a>`,
		`[Kế hoạch 53](/van-ban/53-kh-ubnd-2017)`: `<a href="/van-ban/53-kh-ubnd-2017" rel="noreferrer">Kế hoạch 53</a>`,
	} {
		out, err := RenderMarkdown([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(out), want) {
			t.Errorf("%s\n got %s\nwant %s", src, out, want)
		}
	}
}

// FuzzRenderMarkdownImages: whatever the source, every img src that comes
// out is a path on the portal.
func FuzzRenderMarkdownImages(f *testing.F) {
	for _, v := range thirdPartyImages {
		f.Add(v)
	}
	f.Add(`![x](/media/a.jpg)`)
	f.Fuzz(func(t *testing.T, src string) {
		out, err := RenderMarkdown([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range imageSources(t, string(out)) {
			if !isLocalPath(s) {
				t.Fatalf("img src %q is not a path on the portal:\n%s", s, out)
			}
		}
	})
}
