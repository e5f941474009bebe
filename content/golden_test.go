package content

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden/*.json from the current parser")

// goldenResult is everything Parse says of one input, as JSON: the error
// (its field), or every fact, the body, the signature, the citations and
// the text ImportFile would store.
type goldenResult struct {
	Error     string           `json:"error,omitempty"`
	Slug      string           `json:"slug,omitempty"`
	Type      string           `json:"type,omitempty"`
	Number    string           `json:"number,omitempty"`
	Issuer    string           `json:"issuer,omitempty"`
	Place     string           `json:"place,omitempty"`
	IssuedOn  string           `json:"issued_on,omitempty"`
	Title     string           `json:"title,omitempty"`
	Preamble  []string         `json:"preamble,omitempty"`
	Sections  []Section        `json:"sections,omitempty"`
	Signature *Signature       `json:"signature,omitempty"`
	Citations []goldenCitation `json:"citations,omitempty"`
	Text      string           `json:"text,omitempty"`
	Stored    string           `json:"stored,omitempty"`
}

type goldenCitation struct {
	Type, Number, Issuer, IssuedOn, Subject, Slug string
}

func goldenOf(b []byte) goldenResult {
	d, stored, err := parse(b)
	if err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			return goldenResult{Error: pe.Field}
		}
		return goldenResult{Error: err.Error()}
	}
	g := goldenResult{
		Slug: d.Slug, Type: d.Type, Number: d.Number, Issuer: d.Issuer, Place: d.Place, Title: d.Title,
		Preamble: d.Preamble, Sections: d.Sections, Signature: d.Signature, Text: d.Text, Stored: stored,
	}
	if !d.IssuedOn.IsZero() {
		g.IssuedOn = d.IssuedOn.Format("2006-01-02")
	}
	for _, c := range d.Citations {
		gc := goldenCitation{Type: c.Type, Number: c.Number, Issuer: c.Issuer, Subject: c.Subject, Slug: c.Slug}
		if !c.IssuedOn.IsZero() {
			gc.IssuedOn = c.IssuedOn.Format("2006-01-02")
		}
		g.Citations = append(g.Citations, gc)
	}
	return g
}

// goldenInputs are the fixtures that existed before issue 15 (the seed plan,
// every testdata/*.txt and the NFC source of the NFD decree) and the seed in
// NFD and with CRLF and a BOM.
func goldenInputs(t *testing.T) map[string][]byte {
	t.Helper()
	in := map[string][]byte{"seed": readFile(t, seedPath)}
	files, _ := filepath.Glob("testdata/*.txt")
	nfcs, _ := filepath.Glob("testdata/*.nfc")
	for _, p := range append(files, nfcs...) {
		in[filepath.Base(p)] = readFile(t, p)
	}
	in["seed.nfd"] = norm.NFD.Bytes(in["seed"])
	in["seed.crlf-bom"] = append([]byte("\uFEFF"), bytes.ReplaceAll(in["seed"], []byte("\n"), []byte("\r\n"))...)
	return in
}

// TestGolden: every fixture that existed before issue 15 parses exactly as
// recorded in testdata/golden (run with -update to record). A change of the
// parser that changes any of them shows here as a diff of the field.
func TestGolden(t *testing.T) {
	for name, b := range goldenInputs(t) {
		t.Run(name, func(t *testing.T) {
			got := goldenOf(b)
			gj, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			gj = append(gj, '\n')
			path := filepath.Join("testdata", "golden", name+".json")
			if *updateGolden {
				if err := os.WriteFile(path, gj, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("no golden file (run go test -run TestGolden -update): %v", err)
			}
			if !bytes.Equal(gj, want) {
				var w goldenResult
				if err := json.Unmarshal(want, &w); err != nil {
					t.Fatal(err)
				}
				wl, gl := strings.Split(string(want), "\n"), strings.Split(string(gj), "\n")
				for i := 0; i < max(len(wl), len(gl)); i++ {
					var a, b string
					if i < len(wl) {
						a = wl[i]
					}
					if i < len(gl) {
						b = gl[i]
					}
					if a != b {
						t.Errorf("differs from %s at line %d:\n want %s\n got  %s", path, i+1, a, b)
						break
					}
				}
			}
		})
	}
}
