// Package identity is the portal's identity as data: the province and the
// territory it covers, the portal's name, description, colour and emblem,
// who runs it, the agencies and the telephone lines people may need, and
// where legal texts are published. It comes from data/identity.yaml,
// embedded, or from identity.yaml in the data directory, which replaces it
// as a whole (provinces merge and rename: Thái Bình became part of Hưng
// Yên on 1/7/2025).
//
// Every fact carries its source and the date it was last checked; a fact
// that is not known is left out, never guessed.
package identity

import (
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
	"gopkg.in/yaml.v3"
)

//go:embed data/identity.yaml
var embedded []byte

// FileName is the name of the override file in the data directory.
const FileName = "identity.yaml"

// Date is a calendar day read from YAML as YYYY-MM-DD.
type Date struct{ time.Time }

// UnmarshalYAML reads YYYY-MM-DD.
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(n.Value))
	if err != nil {
		return fmt.Errorf("line %d: date %q is not YYYY-MM-DD", n.Line, n.Value)
	}
	d.Time = t
	return nil
}

// Sourced is what every fact carries: where it comes from and when it was
// last checked there.
type Sourced struct {
	Source    string `yaml:"source"`
	CheckedOn Date   `yaml:"checked_on"`
}

// Province is the province the portal serves.
type Province struct {
	Name    string `yaml:"name"` // "Hưng Yên"
	Area    string `yaml:"area"` // the territory covered: "địa bàn tỉnh Thái Bình cũ"
	Note    string `yaml:"note"` // one sentence on the merger, shown on the pages
	Sourced `yaml:",inline"`
}

// Portal names the site.
type Portal struct {
	Name        string `yaml:"name"`
	ShortName   string `yaml:"short_name"` // at most 12 characters (home-screen label)
	Description string `yaml:"description"`
	ThemeColor  string `yaml:"theme_color"` // #rrggbb
	Emblem      string `yaml:"emblem"`      // file name in static/assets
	Basis       string `yaml:"basis"`       // slug of the plan the portal is built on
}

// Body is an agency or the operator: its name, what it does for people,
// and, when a source gives them, its address and telephone.
type Body struct {
	Name    string `yaml:"name"`
	Role    string `yaml:"role"`
	Address string `yaml:"address,omitempty"`
	Phone   string `yaml:"phone,omitempty"`
	Sourced `yaml:",inline"`
}

// Hotline is a telephone line people may call.
type Hotline struct {
	Number  string `yaml:"number"` // digits only, as dialled: "113"
	Name    string `yaml:"name"`
	Use     string `yaml:"use"` // when to call it
	Sourced `yaml:",inline"`
}

// Link is a named external site.
type Link struct {
	Name    string `yaml:"name"`
	URL     string `yaml:"url"`
	Sourced `yaml:",inline"`
}

// Identity is the whole file. It is read-only once loaded.
type Identity struct {
	Province      Province  `yaml:"province"`
	Portal        Portal    `yaml:"portal"`
	Operator      Body      `yaml:"operator"`
	Agencies      []Body    `yaml:"agencies"`
	Hotlines      []Hotline `yaml:"hotlines"`
	LegalDatabase Link      `yaml:"legal_database"`
	// From is where it was read: "embedded" or the override's path.
	From string `yaml:"-"`
}

// Hotline returns the line with number, if the file lists it.
func (id *Identity) Hotline(number string) (Hotline, bool) {
	for _, h := range id.Hotlines {
		if h.Number == number {
			return h, true
		}
	}
	return Hotline{}, false
}

// Load reads dataDir/identity.yaml when it exists, else the embedded file,
// and checks it (Parse). A missing override is not an error; an unreadable
// or invalid one is, so that a typo never silently brings back the old
// province.
func Load(dataDir string) (*Identity, error) {
	if dataDir != "" {
		p := filepath.Join(dataDir, FileName)
		b, err := os.ReadFile(p)
		switch {
		case err == nil:
			id, err := Parse(b)
			if err != nil {
				return nil, fmt.Errorf("identity: %s: %w", p, err)
			}
			id.From = p
			return id, nil
		case !errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("identity: %w", err)
		}
	}
	return Default()
}

// Default is the embedded identity.
func Default() (*Identity, error) {
	id, err := Parse(embedded)
	if err != nil {
		return nil, fmt.Errorf("identity: embedded data/identity.yaml: %w", err)
	}
	id.From = "embedded"
	return id, nil
}

var (
	colorRe  = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	digitsRe = regexp.MustCompile(`^[0-9]{3,15}$`)
	phoneRe  = regexp.MustCompile(`^\+?[0-9][0-9 .]{2,20}$`)
	assetRe  = regexp.MustCompile(`^[a-z0-9-]+\.(svg|png|webp)$`)
)

// Parse decodes and checks an identity file: unknown keys are refused,
// every text is NFC, the required names are there, the colour is #rrggbb,
// numbers are digits, the emblem is a plain asset file name, the legal
// database is an https URL, and every fact has a source and a check date.
func Parse(b []byte) (*Identity, error) {
	var id Identity
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&id); err != nil {
		return nil, err
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	text := func(field, v string, required bool) {
		if strings.TrimSpace(v) == "" {
			if required {
				bad("%s is required", field)
			}
			return
		}
		if !norm.NFC.IsNormalString(v) {
			bad("%s is not NFC", field)
		}
	}
	sourced := func(field string, s Sourced) {
		text(field+".source", s.Source, true)
		if s.CheckedOn.IsZero() {
			bad("%s.checked_on is required", field)
		}
	}
	text("province.name", id.Province.Name, true)
	text("province.area", id.Province.Area, true)
	text("province.note", id.Province.Note, false)
	sourced("province", id.Province.Sourced)
	text("portal.name", id.Portal.Name, true)
	text("portal.short_name", id.Portal.ShortName, true)
	if len([]rune(id.Portal.ShortName)) > 12 {
		bad("portal.short_name is longer than 12 characters")
	}
	text("portal.description", id.Portal.Description, true)
	if !colorRe.MatchString(id.Portal.ThemeColor) {
		bad("portal.theme_color %q is not #rrggbb", id.Portal.ThemeColor)
	}
	if !assetRe.MatchString(id.Portal.Emblem) {
		bad("portal.emblem %q is not a file name like emblem.svg", id.Portal.Emblem)
	}
	text("portal.basis", id.Portal.Basis, true)
	body := func(field string, a Body) {
		text(field+".name", a.Name, true)
		text(field+".role", a.Role, true)
		text(field+".address", a.Address, false)
		if a.Phone != "" && !phoneRe.MatchString(a.Phone) {
			bad("%s.phone %q is not a telephone number", field, a.Phone)
		}
		sourced(field, a.Sourced)
	}
	body("operator", id.Operator)
	for i, a := range id.Agencies {
		body(fmt.Sprintf("agencies[%d]", i), a)
	}
	seen := map[string]bool{}
	for i, h := range id.Hotlines {
		f := fmt.Sprintf("hotlines[%d]", i)
		if !digitsRe.MatchString(h.Number) {
			bad("%s.number %q is not digits", f, h.Number)
		}
		if seen[h.Number] {
			bad("%s.number %s is listed twice", f, h.Number)
		}
		seen[h.Number] = true
		text(f+".name", h.Name, true)
		text(f+".use", h.Use, true)
		sourced(f, h.Sourced)
	}
	if l := id.LegalDatabase; l.URL != "" {
		if u, err := url.Parse(l.URL); err != nil || u.Scheme != "https" || u.Host == "" {
			bad("legal_database.url %q is not an https URL", l.URL)
		}
		text("legal_database.name", l.Name, true)
		sourced("legal_database", l.Sourced)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &id, nil
}
