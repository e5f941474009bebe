package formerr

import (
	"errors"
	"fmt"
	"testing"
)

func TestAddKeepsTheFirstMessage(t *testing.T) {
	fe := FieldErrors{}
	fe.Add("body", "Nội dung: không được để trống")
	fe.Add("body", "Nội dung: tối đa 2000 ký tự")
	if got := fe["body"]; got != "Nội dung: không được để trống" {
		t.Errorf("fe[body] = %q, want the first message", got)
	}
	if !fe.Has("body") || fe.Has("note") {
		t.Errorf("Has(body) = %v, Has(note) = %v; want true, false", fe.Has("body"), fe.Has("note"))
	}
}

func TestErrorListsMessagesInFieldOrder(t *testing.T) {
	for _, tc := range []struct {
		fe   FieldErrors
		want string
	}{
		{FieldErrors{}, ""},
		{FieldErrors{"title": "Vui lòng nhập tiêu đề."}, "Vui lòng nhập tiêu đề."},
		{FieldErrors{"to": "Đến ngày: b", "area": "Địa bàn: a", "note": "Ghi chú: c"}, "Địa bàn: a; Ghi chú: c; Đến ngày: b"},
	} {
		if got := tc.fe.Error(); got != tc.want {
			t.Errorf("%v.Error() = %q, want %q", map[string]string(tc.fe), got, tc.want)
		}
	}
}

func TestFoundThroughWrapping(t *testing.T) {
	err := fmt.Errorf("save: %w", FieldErrors{"cover": "Ảnh bìa không hợp lệ."})
	var fe FieldErrors
	if !errors.As(err, &fe) || fe["cover"] != "Ảnh bìa không hợp lệ." {
		t.Fatalf("errors.As(%v) = %v, %v", err, fe, fe["cover"])
	}
}
