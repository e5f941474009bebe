package desk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/thaibinh-pcmt/portal/intake"
)

// Submission is what the person sent, as the case page and the API show
// it: one of Tip and Enquiry, as intake validated it (plain text exactly
// as typed: escape it when displaying; the *_html twins are already safe).
type Submission struct {
	Kind    string          `json:"kind"`
	Tip     *intake.Tip     `json:"tip,omitempty"`
	Enquiry *intake.Enquiry `json:"enquiry,omitempty"`
}

// decodeSubmission reads the JSON of a queue entry (intake.Tip or
// intake.Enquiry, by kind).
func decodeSubmission(kind string, data []byte) (Submission, error) {
	sub := Submission{Kind: kind}
	dec := json.NewDecoder(bytes.NewReader(data))
	switch kind {
	case intake.KindTip:
		sub.Tip = &intake.Tip{}
		if err := dec.Decode(sub.Tip); err != nil {
			return sub, fmt.Errorf("desk: tip data: %w", err)
		}
	case intake.KindRehabEnquiry:
		sub.Enquiry = &intake.Enquiry{}
		if err := dec.Decode(sub.Enquiry); err != nil {
			return sub, fmt.Errorf("desk: enquiry data: %w", err)
		}
	default:
		return sub, fmt.Errorf("desk: unknown kind %q", kind)
	}
	return sub, nil
}

// classify returns the clear columns of a submission: its category (the
// tip's category, the enquiry's substance) and its area, both codes.
func (sub Submission) classify() (category, area string, err error) {
	switch {
	case sub.Tip != nil:
		category, area = sub.Tip.Category, sub.Tip.Area
	case sub.Enquiry != nil:
		category, area = sub.Enquiry.Substance, sub.Enquiry.Area
	}
	if category == "" || area == "" {
		return "", "", errors.New("desk: submission without category or area")
	}
	return category, area, nil
}

// CategoryLabel is the Vietnamese label of a case's category: the tip's
// category or the enquiry's substance; the code itself when the data no
// longer has it.
func (s *Service) CategoryLabel(kind, code string) string {
	list := s.catalog.Options.TipCategories
	if kind == intake.KindRehabEnquiry {
		list = s.catalog.Options.Substances
	}
	if l, ok := intake.Label(list, code); ok {
		return l
	}
	return code
}

// AreaLabel is the Vietnamese label of an area code.
func (s *Service) AreaLabel(code string) string {
	if l, ok := intake.Label(s.catalog.Options.Areas, code); ok {
		return l
	}
	return code
}

// CategoryName is what a desk's category column is called: "Loại hành
// vi" for tips, "Chất đang sử dụng" for rehab enquiries.
func (s *Service) CategoryName(desk string) string {
	for kind, r := range s.catalog.Routes {
		if r.Desk == desk && kind == intake.KindRehabEnquiry {
			return intake.FieldLabels[intake.FieldSubstance]
		}
	}
	return intake.FieldLabels[intake.FieldCategory]
}

// Categories are the choices of a desk's category filter.
func (s *Service) Categories(desk string) []intake.Option {
	for kind, r := range s.catalog.Routes {
		if r.Desk == desk && kind == intake.KindRehabEnquiry {
			return s.catalog.Options.Substances
		}
	}
	return s.catalog.Options.TipCategories
}
