package identity

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefault(t *testing.T) {
	id, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if id.Province.Name != "Hưng Yên" || !strings.Contains(id.Province.Area, "Thái Bình") {
		t.Errorf("province = %+v", id.Province)
	}
	for _, n := range []string{"111", "113", "115"} {
		if _, ok := id.Hotline(n); !ok {
			t.Errorf("hotline %s missing", n)
		}
	}
	if id.Portal.ThemeColor != "#8a1c1c" || id.Portal.Emblem != "emblem.svg" {
		t.Errorf("portal = %+v", id.Portal)
	}
	// No agency carries an address or a telephone that no source gave.
	for _, a := range id.Agencies {
		if (a.Address != "" || a.Phone != "") && a.Source == "" {
			t.Errorf("agency %s has contact details without a source", a.Name)
		}
	}
}

func TestLoadOverride(t *testing.T) {
	dir := t.TempDir()
	if id, err := Load(dir); err != nil || id.From != "embedded" {
		t.Fatalf("no override: %v, from %q", err, id.From)
	}
	b := strings.Replace(string(embedded), `name: "Hưng Yên"`, `name: "Tỉnh Mới"`, 1)
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(b), 0o600); err != nil {
		t.Fatal(err)
	}
	id, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if id.Province.Name != "Tỉnh Mới" || id.From != filepath.Join(dir, FileName) {
		t.Errorf("override not used: %q from %q", id.Province.Name, id.From)
	}
	// A broken override fails the start instead of falling back.
	os.WriteFile(filepath.Join(dir, FileName), []byte("province: [\n"), 0o600)
	if _, err := Load(dir); err == nil {
		t.Error("broken override accepted")
	}
}

func TestParseRejects(t *testing.T) {
	base := string(embedded)
	for name, edit := range map[string][2]string{
		"unknown key":       {"province:\n", "province:\n  capital: x\n"},
		"bad colour":        {`theme_color: "#8a1c1c"`, `theme_color: "red"`},
		"number not digits": {`number: "113"`, `number: "11x"`},
		"duplicate number":  {`number: "115"`, `number: "113"`},
		"no source":         {`  source: "Nghị quyết số 202/2025/QH15`, `  source_x: "`},
		"emblem path":       {`emblem: "emblem.svg"`, `emblem: "../secret.svg"`},
		"not NFC":           {`name: "Hưng Yên"`, "name: \"Hu\u031bng Yên\""},
		"http database":     {`url: "https://vbpl.vn/"`, `url: "http://vbpl.vn/"`},
		"bad check date":    {"checked_on: 2026-11-01", "checked_on: 1/11/2026"},
	} {
		b := strings.Replace(base, edit[0], edit[1], 1)
		if b == base {
			t.Fatalf("%s: edit did not apply", name)
		}
		if _, err := Parse([]byte(b)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
