package runner

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"assetflow/domain/eventsourcing"
)

// Hub wakes in-process waiters whenever a projection commits.
type Hub struct {
	mu sync.Mutex
	ch chan struct{}
}

// NewHub returns a hub.
func NewHub() *Hub { return &Hub{ch: make(chan struct{})} }

// Notify wakes every current waiter.
func (h *Hub) Notify() {
	h.mu.Lock()
	close(h.ch)
	h.ch = make(chan struct{})
	h.mu.Unlock()
}

// Changed returns a channel closed at the next Notify.
func (h *Hub) Changed() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ch
}

// Waiter gives read-your-writes: it waits, bounded, until named projections applied a stream
// version. The check reads the shared watermark table, so it also sees what another replica applied;
// the hub only makes it prompt in the common case. When Kafka has not delivered within Nudge (a
// consumer-group rebalance after a replica died can take the session timeout), the waiter applies
// the stream from the store itself through the same idempotent path; the later Kafka delivery is
// then a no-op. So a caller never reads a list that lacks what it just saved.
type Waiter struct {
	pool    *pgxpool.Pool
	hub     *Hub
	runner  *Runner
	timeout time.Duration
	// Nudge is how long to wait for Kafka before applying from the store; default 250ms.
	Nudge time.Duration
}

// NewWaiter returns a waiter with the given bound. runner may be nil (no store fallback).
func NewWaiter(pool *pgxpool.Pool, hub *Hub, runner *Runner, timeout time.Duration) *Waiter {
	return &Waiter{pool: pool, hub: hub, runner: runner, timeout: timeout, Nudge: 250 * time.Millisecond}
}

// Await returns true once every projection applied ref, false when the bound passed first.
func (w *Waiter) Await(ctx context.Context, ref eventsourcing.Ref, projections ...string) (bool, error) {
	if ref.StreamID == "" || len(projections) == 0 {
		return true, nil
	}
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	poll := time.NewTicker(25 * time.Millisecond)
	defer poll.Stop()
	nudge := time.After(w.Nudge)
	for {
		changed := w.hub.Changed()
		var n int
		err := w.pool.QueryRow(ctx, `select count(*) from projection_streams
			where stream_id = $1 and version >= $2 and projection = any($3)`, ref.StreamID, ref.Version, projections).Scan(&n)
		if err != nil {
			if ctx.Err() != nil {
				return false, nil
			}
			return false, fmt.Errorf("await %s v%d: %w", ref.StreamID, ref.Version, err)
		}
		if n >= len(projections) {
			return true, nil
		}
		select {
		case <-ctx.Done():
			return false, nil
		case <-changed:
		case <-poll.C:
		case <-nudge:
			if w.runner != nil {
				if err := w.runner.ApplyStream(ctx, ref, projections...); err != nil && ctx.Err() == nil {
					return false, err
				}
			}
		}
	}
}
