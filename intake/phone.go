package intake

import (
	"errors"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// ErrPhone is returned by NormalisePhone for a number that is not a
// Vietnamese mobile or fixed-line number.
var ErrPhone = errors.New("intake: not a Vietnamese mobile or fixed-line number")

// NormalisePhone turns a Vietnamese phone number as people type it
// ("0912 345 678", "0912.345.678", "+84 912 345 678", "84912345678",
// "(0227) 3831 234") into E.164 ("+84912345678"). It accepts only numbers
// that libphonenumber's metadata (github.com/nyaruka/phonenumbers) knows as
// Vietnamese mobile numbers (prefixes 03, 05, 07, 08, 09 after the 0) or
// fixed-line numbers (area codes 02xx); toll-free, premium-rate, short and
// foreign numbers are ErrPhone, because the desk must be able to call back.
func NormalisePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 40 {
		return "", ErrPhone
	}
	// "84912345678" without "+" is read by libphonenumber as a national
	// number; people write it meaning the country code.
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
	if strings.HasPrefix(digits, "84") && !strings.HasPrefix(s, "+") && !strings.HasPrefix(s, "0") && len(digits) >= 11 {
		s = "+" + digits
	}
	num, err := phonenumbers.Parse(s, "VN")
	if err != nil {
		return "", ErrPhone
	}
	if !phonenumbers.IsValidNumberForRegion(num, "VN") {
		return "", ErrPhone
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE, phonenumbers.FIXED_LINE_OR_MOBILE:
	default:
		return "", ErrPhone
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}
