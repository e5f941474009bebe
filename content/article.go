package content

import (
	"errors"
	"fmt"
	"html/template"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Article is a prevention article (bài viết) written for the portal: YAML
// front matter and a Markdown body, shipped in corpus/bai-viet/*.md.
type Article struct {
	// Slug is the URL key (/bai-viet/<slug>): lower-case ASCII letters,
	// digits and single dashes.
	Slug string
	// Title is the headline; Summary one or two sentences for lists, feeds
	// and the page description.
	Title, Summary string
	// Published is the day of publication (midnight UTC).
	Published time.Time
	// Cites are slugs of the documents the article relies on; each must be
	// a document of the Library.
	Cites []string
	// Markdown is the body as written; HTML the body rendered by
	// RenderMarkdown (sanitised); Text the body as plain text for search.
	Markdown string
	HTML     template.HTML
	Text     string
}

// articleMeta is the front matter of an article file.
type articleMeta struct {
	Title     string   `yaml:"title"`
	Slug      string   `yaml:"slug"`
	Summary   string   `yaml:"summary"`
	Published string   `yaml:"published"`
	Cites     []string `yaml:"cites"`
}

var articleSlugRE = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// ErrFrontMatter: an article file does not start with "---" front matter.
var ErrFrontMatter = errors.New("bài viết thiếu phần đầu YAML giữa hai dòng “---”")

// ParseArticle reads an article: front matter between two "---" lines
// (title, slug, summary, published YYYY-MM-DD, optional cites: [slugs]),
// then Markdown. Text is normalised to NFC and LF first. Errors name the
// field in Vietnamese; Cites are not checked here (the Library does).
func ParseArticle(src []byte) (*Article, error) {
	s := nfc(strings.ReplaceAll(strings.TrimPrefix(string(src), "\uFEFF"), "\r\n", "\n"))
	rest, ok := strings.CutPrefix(s, "---\n")
	if !ok {
		return nil, ErrFrontMatter
	}
	front, body, ok := strings.Cut(rest, "\n---\n")
	if !ok {
		if front, ok = strings.CutSuffix(rest, "\n---"); !ok {
			return nil, ErrFrontMatter
		}
		body = ""
	}
	var m articleMeta
	if err := yaml.Unmarshal([]byte(front), &m); err != nil {
		return nil, fmt.Errorf("phần đầu YAML của bài viết không đọc được: %w", err)
	}
	a := &Article{
		Slug:     strings.TrimSpace(m.Slug),
		Title:    strings.TrimSpace(m.Title),
		Summary:  strings.TrimSpace(m.Summary),
		Cites:    m.Cites,
		Markdown: strings.TrimSpace(body) + "\n",
	}
	switch {
	case a.Title == "":
		return nil, errors.New("bài viết thiếu trường title (tiêu đề)")
	case utf8.RuneCountInString(a.Title) > 200:
		return nil, errors.New("trường title (tiêu đề) của bài viết dài quá 200 ký tự")
	case !articleSlugRE.MatchString(a.Slug):
		return nil, fmt.Errorf("trường slug của bài viết “%s” không hợp lệ: chỉ dùng chữ thường không dấu, chữ số và dấu gạch ngang", a.Title)
	case a.Summary == "":
		return nil, fmt.Errorf("bài viết %s thiếu trường summary (tóm tắt)", a.Slug)
	}
	t, err := time.Parse("2006-01-02", strings.TrimSpace(m.Published))
	if err != nil {
		return nil, fmt.Errorf("trường published (ngày đăng) của bài viết %s phải có dạng YYYY-MM-DD", a.Slug)
	}
	a.Published = t
	if strings.TrimSpace(body) == "" {
		return nil, fmt.Errorf("bài viết %s không có nội dung", a.Slug)
	}
	if a.HTML, err = RenderMarkdown([]byte(a.Markdown)); err != nil {
		return nil, fmt.Errorf("bài viết %s: %w", a.Slug, err)
	}
	a.Text = markdownText([]byte(a.Markdown))
	return a, nil
}
