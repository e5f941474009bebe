package content

import (
	"strconv"
	"strings"
)

// Assignment is one agency's share of the plan's section "PHÂN CÔNG NHIỆM
// VỤ" (III of Plan 53/KH-UBND), derived from the parsed text.
type Assignment struct {
	// Number is the item's number in the section (1–13 in the plan).
	Number int
	// Agency is the agency named by the item's heading, e.g. "Sở Y tế",
	// without a leading "Đề nghị" (see Requested).
	Agency string
	// Anchor is the item's anchor in the plan's page, e.g. "muc-iii-3".
	Anchor string
	// Tasks are the item's tasks: its paragraphs, then its dash items, in
	// the order printed.
	Tasks []string
	// Requested is true when the heading begins "Đề nghị": the plan
	// requests the agency (the Mặt trận Tổ quốc, not under the Ủy ban nhân
	// dân) rather than assigning it.
	Requested bool
}

// assignmentsOf returns the assignments of the section whose heading is
// "PHÂN CÔNG NHIỆM VỤ", or nil when d has none.
func assignmentsOf(d *Document) []Assignment {
	if d == nil {
		return nil
	}
	var sec *Section
	walkSectionsPtr(d.Sections, func(s *Section) {
		if sec == nil && strings.Contains(lettersOnly(s.Heading), "phancongnhiemvu") {
			sec = s
		}
	})
	if sec == nil {
		return nil
	}
	var out []Assignment
	for _, item := range sec.Children {
		n, err := strconv.Atoi(strings.TrimSuffix(item.Marker, "."))
		if err != nil || item.Heading == "" {
			continue
		}
		a := Assignment{Number: n, Agency: item.Heading, Anchor: item.Anchor}
		if rest, ok := strings.CutPrefix(a.Agency, "Đề nghị "); ok {
			a.Agency, a.Requested = upperFirst(rest), true
		}
		a.Tasks = append(a.Tasks, item.Paragraphs...)
		for _, c := range item.Children {
			if t := sectionText(c); t != "" {
				a.Tasks = append(a.Tasks, t)
			}
		}
		out = append(out, a)
	}
	return out
}

// sectionText is a section's heading, paragraphs and sub-parts as one
// string.
func sectionText(s Section) string {
	parts := make([]string, 0, 1+len(s.Paragraphs)+len(s.Children))
	if s.Heading != "" {
		parts = append(parts, s.Heading)
	}
	parts = append(parts, s.Paragraphs...)
	for _, c := range s.Children {
		if t := sectionText(c); t != "" {
			parts = append(parts, c.Marker+" "+t)
		}
	}
	return strings.Join(parts, " ")
}

func walkSectionsPtr(ss []Section, f func(*Section)) {
	for i := range ss {
		f(&ss[i])
		walkSectionsPtr(ss[i].Children, f)
	}
}
