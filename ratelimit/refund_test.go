package ratelimit

import (
	"context"
	"errors"
	"testing"
)

// TestContractRefundGivesBackOneUnit: after the burst is used up, one
// Refund lets exactly one more event through, on every engine.
func TestContractRefundGivesBackOneUnit(t *testing.T) {
	ctx := context.Background()
	for name, l := range limiters(t) {
		t.Run(name, func(t *testing.T) {
			exhaust(t, l, "login:refund", fivePerHour)
			if err := l.Refund(ctx, "login:refund", fivePerHour); err != nil {
				t.Fatal(err)
			}
			if r, err := l.Allow(ctx, "login:refund", fivePerHour); err != nil || !r.Allowed || r.Remaining != 0 {
				t.Fatalf("after one refund = %+v, %v; want allowed with 0 remaining", r, err)
			}
			if r, err := l.Allow(ctx, "login:refund", fivePerHour); err != nil || r.Allowed {
				t.Fatalf("second after one refund = %+v, %v; want refused", r, err)
			}
		})
	}
}

// TestContractRefundNeverFreesMoreThanTaken: refunds on a key that took
// nothing do not raise its burst above Rate.
func TestContractRefundNeverFreesMoreThanTaken(t *testing.T) {
	ctx := context.Background()
	for name, l := range limiters(t) {
		t.Run(name, func(t *testing.T) {
			for i := 0; i < 3; i++ {
				if err := l.Refund(ctx, "login:fresh", fivePerHour); err != nil {
					t.Fatal(err)
				}
			}
			exhaust(t, l, "login:fresh", fivePerHour)
			// Three refunds of a full key give back exactly three units.
			for i := 0; i < 3; i++ {
				if err := l.Refund(ctx, "login:fresh", fivePerHour); err != nil {
					t.Fatal(err)
				}
			}
			allowed := 0
			for i := 0; i < 10; i++ {
				if r, err := l.Allow(ctx, "login:fresh", fivePerHour); err != nil {
					t.Fatal(err)
				} else if r.Allowed {
					allowed++
				}
			}
			if allowed != 3 {
				t.Fatalf("after 3 refunds of a full key, %d events allowed, want 3", allowed)
			}
		})
	}
}

// TestContractResetRestoresTheBurst: Reset of an exhausted key gives it a
// whole burst again, and leaves other keys alone.
func TestContractResetRestoresTheBurst(t *testing.T) {
	ctx := context.Background()
	for name, l := range limiters(t) {
		t.Run(name, func(t *testing.T) {
			exhaust(t, l, "login:a", fivePerHour)
			exhaust(t, l, "login:b", fivePerHour)
			if err := l.Reset(ctx, "login:a"); err != nil {
				t.Fatal(err)
			}
			if err := l.Reset(ctx, "login:never-used"); err != nil {
				t.Fatal(err)
			}
			exhaust(t, l, "login:a", fivePerHour)
			if r, err := l.Allow(ctx, "login:b", fivePerHour); err != nil || r.Allowed {
				t.Fatalf("other key after Reset = %+v, %v; want still refused", r, err)
			}
		})
	}
}

func TestRefundRejectsInvalidLimit(t *testing.T) {
	for name, l := range limiters(t) {
		if err := l.Refund(context.Background(), "login:x", Limit{Rate: 0, Period: 1}); !errors.Is(err, ErrInvalidLimit) {
			t.Errorf("%s: Refund with rate 0 = %v, want ErrInvalidLimit", name, err)
		}
	}
}

// TestFallbackRefundAndResetWhileRedisIsDown: with Redis unreachable the
// in-process limiter takes the units and gets them back.
func TestFallbackRefundAndResetWhileRedisIsDown(t *testing.T) {
	down, c := unreachable()
	defer c.Close()
	f := NewFallback(down, DefaultPrimaryTimeout, nil)
	ctx := context.Background()
	exhaust(t, f, "login:down", fivePerHour)
	if err := f.Refund(ctx, "login:down", fivePerHour); err != nil {
		t.Fatal(err)
	}
	if r, err := f.Allow(ctx, "login:down", fivePerHour); err != nil || !r.Allowed {
		t.Fatalf("after refund while down = %+v, %v", r, err)
	}
	if err := f.Reset(ctx, "login:down"); err != nil {
		t.Fatal(err)
	}
	exhaust(t, f, "login:down", fivePerHour)
	if !f.Degraded() {
		t.Fatal("Degraded() = false with Redis unreachable")
	}
}
