package httpapi

import (
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"assetflow/domain/fault"
)

// loginLimiter slows password guessing: each client IP gets a bucket of Burst sign-in attempts,
// refilled at one per Refill. A full table is swept of idle buckets.
type loginLimiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	burst   float64
	refill  time.Duration
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLoginLimiter(burst int, refill time.Duration) *loginLimiter {
	return &loginLimiter{buckets: map[string]*bucket{}, burst: float64(burst), refill: refill, now: time.Now}
}

func (l *loginLimiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.buckets) > 10000 {
		for k, b := range l.buckets {
			if now.Sub(b.last) > time.Duration(l.burst)*l.refill {
				delete(l.buckets, k)
			}
		}
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.last))/float64(l.refill))
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (l *loginLimiter) middleware(c *fiber.Ctx) error {
	if !l.allow(c.IP()) {
		c.Set(fiber.HeaderRetryAfter, "6")
		return &fault.Error{Kind: fault.KindRateLimited, Message: "too many sign-in attempts; wait a few seconds and try again"}
	}
	return c.Next()
}
