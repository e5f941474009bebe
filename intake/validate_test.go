package intake

import (
	"errors"
	"html"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/thaibinh-pcmt/portal/internal/formerr"
)

func mustCatalog(t testing.TB) *Catalog {
	t.Helper()
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLoadCatalog(t *testing.T) {
	c := mustCatalog(t)
	if got := len(c.Options.Areas); got != 13 {
		t.Errorf("%d areas, want 13", got)
	}
	if l, ok := Label(c.Options.Areas, "phuong-tran-lam"); !ok || l != "Phường Trần Lãm" {
		t.Errorf("area phuong-tran-lam = %q, %v", l, ok)
	}
	if got := len(c.Options.TipCategories); got != 6 {
		t.Errorf("%d tip categories, want 6 (selling, organised use, storing/transporting, growing, online, other)", got)
	}
	if l, _ := Label(c.Options.RehabForms, "methadone"); l != "Điều trị thay thế bằng thuốc Methadone" {
		t.Errorf("methadone label = %q", l)
	}
	if c.Routes[KindTip].Queue != "portal:queue:police" || c.Routes[KindRehabEnquiry].Queue != "portal:queue:social-affairs" {
		t.Errorf("routes = %+v", c.Routes)
	}
	for _, list := range [][]Option{c.Options.Areas, c.Options.TipCategories, c.Options.Relationships, c.Options.Substances, c.Options.RehabForms} {
		for _, o := range list {
			if !norm.NFC.IsNormalString(o.Label) {
				t.Errorf("label %q is not NFC", o.Label)
			}
		}
	}
}

func validTip() TipInput {
	return TipInput{
		Category:    "mua-ban",
		Area:        "dong-hung",
		Description: "Có người bán ma túy đá ở quán nước đầu ngõ vào buổi tối.",
	}
}

func validEnquiry() EnquiryInput {
	return EnquiryInput{
		Relationship: "nguoi-than", Substance: "ma-tuy-tong-hop", PreferredForm: "tu-nguyen-gia-dinh-cong-dong",
		Area: "phuong-tra-ly", ContactName: "Nguyễn Thị Hoa", Phone: "0912 345 678", Consent: true,
	}
}

func TestValidateTip(t *testing.T) {
	c := mustCatalog(t)
	long := strings.Repeat("ệ", DescriptionMax+1)
	cases := []struct {
		name  string
		edit  func(*TipInput)
		field string
		msg   string
	}{
		{"no category", func(in *TipInput) { in.Category = "" }, FieldCategory, "Loại hành vi: hãy chọn một mục"},
		{"unknown category", func(in *TipInput) { in.Category = "bán" }, FieldCategory, "Loại hành vi: hãy chọn một mục trong danh sách"},
		{"unknown area", func(in *TipInput) { in.Area = "ha-noi" }, FieldArea, "Địa bàn: hãy chọn một mục trong danh sách"},
		{"empty description", func(in *TipInput) { in.Description = "  \n " }, FieldDescription, "Nội dung: không được để trống"},
		{"short description", func(in *TipInput) { in.Description = "bán ma túy" }, FieldDescription, "Nội dung: cần ít nhất 20 ký tự (bạn đã nhập 10)"},
		{"long description", func(in *TipInput) { in.Description = long }, FieldDescription, "Nội dung: tối đa 5.000 ký tự (bạn đã nhập 5.001)"},
		{"zero-width spaces", func(in *TipInput) { in.Description = strings.Repeat("\u200b", 30) }, FieldDescription, "Nội dung: không được để trống"},
		{"lone combining marks", func(in *TipInput) { in.Description = strings.Repeat("\u0301", 30) }, FieldDescription, "Nội dung: không được để trống"},
		{"few visible among invisible", func(in *TipInput) { in.Description = "bán ma túy" + strings.Repeat("\u200b\u0301\u00a0", 20) }, FieldDescription, "Nội dung: cần ít nhất 20 ký tự (bạn đã nhập 10)"},
		{"spaces between letters count once", func(in *TipInput) { in.Description = "a" + strings.Repeat(" ", 30) + "b" }, FieldDescription, "Nội dung: cần ít nhất 20 ký tự (bạn đã nhập 3)"},
		{"long time", func(in *TipInput) { in.OccurredAt = strings.Repeat("a", 201) }, FieldOccurredAt, "Thời gian: tối đa 200 ký tự (bạn đã nhập 201)"},
		{"huge place", func(in *TipInput) { in.LocationDetail = strings.Repeat("x", 100000) }, FieldLocationDetail, "Địa điểm cụ thể: tối đa 500 ký tự"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := validTip()
			tc.edit(&in)
			tip, fe := c.ValidateTip(in)
			if fe[tc.field] != tc.msg {
				t.Errorf("error at %s = %q, want %q (all: %v)", tc.field, fe[tc.field], tc.msg, fe)
			}
			if len(fe) != 1 {
				t.Errorf("%d errors, want 1: %v", len(fe), fe)
			}
			if !reflect.DeepEqual(tip, Tip{}) {
				t.Errorf("tip returned with errors: %+v", tip)
			}
		})
	}
}

func TestValidateTipCleansAndSanitises(t *testing.T) {
	c := mustCatalog(t)
	in := validTip()
	// NFD input, CRLF, a NUL, a bidi override, markup and an ampersand.
	in.Description = norm.NFD.String("Họ bán \x00ma túy\u202e ở <b>chợ</b> & <script>x()</script>gần trường\r\nmỗi tối")
	in.OccurredAt = "  tối thứ Bảy\ttuần trước\n "
	in.LocationDetail = "<a href=\"javascript:x\">ngõ 5</a>"
	tip, fe := c.ValidateTip(in)
	if fe != nil {
		t.Fatal(fe)
	}
	want := "Họ bán ma túy ở <b>chợ</b> & <script>x()</script>gần trường\nmỗi tối"
	if tip.Description != want {
		t.Errorf("description = %q, want %q", tip.Description, want)
	}
	wantHTML := "Họ bán ma túy ở &lt;b&gt;chợ&lt;/b&gt; &amp; &lt;script&gt;x()&lt;/script&gt;gần trường\nmỗi tối"
	if tip.DescriptionHTML != wantHTML {
		t.Errorf("description_html = %q, want %q", tip.DescriptionHTML, wantHTML)
	}
	if !norm.NFC.IsNormalString(tip.Description) {
		t.Error("description not NFC")
	}
	if tip.OccurredAt != "tối thứ Bảy tuần trước" {
		t.Errorf("occurred_at = %q", tip.OccurredAt)
	}
	if tip.LocationDetail != in.LocationDetail {
		t.Errorf("location_detail = %q, want it unchanged", tip.LocationDetail)
	}
	if tip.CategoryLabel != "Mua bán trái phép chất ma túy" || tip.AreaLabel != "Các xã thuộc huyện Đông Hưng cũ" {
		t.Errorf("labels = %q, %q", tip.CategoryLabel, tip.AreaLabel)
	}
	// Exactly 20 characters passes, counted in runes not bytes.
	in = validTip()
	in.Description = strings.Repeat("đ", 20)
	if _, fe := c.ValidateTip(in); fe != nil {
		t.Errorf("20 × đ rejected: %v", fe)
	}
}

// TestValidateTipKeepsWhatWasTyped: the desks get exactly what the
// informant typed (QA report: "<5", ">500k", "&" were escaped, and the text
// after "<" or "‹" was cut); the *_html twin is escaped once and unescapes
// back to the plain text.
func TestValidateTipKeepsWhatWasTyped(t *testing.T) {
	c := mustCatalog(t)
	cases := []struct{ desc, place string }{
		{"Hắn bán <5 gói ma túy, giá >500k mỗi gói & giao tận nơi ở ngõ 5", "ngõ 5‹nhà 3 bên trái"},
		{"Hắn bán <5 gói ma túy, giá >500k mỗi gói & giao tận nơi ở ngõ 5", "ngõ 5<nhà 3 bên trái"},
		{"a<b a<b a<b a<b a<b a<b \"x\" 'y' &amp; &lt;", "a<b"},
		{"<script>alert(1)</script><b></b><i></i>", "<!-- x --> <![CDATA[y]]>"},
	}
	for _, tc := range cases {
		in := validTip()
		in.Description, in.LocationDetail = tc.desc, tc.place
		tip, fe := c.ValidateTip(in)
		if fe != nil {
			t.Fatalf("%q: %v", tc.desc, fe)
		}
		if tip.Description != tc.desc || tip.LocationDetail != tc.place {
			t.Errorf("got %q / %q, want %q / %q", tip.Description, tip.LocationDetail, tc.desc, tc.place)
		}
		for plain, safe := range map[string]string{tip.Description: tip.DescriptionHTML, tip.LocationDetail: tip.LocationDetailHTML} {
			if html.UnescapeString(safe) != plain {
				t.Errorf("html %q does not unescape to %q", safe, plain)
			}
			if strings.ContainsAny(safe, "<>") {
				t.Errorf("html %q holds markup", safe)
			}
		}
	}
}

func TestValidateEnquiry(t *testing.T) {
	c := mustCatalog(t)
	e, fe := c.ValidateEnquiry(validEnquiry())
	if fe != nil {
		t.Fatal(fe)
	}
	if e.Phone != "+84912345678" || !e.Consent || e.ConsentBasis != ConsentBasis || e.ContactName != "Nguyễn Thị Hoa" {
		t.Errorf("enquiry = %+v", e)
	}
	if e.PreferredFormLabel != "Cai nghiện tự nguyện tại gia đình, cộng đồng" {
		t.Errorf("preferred form label = %q", e.PreferredFormLabel)
	}

	in := EnquiryInput{Phone: "12345", ContactName: "A", Message: strings.Repeat("m", MessageMax+1)}
	_, fe = c.ValidateEnquiry(in)
	want := formerr.FieldErrors{
		FieldRelationship:  "Người gửi: hãy chọn một mục",
		FieldSubstance:     "Chất đang sử dụng: hãy chọn một mục",
		FieldPreferredForm: "Hình thức mong muốn: hãy chọn một mục",
		FieldArea:          "Địa bàn: hãy chọn một mục",
		FieldContactName:   "Tên người liên hệ: cần ít nhất 2 ký tự (bạn đã nhập 1)",
		FieldPhone:         "Số điện thoại: không phải số di động hoặc số cố định của Việt Nam (ví dụ 0912 345 678 hoặc 0227 3831 234)",
		FieldMessage:       "Lời nhắn: tối đa 2.000 ký tự (bạn đã nhập 2.001)",
		FieldConsent:       "Đồng ý xử lý dữ liệu cá nhân: cần đánh dấu ô đồng ý thì cán bộ mới được dùng tên và số điện thoại của bạn để gọi lại",
	}
	if len(fe) != len(want) {
		t.Errorf("errors = %v", fe)
	}
	for k, v := range want {
		if fe[k] != v {
			t.Errorf("%s: %q, want %q", k, fe[k], v)
		}
	}
	in = validEnquiry()
	in.Phone = ""
	if _, fe := c.ValidateEnquiry(in); fe[FieldPhone] != "Số điện thoại: không được để trống" {
		t.Errorf("empty phone: %v", fe)
	}
	var err error = fe
	if !strings.Contains(err.Error(), "Số điện thoại") {
		t.Errorf("FieldErrors.Error() = %q", err)
	}
}

func TestNormalisePhone(t *testing.T) {
	good := map[string]string{
		"0912345678":      "+84912345678", // Vinaphone 09x
		"0912 345 678":    "+84912345678",
		"0912.345.678":    "+84912345678",
		"091-234-5678":    "+84912345678",
		"+84 912 345 678": "+84912345678",
		"84912345678":     "+84912345678",
		"+84912345678":    "+84912345678",
		"0362 123 456":    "+84362123456",  // Viettel 03x
		"0567 123 456":    "+84567123456",  // Vietnamobile 05x
		"0703 123 456":    "+84703123456",  // MobiFone 07x
		"0888 123 456":    "+84888123456",  // Vinaphone 08x
		"0227 3831 234":   "+842273831234", // fixed line, Thái Bình area code 0227
		"(0221) 3862 123": "+842213862123", // fixed line, Hưng Yên 0221
		"024 3825 1234":   "+842438251234", // fixed line, Hà Nội 024
		"０９１２３４５６７８":      "+84912345678",  // full-width digits
	}
	for in, want := range good {
		got, err := NormalisePhone(in)
		if err != nil || got != want {
			t.Errorf("NormalisePhone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := []string{
		"", "12345", "0123456789", "0012345678", "091234567", "09123456789", "1800 1234", "1900 1234",
		"+1 202 555 0123", "+33 6 12 34 56 78", "113", "abc", "0912 345 67x", strings.Repeat("9", 50),
	}
	for _, in := range bad {
		if got, err := NormalisePhone(in); !errors.Is(err, ErrPhone) {
			t.Errorf("NormalisePhone(%q) = %q, %v; want ErrPhone", in, got, err)
		}
	}
}

func TestReceipts(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		r, err := NewReceipt()
		if err != nil {
			t.Fatal(err)
		}
		if len(r) != 16 || strings.Trim(r, "0123456789") != "" {
			t.Fatalf("receipt %q is not 16 digits", r)
		}
		if seen[r] {
			t.Fatalf("receipt %q drawn twice", r)
		}
		seen[r] = true
	}
	if got := FormatReceipt("0123456789012345"); got != "0123 4567 8901 2345" {
		t.Errorf("FormatReceipt = %q", got)
	}
	for in, want := range map[string]string{
		"0123 4567 8901 2345":  "0123456789012345",
		" 0123-4567-8901-2345": "0123456789012345",
		"0123.4567.8901.2345":  "0123456789012345",
		"０１２３４５６７８９０１２３４５":     "0123456789012345",
	} {
		if got, err := ParseReceipt(in); err != nil || got != want {
			t.Errorf("ParseReceipt(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "123", "0123 4567 8901 23456", "0123 4567 8901 234a", "٠١٢٣٤٥٦٧٨٩٠١٢٣٤٥"} {
		if _, err := ParseReceipt(in); !errors.Is(err, ErrReceiptFormat) {
			t.Errorf("ParseReceipt(%q) = %v, want ErrReceiptFormat", in, err)
		}
	}
	h1, _ := NewReceiptHasher([]byte("0123456789abcdef"))
	h2, _ := NewReceiptHasher([]byte("0123456789abcdeX"))
	a, b := h1.Hash("0123456789012345"), h2.Hash("0123456789012345")
	if len(a) != 64 || a == b || a != h1.Hash("0123456789012345") || strings.Contains(a, "0123456789012345") {
		t.Errorf("hashes %q, %q", a, b)
	}
	if _, err := NewReceiptHasher([]byte("short")); err == nil {
		t.Error("short secret accepted")
	}
}

func TestDecode(t *testing.T) {
	in, err := DecodeTip([]byte(`{"category":"mua-ban","area":"khac","description":"x"}`))
	if err != nil || in.Category != "mua-ban" || in.Description != "x" {
		t.Errorf("DecodeTip = %+v, %v", in, err)
	}
	for _, body := range []string{``, `   `, `[]`, `"x"`, `{`, `{"category":"a"}{}`, `{"category":"a"} x`, `null`, "\xff"} {
		if _, err := DecodeTip([]byte(body)); !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeTip(%q) = %v, want ErrMalformed", body, err)
		}
	}
	_, err = DecodeTip([]byte(`{"category":5}`))
	var fe formerr.FieldErrors
	if !errors.As(err, &fe) || fe[FieldCategory] != "Loại hành vi: phải là một chuỗi ký tự" {
		t.Errorf("wrong type: %v", err)
	}
	_, err = DecodeEnquiry([]byte(`{"consent":"yes"}`))
	if !errors.As(err, &fe) || fe[FieldConsent] != "Đồng ý xử lý dữ liệu cá nhân: phải là true hoặc false" {
		t.Errorf("consent as string: %v", err)
	}
	e, err := DecodeEnquiry([]byte(`{"consent":true,"phone":"0912345678"}`))
	if err != nil || !e.Consent || e.Phone != "0912345678" {
		t.Errorf("DecodeEnquiry = %+v, %v", e, err)
	}
	s, err := DecodeStatusRequest([]byte(` {"receipt":"0123 4567 8901 2345"} `))
	if err != nil || s.Receipt != "0123 4567 8901 2345" {
		t.Errorf("DecodeStatusRequest = %+v, %v", s, err)
	}
}

// TestDecodeRefusesUnknownFields: a field a request does not take is
// refused with a message keyed by its name, not dropped; photos in a tip's
// JSON are told to come as multipart files.
func TestDecodeRefusesUnknownFields(t *testing.T) {
	for _, c := range []struct {
		name   string
		decode func([]byte) error
		body   string
		field  string
		want   string
	}{
		{"tip", func(b []byte) error { _, err := DecodeTip(b); return err }, `{"category":"mua-ban","extra":1}`, "extra",
			"extra: trường này không có trong yêu cầu nên không được nhận; hãy bỏ trường đó rồi gửi lại. Các trường được nhận: category, area, description, occurred_at, location_detail."},
		{"tip misspelt", func(b []byte) error { _, err := DecodeTip(b); return err }, `{"descripton":"Có người bán ma túy"}`, "descripton", "descripton: trường này không có"},
		{"tip photos", func(b []byte) error { _, err := DecodeTip(b); return err }, `{"description":"x","attachments":["data:image/jpeg;base64,AAAA"]}`, FieldAttachments,
			"Ảnh đính kèm: không gửi được ảnh trong JSON. Hãy gửi tin báo dạng multipart/form-data"},
		{"enquiry", func(b []byte) error { _, err := DecodeEnquiry(b); return err }, `{"consent":true,"email":"a@b.vn"}`, "email",
			"Các trường được nhận: relationship, substance, preferred_form, area, contact_name, phone, message, consent, service."},
		{"enquiry photos", func(b []byte) error { _, err := DecodeEnquiry(b); return err }, `{"attachments":[]}`, "attachments", "attachments: trường này không có"},
		{"status", func(b []byte) error { _, err := DecodeStatusRequest(b); return err }, `{"receipt":"1","kind":"tip"}`, "kind", "Các trường được nhận: receipt."},
		{"long key", func(b []byte) error { _, err := DecodeStatusRequest(b); return err }, `{"` + strings.Repeat("k", 500) + `":1}`, strings.Repeat("k", 63) + "…", "trường này"},
		{"control key", func(b []byte) error { _, err := DecodeStatusRequest(b); return err }, `{"a\u202eb\u0000":1}`, "ab", "ab: trường này"},
		// Keys are matched exactly (encoding/json alone ignores case, even
		// by Unicode folding), and each is taken once.
		{"key in capitals", func(b []byte) error { _, err := DecodeTip(b); return err }, `{"CATEGORY":"mua-ban"}`, "CATEGORY", "CATEGORY: trường này không có"},
		{"key with long s", func(b []byte) error { _, err := DecodeTip(b); return err }, `{"de\u017fcription":"Có người bán ma túy"}`, "deſcription", "deſcription: trường này không có"},
		{"key repeated", func(b []byte) error { _, err := DecodeTip(b); return err }, `{"category":"mua-ban","description":"x","category":"khac"}`, FieldCategory,
			"Loại hành vi: được gửi nhiều lần trong cùng một yêu cầu"},
		{"receipt repeated", func(b []byte) error { _, err := DecodeStatusRequest(b); return err }, `{"receipt":"1","receipt":"2"}`, "receipt", "được gửi nhiều lần"},
	} {
		var fe formerr.FieldErrors
		err := c.decode([]byte(c.body))
		if !errors.As(err, &fe) || len(fe) != 1 || !strings.Contains(fe[c.field], c.want) {
			t.Errorf("%s: err = %v, want %s: …%s…", c.name, err, c.field, c.want)
		}
	}
}

func TestValidateTipAttachments(t *testing.T) {
	c := mustCatalog(t)
	in := TipInput{Category: "mua-ban", Area: "khac", Description: "Có người bán ma túy ở đầu ngõ mỗi tối."}
	in.Attachments = []Attachment{{ContentType: "image/jpeg", Width: 3, Height: 4, Data: []byte{1}}}
	tip, fe := c.ValidateTip(in)
	if fe != nil || len(tip.Attachments) != 1 || tip.Attachments[0].Width != 3 {
		t.Fatalf("ValidateTip = %+v, %v", tip.Attachments, fe)
	}
	in.Attachments = make([]Attachment, MaxAttachments+1)
	if _, fe := c.ValidateTip(in); fe[FieldAttachments] != "Ảnh đính kèm: tối đa 5 ảnh cho một tin báo" {
		t.Errorf("six photos: %v", fe)
	}
}

func TestCleanText(t *testing.T) {
	got := cleanText("a\r\nb\rc\u0007\td\u2066e\u200f", true)
	if got != "a\nb\nc de" {
		t.Errorf("multiline = %q", got)
	}
	if got := cleanText("a\nb", false); got != "a b" {
		t.Errorf("single line = %q", got)
	}
	if got := cleanText("ab\xffcd", false); got != "abcd" || !utf8.ValidString(got) {
		t.Errorf("invalid UTF-8 = %q", got)
	}
	// What encoding/json makes of invalid bytes and lone surrogates.
	if got := cleanText("ab\uFFFDcd \uFFFD\uFFFD", false); got != "abcd" {
		t.Errorf("replacement characters = %q", got)
	}
}

func TestValidateEnquiryService(t *testing.T) {
	c := mustCatalog(t)
	in := validEnquiry()
	// No directory wired and no service named: fine.
	if _, fe := c.ValidateEnquiry(in); fe != nil {
		t.Fatalf("no service: %v", fe)
	}
	in.Service = "dieu-tri-thay-the-methadone"
	if _, fe := c.ValidateEnquiry(in); fe[FieldService] != "Cơ sở, dịch vụ quan tâm: hãy chọn một mục trong danh sách" {
		t.Errorf("service not in an empty list: %v", fe)
	}
	c2 := *c
	if err := c2.SetRehabServices([]Option{{Code: "dieu-tri-thay-the-methadone", Label: "Điều trị thay thế bằng thuốc Methadone"}}); err != nil {
		t.Fatal(err)
	}
	e, fe := c2.ValidateEnquiry(in)
	if fe != nil || e.Service != "dieu-tri-thay-the-methadone" || e.ServiceLabel != "Điều trị thay thế bằng thuốc Methadone" {
		t.Errorf("known service: %+v %v", e, fe)
	}
	in.Service = "spa-nghi-duong"
	if _, fe := c2.ValidateEnquiry(in); fe[FieldService] == "" {
		t.Error("unknown service accepted")
	}
	if err := c2.SetRehabServices([]Option{{Code: "A B", Label: "x"}}); err == nil {
		t.Error("bad code accepted")
	}
}
