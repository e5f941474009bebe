package content

import (
	"strings"
	"testing"
)

func TestRenderMarkdown(t *testing.T) {
	tests := []struct {
		name        string
		src         string
		contains    []string
		notContains []string
	}{
		{"basic", "# Tiêu đề\n\nĐoạn **đậm** và *nghiêng*, ~~gạch~~.\n\n- một\n- hai\n",
			[]string{"<h2>Tiêu đề</h2>", "<strong>đậm</strong>", "<em>nghiêng</em>", "<del>gạch</del>", "<li>một</li>"}, []string{"<h1"}},
		// The page's title is its one h1: a body's level-1 heading is a
		// level-2 heading; the other levels stay.
		{"heading levels", "# Một\n\n## Hai\n\n### Ba\n", []string{"<h2>Một</h2>", "<h2>Hai</h2>", "<h3>Ba</h3>"}, []string{"<h1"}},
		{"relative link", "[Kế hoạch](/van-ban/53-kh-ubnd-2017#muc-iii)",
			[]string{`href="/van-ban/53-kh-ubnd-2017#muc-iii"`, `rel="noreferrer"`}, []string{"target="}},
		{"external link", "[nguồn](https://example.org/a)",
			[]string{`href="https://example.org/a"`, `target="_blank"`, "noopener", "noreferrer"}, nil},
		{"scheme without host", "[bấm](https:evil.example) [b](https:)", []string{"bấm"}, []string{"href"}},
		{"scheme-relative link is external", "[a](//evil.example/x)", []string{"noopener", `target="_blank"`}, nil},
		{"mailto", "[thư](mailto:a@example.org)", []string{`href="mailto:a@example.org"`}, nil},
		{"script tag", "<script>alert(1)</script>\n\nchữ", []string{"chữ"}, []string{"<script", "alert(1)</script"}},
		{"inline script", "a <script>alert(1)</script> b", nil, []string{"<script"}},
		{"onerror", `<img src="x" onerror="alert(1)">`, nil, []string{"onerror", "<img src=\"x\" onerror"}},
		{"markdown image", `![ảnh](/static/a.png "t")`, []string{`<img src="/static/a.png" alt="ảnh" title="t"`}, []string{"onerror"}},
		{"javascript link", "[bấm](javascript:alert(1))", []string{"bấm"}, []string{"javascript:", "href"}},
		{"javascript link with entities", "[bấm](jav&#x09;ascript:alert(1))", []string{"bấm"}, []string{"javascript", "href"}},
		{"data link", "[bấm](data:text/html;base64,PHNjcmlwdD4=)", nil, []string{"data:", "href"}},
		{"vbscript autolink", "<vbscript:msgbox(1)>", nil, []string{"href"}},
		{"raw html style", `<p style="color:red">x</p><style>p{}</style>`, nil, []string{"style"}},
		{"select", "<select><option>1</option></select>", nil, []string{"<select", "<option"}},
		{"escaped stays escaped", "&lt;script&gt;alert(1)&lt;/script&gt;", []string{"&lt;script&gt;"}, []string{"<script"}},
		{"code keeps text escaped", "`<b>x</b>`", []string{"<code>&lt;b&gt;x&lt;/b&gt;</code>"}, []string{"<b>"}},
		{"table", "| a | b |\n|:--|--:|\n| 1 | 2 |\n", []string{"<table>", "<th", "<td"}, []string{"style"}},
		{"task list", "- [x] xong\n", []string{"xong"}, []string{"<input"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := RenderMarkdown([]byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			h := string(out)
			for _, s := range tt.contains {
				if !strings.Contains(h, s) {
					t.Errorf("output lacks %q:\n%s", s, h)
				}
			}
			for _, s := range tt.notContains {
				if strings.Contains(h, s) {
					t.Errorf("output has %q:\n%s", s, h)
				}
			}
		})
	}
}

func TestMarkdownText(t *testing.T) {
	got := markdownText([]byte("# Tiêu đề\n\nMột **đoạn** có [liên kết](/a) và <b>html</b>.\n\n- mục một\n- mục hai\n\n```\nmã\n```\n"))
	want := "Tiêu đề\nMột đoạn có liên kết và html.\nmục một\nmục hai\nmã"
	if got != want {
		t.Errorf("markdownText = %q, want %q", got, want)
	}
}

func TestParseArticleErrors(t *testing.T) {
	tests := map[string]string{
		"no front matter": "# Tiêu đề\n",
		"unclosed":        "---\ntitle: A\n",
		"bad yaml":        "---\ntitle: [\n---\nA\n",
		"no title":        "---\nslug: a\nsummary: s\npublished: 2026-01-01\n---\nA\n",
		"bad slug":        "---\ntitle: A\nslug: Bài Viết\nsummary: s\npublished: 2026-01-01\n---\nA\n",
		"no summary":      "---\ntitle: A\nslug: a\npublished: 2026-01-01\n---\nA\n",
		"bad date":        "---\ntitle: A\nslug: a\nsummary: s\npublished: 2026-13-01\n---\nA\n",
		"empty body":      "---\ntitle: A\nslug: a\nsummary: s\npublished: 2026-01-01\n---\n\n",
	}
	for name, src := range tests {
		if a, err := ParseArticle([]byte(src)); err == nil {
			t.Errorf("%s: accepted %+v", name, a)
		}
	}
	a, err := ParseArticle([]byte("\uFEFF---\r\ntitle: \"Bài\"\r\nslug: bai\r\nsummary: Tóm tắt\r\npublished: 2026-01-02\r\ncites: [53-kh-ubnd-2017]\r\n---\r\nNội dung <script>x</script>\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Bài" || a.Slug != "bai" || a.Published.Format("2006-01-02") != "2026-01-02" || len(a.Cites) != 1 || strings.Contains(string(a.HTML), "<script") {
		t.Errorf("ParseArticle = %+v", a)
	}
}

// TestPlainText: what the search index takes of a campaign's or article's
// Markdown (press.SearchDoc uses it).
func TestPlainText(t *testing.T) {
	md := "# Tiêu đề\n\nĐoạn **đậm** và [liên kết](javascript:alert(1)).\n\n<script>alert('x')</script>\n\n![ảnh mô tả](x.png) <img src=x onerror=alert(1)>\n\n- một\n- hai\n\n<https://example.org>"
	got := PlainText(md)
	want := "Tiêu đề\nĐoạn đậm và liên kết.\nảnh mô tả\nmột\nhai\nhttps://example.org"
	if got != want {
		t.Fatalf("PlainText =\n%q\nwant\n%q", got, want)
	}
	// Text as the page shows it: references resolved, escapes removed;
	// code spans as written.
	if got := PlainText(`1 < 2 &amp; 3 &#273;&#x1EA1;t \*sao\* ` + "`&amp;`"); got != "1 < 2 & 3 đạt *sao* &amp;" {
		t.Errorf("PlainText of references = %q", got)
	}
}
