package ratelimit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxRate is the largest Rate ParseLimit and Validate accept: a million
// events per period is already no limit, and the bound keeps Period/Rate
// (the GCRA emission interval) well above a nanosecond.
const MaxRate = 1_000_000

// ErrInvalidLimit is wrapped by every error about a malformed or unusable
// Limit, from ParseLimit, Limit.Validate and the limiters' Allow.
var ErrInvalidLimit = errors.New("invalid rate limit")

// units maps the suffix of "N/unit" to its period.
var units = map[string]time.Duration{
	"s": time.Second,
	"m": time.Minute,
	"h": time.Hour,
	"d": 24 * time.Hour,
}

// ParseLimit reads a limit written "N/s", "N/m", "N/h" or "N/d" (N events
// per second, minute, hour or day, with a burst of N), e.g. "10/m". Spaces
// around the parts are allowed. N must be a whole number from 1 to MaxRate:
// a rate of 0 would refuse everything and a negative one is meaningless
// (PITFALLS.md, Redis). Errors wrap ErrInvalidLimit and say what was wrong.
func ParseLimit(s string) (Limit, error) {
	n, unit, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Limit{}, fmt.Errorf("%w: %q: write N/s, N/m, N/h or N/d, e.g. 10/m", ErrInvalidLimit, s)
	}
	n, unit = strings.TrimSpace(n), strings.TrimSpace(unit)
	period, ok := units[unit]
	if !ok {
		return Limit{}, fmt.Errorf("%w: %q: unit %q is not s, m, h or d", ErrInvalidLimit, s, unit)
	}
	rate, err := strconv.Atoi(n)
	if err != nil {
		return Limit{}, fmt.Errorf("%w: %q: %q is not a whole number", ErrInvalidLimit, s, n)
	}
	l := Limit{Rate: rate, Period: period}
	if err := l.Validate(); err != nil {
		return Limit{}, fmt.Errorf("%w (in %q)", err, s)
	}
	return l, nil
}

// Validate reports whether l can be enforced: Rate from 1 to MaxRate and a
// Period of at least a millisecond. The error wraps ErrInvalidLimit.
func (l Limit) Validate() error {
	if l.Rate <= 0 {
		return fmt.Errorf("%w: rate %d: must be at least 1", ErrInvalidLimit, l.Rate)
	}
	if l.Rate > MaxRate {
		return fmt.Errorf("%w: rate %d: must be at most %d", ErrInvalidLimit, l.Rate, MaxRate)
	}
	if l.Period < time.Millisecond {
		return fmt.Errorf("%w: period %s: must be at least 1ms", ErrInvalidLimit, l.Period)
	}
	return nil
}

// String writes l the way ParseLimit reads it when the period is one of its
// units ("10/m"), else as "10/1m30s".
func (l Limit) String() string {
	for u, d := range units {
		if d == l.Period {
			return strconv.Itoa(l.Rate) + "/" + u
		}
	}
	return strconv.Itoa(l.Rate) + "/" + l.Period.String()
}

// interval is the GCRA emission interval: the time one event costs.
func (l Limit) interval() time.Duration { return l.Period / time.Duration(l.Rate) }
