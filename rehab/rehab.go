// Package rehab is the directory of rehab services a family can turn to
// (/cai-nghien): voluntary rehab at a facility, in the community or at
// home, methadone substitution treatment, counselling. It comes from
// data/services.yaml, embedded, or from rehab-services.yaml in the data
// directory, which replaces it as a whole.
//
// Every fact of an entry names its source, and each entry the day its facts
// were last checked; a fact no source gives (an address, a telephone line)
// is left out, never guessed.
package rehab

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
	"gopkg.in/yaml.v3"
)

//go:embed data/services.yaml
var embedded []byte

// FileName is the name of the override file in the data directory.
const FileName = "rehab-services.yaml"

// Kinds of service, in the order pages list them, with their Vietnamese
// names. The forms of rehab are those of Plan 53/KH-UBND (II.6) and the
// Luật Phòng, chống ma túy 2021.
var Kinds = []Kind{
	{"co-so", "Cai nghiện tự nguyện tại cơ sở cai nghiện"},
	{"cong-dong", "Cai nghiện tự nguyện tại cộng đồng"},
	{"gia-dinh", "Cai nghiện tự nguyện tại gia đình"},
	{"methadone", "Điều trị thay thế bằng thuốc Methadone"},
	{"tu-van", "Tư vấn"},
}

// Kind is a kind of service: a stable code and its Vietnamese name.
type Kind struct{ Code, Name string }

// KindName is the Vietnamese name of code ("" when unknown).
func KindName(code string) string {
	for _, k := range Kinds {
		if k.Code == code {
			return k.Name
		}
	}
	return ""
}

// WholeArea is the area code of a service open to the whole territory.
const WholeArea = "toan-tinh"

// Fact is one statement about a service and where it comes from.
type Fact struct {
	Text   string `yaml:"text"`
	Source string `yaml:"source"`
}

// Known reports whether a source gave the fact.
func (f Fact) Known() bool { return f.Text != "" }

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

// Service is one entry of the directory.
type Service struct {
	Slug        string   `yaml:"slug"`
	Name        Fact     `yaml:"name"`
	Kinds       []string `yaml:"kinds"`
	KindsSource string   `yaml:"kinds_source"`
	// Areas are area codes (intake/data/areas.yaml) or WholeArea; empty
	// when no source says where the service is.
	Areas       []string `yaml:"areas"`
	AreasSource string   `yaml:"areas_source"`
	Provider    Fact     `yaml:"provider"`
	About       Fact     `yaml:"about"`
	Address     Fact     `yaml:"address"`
	Phone       Fact     `yaml:"phone"`
	Hours       Fact     `yaml:"hours"`
	Cost        Fact     `yaml:"cost"` // what it costs and who pays
	Bring       Fact     `yaml:"bring"`
	How         Fact     `yaml:"how"` // how to start
	CheckedOn   Date     `yaml:"checked_on"`
}

// StaleAfter is how old a check may be before a page warns about it.
const StaleAfter = 365 * 24 * time.Hour

// Stale reports whether the last check is more than a year before now.
func (s *Service) Stale(now time.Time) bool { return now.Sub(s.CheckedOn.Time) > StaleAfter }

// InArea reports whether the service serves area: it lists area or the
// whole territory.
func (s *Service) InArea(area string) bool {
	return slices.Contains(s.Areas, area) || slices.Contains(s.Areas, WholeArea)
}

// KindNames are the Vietnamese names of the service's kinds.
func (s *Service) KindNames() []string {
	out := make([]string, 0, len(s.Kinds))
	for _, k := range s.Kinds {
		out = append(out, KindName(k))
	}
	return out
}

// Directory is the loaded list, in file order. Read-only once loaded.
type Directory struct {
	Services []*Service
	// From is where it was read: "embedded" or the override's path.
	From string
}

// Service finds an entry by slug.
func (d *Directory) Service(slug string) (*Service, bool) {
	for _, s := range d.Services {
		if s.Slug == slug {
			return s, true
		}
	}
	return nil, false
}

// InArea lists the services of area ("" for all), in file order.
func (d *Directory) InArea(area string) []*Service {
	if area == "" {
		return d.Services
	}
	var out []*Service
	for _, s := range d.Services {
		if s.InArea(area) {
			out = append(out, s)
		}
	}
	return out
}

// Load reads dataDir/rehab-services.yaml when it exists, else the embedded
// file, and checks it with Parse against the known area codes. A broken
// override is an error, never a silent fallback.
func Load(dataDir string, areaCodes []string) (*Directory, error) {
	if dataDir != "" {
		p := filepath.Join(dataDir, FileName)
		b, err := os.ReadFile(p)
		switch {
		case err == nil:
			d, err := Parse(b, areaCodes)
			if err != nil {
				return nil, fmt.Errorf("rehab: %s: %w", p, err)
			}
			d.From = p
			return d, nil
		case !errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("rehab: %w", err)
		}
	}
	d, err := Parse(embedded, areaCodes)
	if err != nil {
		return nil, fmt.Errorf("rehab: embedded data/services.yaml: %w", err)
	}
	d.From = "embedded"
	return d, nil
}

var (
	slugRe  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	phoneRe = regexp.MustCompile(`^\+?[0-9][0-9 .]{2,20}$`)
)

// Parse decodes and checks a services file: unknown keys refused, slugs
// unique lower-case ASCII, a name, at least one known kind, known area
// codes, every given fact NFC with a source, a telephone that looks like
// one, and a check date.
func Parse(b []byte, areaCodes []string) (*Directory, error) {
	var file struct {
		Services []*Service `yaml:"services"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		return nil, err
	}
	var errs []error
	seen := map[string]bool{}
	for i, s := range file.Services {
		where := fmt.Sprintf("services[%d] (%s)", i, s.Slug)
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf(where+": "+format, args...))
		}
		if !slugRe.MatchString(s.Slug) {
			bad("slug is not lower-case ASCII words joined by '-'")
		}
		if seen[s.Slug] {
			bad("slug appears twice")
		}
		seen[s.Slug] = true
		if !s.Name.Known() {
			bad("name is required")
		}
		for field, f := range map[string]Fact{"name": s.Name, "provider": s.Provider, "about": s.About,
			"address": s.Address, "phone": s.Phone, "hours": s.Hours, "cost": s.Cost, "bring": s.Bring, "how": s.How} {
			if !f.Known() {
				if f.Source != "" {
					bad("%s has a source but no text", field)
				}
				continue
			}
			if strings.TrimSpace(f.Source) == "" {
				bad("%s has no source", field)
			}
			if !norm.NFC.IsNormalString(f.Text) || !norm.NFC.IsNormalString(f.Source) {
				bad("%s is not NFC", field)
			}
		}
		if s.Phone.Known() && !phoneRe.MatchString(s.Phone.Text) {
			bad("phone %q is not a telephone number", s.Phone.Text)
		}
		if len(s.Kinds) == 0 {
			bad("kinds is empty")
		}
		for _, k := range s.Kinds {
			if KindName(k) == "" {
				bad("unknown kind %q", k)
			}
		}
		if len(s.Kinds) > 0 && strings.TrimSpace(s.KindsSource) == "" {
			bad("kinds_source is required")
		}
		for _, a := range s.Areas {
			if a != WholeArea && !slices.Contains(areaCodes, a) {
				bad("unknown area %q", a)
			}
		}
		if len(s.Areas) > 0 && strings.TrimSpace(s.AreasSource) == "" {
			bad("areas_source is required when areas are given")
		}
		if s.CheckedOn.IsZero() {
			bad("checked_on is required")
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &Directory{Services: file.Services}, nil
}
