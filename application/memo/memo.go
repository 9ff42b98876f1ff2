// Package memo remembers loaded values for a short time: the report-API gateway and the
// data-permission guard use it so that a call does not reload what changed less than a TTL ago.
package memo

import (
	"strings"
	"sync"
	"time"
)

// MaxEntries bounds a cache; when full it starts over.
const MaxEntries = 10000

// TTL is a bounded map of values that expire.
type TTL[V any] struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[string]entry[V]
}

type entry[V any] struct {
	v       V
	expires time.Time
}

// New makes a cache whose entries live for ttl.
func New[V any](ttl time.Duration) *TTL[V] {
	return &TTL[V]{ttl: ttl, entries: map[string]entry[V]{}}
}

// Get returns the cached value or loads it (errors are not cached).
func (c *TTL[V]) Get(key string, now time.Time, load func() (V, error)) (V, error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if len(c.entries) >= MaxEntries {
		c.entries = map[string]entry[V]{}
	}
	c.entries[key] = entry[V]{v: v, expires: now.Add(c.ttl)}
	c.mu.Unlock()
	return v, nil
}

// Forget drops every entry whose key starts with prefix.
func (c *TTL[V]) Forget(prefix string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.entries {
		if strings.HasPrefix(k, prefix) {
			delete(c.entries, k)
		}
	}
}
