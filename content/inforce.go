package content

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Legal statuses of a text (tình trạng hiệu lực), as the national database
// of legal documents (vbpl.vn) shows them. The codes are what the JSON API
// and the search filter use.
const (
	StatusInForce       = "in_force"       // còn hiệu lực
	StatusExpired       = "expired"        // hết hiệu lực (with the date)
	StatusPartlyExpired = "partly_expired" // hết hiệu lực một phần
	StatusReplaced      = "replaced"       // bị thay thế bởi văn bản khác
	StatusUnknown       = "unknown"        // chưa rõ: the portal does not know
)

// Statuses lists every status code, in the order filters show them.
var Statuses = []string{StatusInForce, StatusPartlyExpired, StatusExpired, StatusReplaced, StatusUnknown}

// statusLabels are the Vietnamese names of the statuses.
var statusLabels = map[string]string{
	StatusInForce:       "Còn hiệu lực",
	StatusExpired:       "Hết hiệu lực",
	StatusPartlyExpired: "Hết hiệu lực một phần",
	StatusReplaced:      "Bị thay thế",
	StatusUnknown:       "Chưa rõ tình trạng hiệu lực",
}

// StatusLabel returns the Vietnamese name of a status code ("Còn hiệu
// lực"), or "" for a code that is not one of Statuses.
func StatusLabel(code string) string { return statusLabels[code] }

// InForce is whether a text is in force: a fact of the catalogue
// (corpus/catalogue.yaml, field in_force), with where it comes from, or
// derived from the text's own term.
type InForce struct {
	// Status is one of the Status* codes; StatusUnknown when the portal has
	// no fact.
	Status string
	// Since is the date the status took effect (the text lost effect, was
	// replaced, or came into force); zero when unknown.
	Since time.Time
	// ReplacedBy is the slug of the text that replaces this one (Status
	// StatusReplaced); Replaces are the slugs of the texts this one
	// replaces, sorted. Both are filled by Load, so the link goes both ways.
	ReplacedBy string
	Replaces   []string
	// Note is one Vietnamese sentence shown with the status.
	Note string
	// Source says where the fact comes from (a provision of a published
	// text); empty for StatusUnknown.
	Source string
	// Derived says the status was not recorded but read from the text's
	// own term in its title ("đến năm 2020"), which has passed.
	Derived bool

	replacedByNumber string // from the catalogue, resolved by Load
}

// Label returns the Vietnamese name of the status.
func (f InForce) Label() string {
	if l := StatusLabel(f.Status); l != "" {
		return l
	}
	return statusLabels[StatusUnknown]
}

// Known reports whether the status is a fact (not StatusUnknown).
func (f InForce) Known() bool { return f.Status != "" && f.Status != StatusUnknown }

// catalogueInForce is the in_force record of a catalogue entry.
type catalogueInForce struct {
	Status     string `yaml:"status"`
	Since      string `yaml:"since"`
	ReplacedBy string `yaml:"replaced_by"`
	Note       string `yaml:"note"`
	Source     string `yaml:"source"`
}

// parseInForce checks and converts an in_force record; where names the
// catalogue entry in errors. A missing record is StatusUnknown.
func parseInForce(r *catalogueInForce, where string) (InForce, error) {
	if r == nil {
		return InForce{Status: StatusUnknown}, nil
	}
	f := InForce{Status: strings.TrimSpace(r.Status), Note: nfc(strings.TrimSpace(r.Note)), Source: nfc(strings.TrimSpace(r.Source))}
	if _, ok := statusLabels[f.Status]; !ok {
		return f, fmt.Errorf("%s: trường in_force.status (tình trạng hiệu lực) “%s” không thuộc danh mục: %s", where, f.Status, strings.Join(Statuses, ", "))
	}
	if s := strings.TrimSpace(r.Since); s != "" {
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return f, fmt.Errorf("%s: trường in_force.since (ngày) phải có dạng YYYY-MM-DD", where)
		}
		f.Since = t
	}
	f.replacedByNumber = nfc(strings.TrimSpace(r.ReplacedBy))
	if (f.Status == StatusReplaced) != (f.replacedByNumber != "") {
		return f, fmt.Errorf("%s: trường in_force.replaced_by (số hiệu văn bản thay thế) cần có khi và chỉ khi status là replaced", where)
	}
	if f.replacedByNumber != "" && !looksLikeNumber(f.replacedByNumber) {
		return f, fmt.Errorf("%s: trường in_force.replaced_by không phải số hiệu hợp lệ", where)
	}
	if f.Known() && f.Source == "" {
		return f, fmt.Errorf("%s: trường in_force.source (nguồn của thông tin hiệu lực) là bắt buộc khi status không phải unknown", where)
	}
	return f, nil
}

// termRE finds a term a text sets itself in its title: "đến năm 2020",
// "giai đoạn 2016 - 2020", "giai đoạn 2016-2020".
var termRE = regexp.MustCompile(`(?i)(?:đến năm|giai đoạn \d{4}\s*[-–—]\s*)\s*(\d{4})`)

// deriveInForce gives a document without a recorded status the one its
// own title implies: a programme, plan or scheme "đến năm 2020" or for
// "giai đoạn 2016 - 2020" ended with that year, so from 1 January of the
// next year it is shown as expired, marked Derived. Anything else stays
// unknown.
func deriveInForce(d *Document, now time.Time) {
	if d.InForce.Known() {
		return
	}
	m := termRE.FindAllStringSubmatch(d.Title, -1)
	if len(m) == 0 {
		if d.InForce.Status == "" {
			d.InForce.Status = StatusUnknown
		}
		return
	}
	year, _ := strconv.Atoi(m[len(m)-1][1])
	end := time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC)
	if !now.Before(end) {
		d.InForce = InForce{
			Status: StatusExpired, Since: end, Derived: true,
			Note: "Trích yếu ghi thời hạn đến năm " + strconv.Itoa(year) + "; thời hạn đó đã kết thúc.",
		}
		return
	}
	if d.InForce.Status == "" {
		d.InForce.Status = StatusUnknown
	}
}
