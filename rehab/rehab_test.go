package rehab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var areas = []string{"phuong-thai-binh", "dong-hung", "vu-thu", "khac"}

func TestEmbedded(t *testing.T) {
	d, err := Load(t.TempDir(), areas)
	if err != nil {
		t.Fatal(err)
	}
	if d.From != "embedded" || len(d.Services) != 4 {
		t.Fatalf("from %q, %d services", d.From, len(d.Services))
	}
	// The shipped file names no address, telephone, hours or cost that a
	// source does not give: none of the entries has an address or a phone.
	for _, s := range d.Services {
		if s.Address.Known() || s.Phone.Known() || s.Hours.Known() {
			t.Errorf("%s: shipped with address/phone/hours", s.Slug)
		}
	}
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	facility, ok := d.Service("trung-tam-cai-nghien-ma-tuy-tinh-thai-binh")
	if !ok || !facility.Stale(now) {
		t.Errorf("the 2017 facility entry should be stale in 2026: %v", ok)
	}
	counsel, _ := d.Service("tu-van-qua-cong-thong-tin")
	if counsel.Stale(now) {
		t.Error("an entry checked on 2026-11-01 is not stale on 2026-11-30")
	}
	// Filter: area services plus whole-territory ones; the facility with no
	// known area only in the unfiltered list.
	got := []string{}
	for _, s := range d.InArea("vu-thu") {
		got = append(got, s.Slug)
	}
	want := "dieu-tri-thay-the-methadone cai-nghien-tu-nguyen-tai-gia-dinh-cong-dong tu-van-qua-cong-thong-tin"
	if strings.Join(got, " ") != want {
		t.Errorf("InArea(vu-thu) = %v", got)
	}
	if len(d.InArea("")) != 4 {
		t.Error("InArea(\"\") is not every service")
	}
	if names := counsel.KindNames(); len(names) != 1 || names[0] != "Tư vấn" {
		t.Errorf("KindNames = %v", names)
	}
}

func TestOverride(t *testing.T) {
	dir := t.TempDir()
	body := `services:
  - slug: co-so-moi
    name: {text: "Cơ sở mới", source: "Quyết định X"}
    kinds: [co-so]
    kinds_source: "Quyết định X"
    areas: [dong-hung]
    areas_source: "Quyết định X"
    phone: {text: "0227 3 123 456", source: "Quyết định X"}
    checked_on: 2026-10-01
`
	os.WriteFile(filepath.Join(dir, FileName), []byte(body), 0o600)
	d, err := Load(dir, areas)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Services) != 1 || d.Services[0].Phone.Text != "0227 3 123 456" {
		t.Fatalf("override not used: %+v", d.Services)
	}
}

func TestParseRejects(t *testing.T) {
	ok := `services:
  - slug: a
    name: {text: "Tên", source: "Nguồn"}
    kinds: [co-so]
    kinds_source: "Nguồn"
    checked_on: 2026-01-01
`
	if _, err := Parse([]byte(ok), areas); err != nil {
		t.Fatalf("valid entry refused: %v", err)
	}
	for name, edit := range map[string][2]string{
		"fact without source": {`kinds: [co-so]`, "kinds: [co-so]\n    phone: {text: \"0227 3 123 456\"}"},
		"bad phone":           {`kinds: [co-so]`, "kinds: [co-so]\n    phone: {text: \"gọi ngay\", source: \"x\"}"},
		"unknown kind":        {`kinds: [co-so]`, `kinds: [spa]`},
		"unknown area":        {`kinds: [co-so]`, "kinds: [co-so]\n    areas: [ha-noi]\n    areas_source: x"},
		"area without source": {`kinds: [co-so]`, "kinds: [co-so]\n    areas: [vu-thu]"},
		"no check date":       {"    checked_on: 2026-01-01\n", ""},
		"bad slug":            {"slug: a", "slug: A B"},
		"unknown field":       {"slug: a", "slug: a\n    fax: x"},
		"no name":             {`name: {text: "Tên", source: "Nguồn"}`, `name: {text: ""}`},
	} {
		b := strings.Replace(ok, edit[0], edit[1], 1)
		if b == ok {
			t.Fatalf("%s: edit did not apply", name)
		}
		if _, err := Parse([]byte(b), areas); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
