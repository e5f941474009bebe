// Package intake accepts tip-offs (tố giác) and rehab enquiries (đăng ký tư
// vấn cai nghiện): it validates and sanitises what people send, with a
// Vietnamese message per field; writes each submission durably to the
// outbox (store) before a receipt is shown, by group commit; hands out
// receipts (16 random digits, kept only as an HMAC); and forwards outbox rows
// to the agency queues (queue.Publisher) with retry and back-off.
//
// The choices offered by the forms (areas, categories, substances, forms of
// rehab) and the routing of kinds to queues are data files embedded from
// data/, not code: the map of administrative units changed in 2025 and
// agencies change too. Nothing in this package sees the sender's address,
// user agent or referrer, and it imports no web framework.
package intake

import (
	"embed"
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/text/unicode/norm"
	"gopkg.in/yaml.v3"
)

//go:embed data/*.yaml
var dataFiles embed.FS

// Kinds of submission. They name the outbox rows, the queue entries and the
// routes in data/routing.yaml.
const (
	KindTip          = "tip"
	KindRehabEnquiry = "rehab_enquiry"
)

// Option is one choice of a form field: a stable ASCII code (what forms and
// apps send) and its Vietnamese label.
type Option struct {
	Code  string `json:"code" yaml:"code"`
	Label string `json:"label" yaml:"label"`
}

// FormOptions is the body of GET /api/v1/form-options: every list of
// choices the two forms offer.
type FormOptions struct {
	TipCategories []Option `json:"tip_categories"`
	Areas         []Option `json:"areas"`
	Relationships []Option `json:"relationships"`
	Substances    []Option `json:"substances"`
	RehabForms    []Option `json:"rehab_forms"`
	// RehabServices are the services of the rehab directory (package
	// rehab) an enquiry may name: code is the service's slug. Set with
	// SetRehabServices; empty when no directory is wired.
	RehabServices []Option `json:"rehab_services"`
}

// Route is where one kind of submission goes.
type Route struct {
	// Queue is the full stream name, e.g. "portal:queue:police".
	Queue string `yaml:"queue"`
	// Agency names the receiving desk in Vietnamese; shown on the forms.
	Agency string `yaml:"agency"`
	// Desk is the code of the desk whose inbox receives this kind (a desk
	// of desk/data/desk.yaml): the portal's desk consumer reads Queue for
	// it.
	Desk string `yaml:"desk"`
}

// Catalog is the loaded data: the choices of each field and the routes. It
// is read-only after LoadCatalog and safe for concurrent use.
type Catalog struct {
	// Province names the territory the areas cover (from areas.yaml).
	Province string
	// Options are the choices of each field, in the order of the files.
	Options FormOptions
	// Routes maps a kind (KindTip, KindRehabEnquiry) to its route.
	Routes map[string]Route
}

var codePattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// LoadCatalog parses the embedded data files (data/areas.yaml,
// data/options.yaml, data/routing.yaml) and checks them: every list is
// non-empty, codes are unique lower-case ASCII, labels are non-empty NFC
// text, and both kinds have a route with a queue under "portal:queue:".
// An error names the file and the entry at fault.
func LoadCatalog() (*Catalog, error) {
	var areas struct {
		Province string   `yaml:"province"`
		Areas    []Option `yaml:"areas"`
	}
	var opts struct {
		TipCategories []Option `yaml:"tip_categories"`
		Relationships []Option `yaml:"relationships"`
		Substances    []Option `yaml:"substances"`
		RehabForms    []Option `yaml:"rehab_forms"`
	}
	var routing struct {
		Routes map[string]Route `yaml:"routes"`
	}
	for _, f := range []struct {
		name string
		into any
	}{{"data/areas.yaml", &areas}, {"data/options.yaml", &opts}, {"data/routing.yaml", &routing}} {
		b, err := dataFiles.ReadFile(f.name)
		if err != nil {
			return nil, fmt.Errorf("intake: read %s: %w", f.name, err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(f.into); err != nil {
			return nil, fmt.Errorf("intake: parse %s: %w", f.name, err)
		}
	}
	c := &Catalog{
		Province: areas.Province,
		Options: FormOptions{
			TipCategories: opts.TipCategories,
			Areas:         areas.Areas,
			Relationships: opts.Relationships,
			Substances:    opts.Substances,
			RehabForms:    opts.RehabForms,
		},
		Routes: routing.Routes,
	}
	for _, l := range []struct {
		name string
		list []Option
	}{
		{"areas.yaml areas", c.Options.Areas},
		{"options.yaml tip_categories", c.Options.TipCategories},
		{"options.yaml relationships", c.Options.Relationships},
		{"options.yaml substances", c.Options.Substances},
		{"options.yaml rehab_forms", c.Options.RehabForms},
	} {
		if len(l.list) == 0 {
			return nil, fmt.Errorf("intake: %s: empty list", l.name)
		}
		seen := map[string]bool{}
		for i, o := range l.list {
			if !codePattern.MatchString(o.Code) {
				return nil, fmt.Errorf("intake: %s entry %d: code %q is not lower-case ASCII words joined by '-'", l.name, i+1, o.Code)
			}
			if seen[o.Code] {
				return nil, fmt.Errorf("intake: %s: code %q appears twice", l.name, o.Code)
			}
			seen[o.Code] = true
			if strings.TrimSpace(o.Label) == "" || !norm.NFC.IsNormalString(o.Label) {
				return nil, fmt.Errorf("intake: %s: label of %q is empty or not NFC", l.name, o.Code)
			}
		}
	}
	for _, kind := range []string{KindTip, KindRehabEnquiry} {
		r, ok := c.Routes[kind]
		if !ok {
			return nil, fmt.Errorf("intake: routing.yaml: no route for kind %q", kind)
		}
		if !strings.HasPrefix(r.Queue, "portal:queue:") {
			r.Queue = "portal:queue:" + r.Queue
		}
		if !codePattern.MatchString(strings.TrimPrefix(r.Queue, "portal:queue:")) {
			return nil, fmt.Errorf("intake: routing.yaml: kind %q: bad queue name %q", kind, r.Queue)
		}
		if strings.TrimSpace(r.Agency) == "" {
			return nil, fmt.Errorf("intake: routing.yaml: kind %q: no agency", kind)
		}
		if !codePattern.MatchString(r.Desk) {
			return nil, fmt.Errorf("intake: routing.yaml: kind %q: desk %q is not a desk code such as police", kind, r.Desk)
		}
		c.Routes[kind] = r
	}
	return c, nil
}

// SetRehabServices sets the services an enquiry may name (slug and name of
// each). Call it before the catalog is shared: the catalog is read-only
// afterwards. Codes must be unique lower-case ASCII and labels NFC.
func (c *Catalog) SetRehabServices(services []Option) error {
	seen := map[string]bool{}
	for _, o := range services {
		if !codePattern.MatchString(o.Code) || seen[o.Code] {
			return fmt.Errorf("intake: rehab service code %q is not unique lower-case ASCII", o.Code)
		}
		seen[o.Code] = true
		if strings.TrimSpace(o.Label) == "" || !norm.NFC.IsNormalString(o.Label) {
			return fmt.Errorf("intake: rehab service %q: label empty or not NFC", o.Code)
		}
	}
	c.Options.RehabServices = append([]Option(nil), services...)
	return nil
}

// Label returns the label of code in list, and whether code is there.
func Label(list []Option, code string) (string, bool) {
	for _, o := range list {
		if o.Code == code {
			return o.Label, true
		}
	}
	return "", false
}
