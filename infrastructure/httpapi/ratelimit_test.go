package httpapi

import (
	"testing"
	"time"
)

func TestLoginLimiter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLoginLimiter(3, time.Second)
	l.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if !l.allow("a") {
			t.Fatalf("attempt %d refused within the burst", i)
		}
	}
	if l.allow("a") {
		t.Fatal("attempt past the burst allowed")
	}
	if !l.allow("b") {
		t.Fatal("another client was limited")
	}
	now = now.Add(1100 * time.Millisecond)
	if !l.allow("a") || l.allow("a") {
		t.Fatal("refill should allow exactly one more attempt after a second")
	}
}
