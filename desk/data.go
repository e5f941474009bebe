package desk

import (
	"embed"
	"fmt"
	"regexp"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
	"gopkg.in/yaml.v3"
)

//go:embed data/desk.yaml
var dataFiles embed.FS

// Status is one status of a case (data/desk.yaml).
type Status struct {
	Code  string `yaml:"code"`
	Label string `yaml:"label"`
	// Help says to the sender, in one sentence, what the status means.
	Help    string `yaml:"help"`
	Initial bool   `yaml:"initial"`
	Final   bool   `yaml:"final"`
}

// Transition is one allowed status change.
type Transition struct {
	From string `yaml:"from"`
	To   string `yaml:"to"`
	// Reason reports that the change needs a written (internal) reason.
	Reason bool `yaml:"reason"`
}

// Outcome is how a closed case ended.
type Outcome struct {
	Code  string `yaml:"code"`
	Label string `yaml:"label"`
	// Public is what the sender reads at /tra-cuu.
	Public string `yaml:"public"`
}

// Desk is one desk: the staff role that works it, its first-response goal
// and its outcomes. Which kinds reach it is routing data (intake's
// routing.yaml).
type Desk struct {
	// Code is the desk's code and the role of its staff ("police").
	Code string `yaml:"code"`
	Name string `yaml:"name"`
	// FirstResponseHours is the first-response goal.
	FirstResponseHours int       `yaml:"first_response_hours"`
	Outcomes           []Outcome `yaml:"outcomes"`
}

// FirstResponseGoal is the desk's first-response goal as a duration.
func (d *Desk) FirstResponseGoal() time.Duration {
	return time.Duration(d.FirstResponseHours) * time.Hour
}

// Outcome returns the outcome with that code, if the desk has it.
func (d *Desk) Outcome(code string) (Outcome, bool) {
	for _, o := range d.Outcomes {
		if o.Code == code {
			return o, true
		}
	}
	return Outcome{}, false
}

// Data is the loaded data/desk.yaml. Read-only after LoadData and safe for
// concurrent use.
type Data struct {
	Statuses    []Status     `yaml:"statuses"`
	Transitions []Transition `yaml:"transitions"`
	Desks       []Desk       `yaml:"desks"`
}

var codePattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// LoadData parses the embedded data/desk.yaml and checks it: codes are
// unique lower-case ASCII, labels non-empty NFC text, exactly one initial
// and one final status, every transition between known statuses and every
// change into the final status needing a reason, every desk with a goal
// of at least one hour and at least one outcome. An error names the entry
// at fault.
func LoadData() (*Data, error) {
	b, err := dataFiles.ReadFile("data/desk.yaml")
	if err != nil {
		return nil, fmt.Errorf("desk: read desk.yaml: %w", err)
	}
	return parseData(b)
}

func parseData(b []byte) (*Data, error) {
	var d Data
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("desk: parse desk.yaml: %w", err)
	}
	text := func(where, s string) error {
		if strings.TrimSpace(s) == "" || !norm.NFC.IsNormalString(s) {
			return fmt.Errorf("desk: desk.yaml: %s is empty or not NFC", where)
		}
		return nil
	}
	if len(d.Statuses) == 0 {
		return nil, fmt.Errorf("desk: desk.yaml: no statuses")
	}
	seen := map[string]bool{}
	initial, final := 0, 0
	for i, s := range d.Statuses {
		if !codePattern.MatchString(s.Code) || seen[s.Code] {
			return nil, fmt.Errorf("desk: desk.yaml: status %d: code %q is not a new lower-case ASCII code", i+1, s.Code)
		}
		seen[s.Code] = true
		if err := text("label of status "+s.Code, s.Label); err != nil {
			return nil, err
		}
		if err := text("help of status "+s.Code, s.Help); err != nil {
			return nil, err
		}
		if s.Initial {
			initial++
		}
		if s.Final {
			final++
		}
	}
	if initial != 1 || final != 1 {
		return nil, fmt.Errorf("desk: desk.yaml: want exactly one initial and one final status, have %d and %d", initial, final)
	}
	pairs := map[[2]string]bool{}
	for i, t := range d.Transitions {
		if !seen[t.From] || !seen[t.To] || t.From == t.To || pairs[[2]string{t.From, t.To}] {
			return nil, fmt.Errorf("desk: desk.yaml: transition %d (%s → %s) is unknown, a loop or repeated", i+1, t.From, t.To)
		}
		pairs[[2]string{t.From, t.To}] = true
		if st, _ := d.Status(t.To); st.Final && !t.Reason {
			return nil, fmt.Errorf("desk: desk.yaml: transition %s → %s closes a case and must require a reason", t.From, t.To)
		}
	}
	if len(d.Desks) == 0 {
		return nil, fmt.Errorf("desk: desk.yaml: no desks")
	}
	desks := map[string]bool{}
	for i, k := range d.Desks {
		if !codePattern.MatchString(k.Code) || desks[k.Code] {
			return nil, fmt.Errorf("desk: desk.yaml: desk %d: code %q is not a new lower-case ASCII code", i+1, k.Code)
		}
		desks[k.Code] = true
		if err := text("name of desk "+k.Code, k.Name); err != nil {
			return nil, err
		}
		if k.FirstResponseHours < 1 {
			return nil, fmt.Errorf("desk: desk.yaml: desk %s: first_response_hours must be at least 1", k.Code)
		}
		if len(k.Outcomes) == 0 {
			return nil, fmt.Errorf("desk: desk.yaml: desk %s has no outcomes", k.Code)
		}
		outs := map[string]bool{}
		for _, o := range k.Outcomes {
			if !codePattern.MatchString(o.Code) || outs[o.Code] {
				return nil, fmt.Errorf("desk: desk.yaml: desk %s: outcome code %q is not a new lower-case ASCII code", k.Code, o.Code)
			}
			outs[o.Code] = true
			if err := text("label of outcome "+o.Code, o.Label); err != nil {
				return nil, err
			}
			if err := text("public text of outcome "+o.Code, o.Public); err != nil {
				return nil, err
			}
		}
	}
	return &d, nil
}

// Status returns the status with that code.
func (d *Data) Status(code string) (Status, bool) {
	for _, s := range d.Statuses {
		if s.Code == code {
			return s, true
		}
	}
	return Status{}, false
}

// Initial is the status of a new case.
func (d *Data) Initial() Status {
	for _, s := range d.Statuses {
		if s.Initial {
			return s
		}
	}
	return Status{} // LoadData guarantees one
}

// Transition returns the allowed change from → to, if there is one.
func (d *Data) Transition(from, to string) (Transition, bool) {
	for _, t := range d.Transitions {
		if t.From == from && t.To == to {
			return t, true
		}
	}
	return Transition{}, false
}

// Next lists the statuses a case in status from may move to, in the order
// of the statuses.
func (d *Data) Next(from string) []Status {
	var out []Status
	for _, s := range d.Statuses {
		if _, ok := d.Transition(from, s.Code); ok {
			out = append(out, s)
		}
	}
	return out
}

// Desk returns the desk with that code.
func (d *Data) Desk(code string) (*Desk, bool) {
	for i := range d.Desks {
		if d.Desks[i].Code == code {
			return &d.Desks[i], true
		}
	}
	return nil, false
}
