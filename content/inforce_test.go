package content

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// The shipped catalogue's statuses, links both ways, and the texts whose
// own term has passed.
func TestInForceShippedCatalogue(t *testing.T) {
	l := loadCorpus(t, "")
	tests := []struct {
		slug, status, since, replacedBy string
		replaces                        []string
		sourced, derived                bool
	}{
		{"23-2000-qh10", StatusReplaced, "2022-01-01", "73-2021-qh14", nil, true, false},
		{"73-2021-qh14", StatusInForce, "2022-01-01", "", []string{"23-2000-qh10"}, true, false},
		{"94-2010-nd-cp", StatusReplaced, "2022-01-01", "116-2021-nd-cp", nil, true, false},
		{"116-2021-nd-cp", StatusInForce, "2022-01-01", "", []string{"94-2010-nd-cp"}, true, false},
		{"424-qd-ttg-2017", StatusExpired, "2021-01-01", "", nil, true, false},
		{"245-kh-ubqg-bca-2017", StatusExpired, "2021-01-01", "", nil, true, false},
		{"2596-qd-ttg-2013", StatusExpired, "2021-01-01", "", nil, true, false},
		{"15-2012-qh13", StatusInForce, "2013-07-01", "", nil, true, false},
		{"100-2015-qh13", StatusInForce, "2018-01-01", "", nil, true, false},
		{"25-ct-ttg-2017", StatusUnknown, "", "", nil, false, false},
		{"21-ct-tw-2008", StatusUnknown, "", "", nil, false, false},
		{"53-kh-ubnd-2017", StatusUnknown, "", "", nil, false, false},
	}
	for _, tt := range tests {
		d, ok := l.Document(tt.slug)
		if !ok {
			t.Errorf("%s missing", tt.slug)
			continue
		}
		f := d.InForce
		since := ""
		if !f.Since.IsZero() {
			since = f.Since.Format("2006-01-02")
		}
		if f.Status != tt.status || since != tt.since || f.ReplacedBy != tt.replacedBy ||
			strings.Join(f.Replaces, " ") != strings.Join(tt.replaces, " ") || (f.Source != "") != tt.sourced || f.Derived != tt.derived {
			t.Errorf("%s: %+v", tt.slug, f)
		}
		if f.Label() == "" {
			t.Errorf("%s: no Vietnamese label", tt.slug)
		}
	}
	// A programme "đến năm 2020" never looks current.
	for _, d := range l.Documents() {
		if strings.Contains(d.Title, "đến năm 2020") && d.InForce.Status != StatusExpired {
			t.Errorf("%s (%s) shows %s", d.Slug, d.Title, d.InForce.Status)
		}
	}
}

// Statuses a text's own term implies, and the catalogue's checks.
func TestInForceDerivedAndChecked(t *testing.T) {
	fsys := fstest.MapFS{
		"catalogue.yaml": {Data: []byte(`- number: 1/QĐ-TTg
  type: Quyết định
  issuer: Thủ tướng Chính phủ
  issued_on: 2016-01-05
  title: Phê duyệt Đề án thử giai đoạn 2016 - 2020
- number: 2/QĐ-TTg
  type: Quyết định
  issuer: Thủ tướng Chính phủ
  issued_on: 2021-01-05
  title: Phê duyệt Chương trình thử đến năm 2030
- number: 3/NĐ-CP
  type: Nghị định
  issuer: Chính phủ
  issued_on: 2019-01-05
  title: Thử hết hiệu lực một phần
  in_force:
    status: partly_expired
    since: 2023-07-01
    note: Điều 5 hết hiệu lực.
    source: Nghị định 4/NĐ-CP, Điều 9.
`)},
	}
	l, err := load(fsys, "", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := l.Document("1-qd-ttg-2016")
	if d1.InForce.Status != StatusExpired || !d1.InForce.Derived || d1.InForce.Since.Format("2006-01-02") != "2021-01-01" || !strings.Contains(d1.InForce.Note, "2020") {
		t.Errorf("term 2016 - 2020: %+v", d1.InForce)
	}
	d2, _ := l.Document("2-qd-ttg-2021")
	if d2.InForce.Status != StatusUnknown || d2.InForce.Derived {
		t.Errorf("term to 2030 is not over: %+v", d2.InForce)
	}
	d3, _ := l.Document("3-nd-cp-2019")
	if d3.InForce.Status != StatusPartlyExpired || d3.InForce.Label() != "Hết hiệu lực một phần" || d3.InForce.Source == "" {
		t.Errorf("partly expired: %+v", d3.InForce)
	}

	bad := map[string]string{
		"unknown status":      "  in_force:\n    status: con_hieu_luc\n    source: x\n",
		"no source":           "  in_force:\n    status: expired\n",
		"bad date":            "  in_force:\n    status: expired\n    since: 1/1/2020\n    source: x\n",
		"replaced without by": "  in_force:\n    status: replaced\n    source: x\n",
		"by without replaced": "  in_force:\n    status: expired\n    replaced_by: 5/NĐ-CP\n    source: x\n",
		"by unknown text":     "  in_force:\n    status: replaced\n    replaced_by: 5/2020/NĐ-CP\n    source: x\n",
	}
	for name, rec := range bad {
		fsys := fstest.MapFS{"catalogue.yaml": {Data: []byte("- number: 1/NĐ-CP\n  type: Nghị định\n  issued_on: 2019-01-05\n" + rec)}}
		if _, err := Load(fsys, ""); err == nil || !strings.Contains(err.Error(), "in_force") {
			t.Errorf("%s: err = %v, want one naming in_force", name, err)
		}
	}
}
