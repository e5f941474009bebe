package intake

import (
	"errors"
	"html"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/thaibinh-pcmt/portal/internal/formerr"
)

// checkStoredText is what every stored free-text value (plain text and its
// safe HTML twin) must satisfy.
func checkStoredText(t *testing.T, field, s, safe string, max int) {
	t.Helper()
	if !utf8.ValidString(s) || !norm.NFC.IsNormalString(s) {
		t.Fatalf("%s: %q is not valid NFC UTF-8", field, s)
	}
	if strings.ContainsAny(safe, "<>") {
		t.Fatalf("%s_html: %q holds markup characters", field, safe)
	}
	if html.UnescapeString(safe) != s {
		t.Fatalf("%s_html: %q does not unescape to the plain text %q", field, safe, s)
	}
	for _, r := range s {
		if r != '\n' && unicode.IsControl(r) {
			t.Fatalf("%s: %q holds control character %U", field, s, r)
		}
	}
	if n := visibleLen(s); n > max {
		t.Fatalf("%s: %d characters, max %d", field, n, max)
	}
}

func FuzzTipJSON(f *testing.F) {
	c := mustCatalog(f)
	f.Add([]byte(`{"category":"mua-ban","area":"khac","description":"Có người bán ma túy ở đầu ngõ mỗi tối"}`))
	f.Add([]byte(`{"category":"khac","area":"vu-thu","description":"<script>alert(1)</script>&amp;&lt;b&gt; hai mươi ký tự","occurred_at":"\u202e","location_detail":"\u0000"}`))
	f.Add([]byte(`{"category":5}`))
	f.Add([]byte(`[]`))
	f.Add([]byte("{\"description\":\"a\xffb\"}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := DecodeTip(body)
		if err != nil {
			var fe formerr.FieldErrors
			if !errors.Is(err, ErrMalformed) && !errors.As(err, &fe) {
				t.Fatalf("DecodeTip error of unknown kind: %v", err)
			}
			return
		}
		tip, fe := c.ValidateTip(in)
		if fe != nil {
			for k, v := range fe {
				if !strings.HasPrefix(v, FieldLabels[k]+": ") {
					t.Fatalf("message %q of %s does not start with the field name", v, k)
				}
			}
			return
		}
		checkStoredText(t, "description", tip.Description, tip.DescriptionHTML, DescriptionMax)
		checkStoredText(t, "occurred_at", tip.OccurredAt, tip.OccurredAtHTML, OccurredAtMax)
		checkStoredText(t, "location_detail", tip.LocationDetail, tip.LocationDetailHTML, LocationDetailMax)
		if strings.Contains(tip.OccurredAt, "\n") {
			t.Fatalf("occurred_at %q has a line break", tip.OccurredAt)
		}
		if visibleLen(tip.Description) < DescriptionMin {
			t.Fatalf("description %q shorter than %d", tip.Description, DescriptionMin)
		}
	})
}

func FuzzEnquiryJSON(f *testing.F) {
	c := mustCatalog(f)
	f.Add([]byte(`{"relationship":"ban-than","substance":"heroin","preferred_form":"methadone","area":"hung-ha","contact_name":"Trần Văn An","phone":"+84 912 345 678","consent":true}`))
	f.Add([]byte(`{"phone":"84912345678","consent":"yes"}`))
	f.Add([]byte(`{"phone":"０９１２３４５６７８","contact_name":"<b>x</b>"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := DecodeEnquiry(body)
		if err != nil {
			return
		}
		e, fe := c.ValidateEnquiry(in)
		if fe != nil {
			return
		}
		if !e.Consent || !strings.HasPrefix(e.Phone, "+84") || len(e.Phone) < 11 || len(e.Phone) > 13 {
			t.Fatalf("accepted enquiry %+v", e)
		}
		checkStoredText(t, "contact_name", e.ContactName, e.ContactNameHTML, ContactNameMax)
		checkStoredText(t, "message", e.Message, e.MessageHTML, MessageMax)
	})
}

func FuzzParseReceipt(f *testing.F) {
	f.Add("0123 4567 8901 2345")
	f.Add("０１２３-4567.8901 2345")
	f.Add("12")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseReceipt(s)
		if err != nil {
			return
		}
		if len(r) != ReceiptDigits || strings.Trim(r, "0123456789") != "" {
			t.Fatalf("ParseReceipt(%q) = %q", s, r)
		}
	})
}

func FuzzNormalisePhone(f *testing.F) {
	for _, s := range []string{"0912345678", "+84 227 3831 234", "84912345678", "1800 1234", "+1 202 555 0123", "(0221) 3862 123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := NormalisePhone(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(p, "+84") || strings.Trim(p[1:], "0123456789") != "" {
			t.Fatalf("NormalisePhone(%q) = %q", s, p)
		}
		// Normalising is idempotent.
		if q, err := NormalisePhone(p); err != nil || q != p {
			t.Fatalf("NormalisePhone(%q) = %q, %v; not idempotent", p, q, err)
		}
	})
}
