package ratelimit

import (
	"errors"
	"testing"
	"time"
)

func TestParseLimit(t *testing.T) {
	for in, want := range map[string]Limit{
		"10/m":      {10, time.Minute},
		" 5 / s ":   {5, time.Second},
		"1/d":       {1, 24 * time.Hour},
		"20/h":      {20, time.Hour},
		"1000000/s": {MaxRate, time.Second},
		"007/m":     {7, time.Minute},
	} {
		got, err := ParseLimit(in)
		if err != nil || got != want {
			t.Errorf("ParseLimit(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "10", "/m", "10/", "0/m", "-1/m", "+0/s", "10/x", "10/min", "10/M",
		"a/m", "1.5/m", "1000001/s", "99999999999999999999/m", "10/m/s", "1 0/m"} {
		if got, err := ParseLimit(in); !errors.Is(err, ErrInvalidLimit) {
			t.Errorf("ParseLimit(%q) = %+v, %v; want ErrInvalidLimit", in, got, err)
		}
	}
}

func TestLimitString(t *testing.T) {
	for _, s := range []string{"10/m", "1/s", "5/h", "3/d"} {
		l, err := ParseLimit(s)
		if err != nil || l.String() != s {
			t.Errorf("ParseLimit(%q).String() = %q, %v", s, l.String(), err)
		}
	}
	if s := (Limit{Rate: 4, Period: 90 * time.Second}).String(); s != "4/1m30s" {
		t.Errorf("String = %q", s)
	}
}

// FuzzParseLimit: ParseLimit never panics; what it accepts is enforceable
// and reads back the same from its String form.
func FuzzParseLimit(f *testing.F) {
	for _, s := range []string{"10/m", " 5 / s ", "0/m", "-1/h", "1000000/s", "1000001/s", "9/d", "x", "/", "1/", "٣/m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLimit(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidLimit) {
				t.Fatalf("ParseLimit(%q): error %v does not wrap ErrInvalidLimit", s, err)
			}
			if l != (Limit{}) {
				t.Fatalf("ParseLimit(%q) returned %+v with an error", s, l)
			}
			return
		}
		if l.Validate() != nil || l.Rate < 1 || l.Rate > MaxRate || l.interval() <= 0 {
			t.Fatalf("ParseLimit(%q) accepted %+v", s, l)
		}
		back, err := ParseLimit(l.String())
		if err != nil || back != l {
			t.Fatalf("ParseLimit(%q) = %+v, but its String %q reads back as %+v, %v", s, l, l.String(), back, err)
		}
	})
}
