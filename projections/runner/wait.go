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

// Passes reports whether the projection passes over events of the type (see Skipper): there is
// nothing to wait for then.
func (w *Waiter) Passes(projection, eventType string) bool {
	if w.runner == nil {
		return false
	}
	p, ok := w.runner.Find(projection)
	return ok && skips(p, eventType)
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

// AwaitAll waits until projection applied every ref, applying from the store what Kafka has not
// delivered after the nudge delay. It answers with one query per round however many refs there are.
func (w *Waiter) AwaitAll(ctx context.Context, refs []eventsourcing.Ref, projection string) (bool, error) {
	if len(refs) == 0 {
		return true, nil
	}
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	streams := make([]string, len(refs))
	versions := make([]int, len(refs))
	for i, r := range refs {
		streams[i], versions[i] = r.StreamID, r.Version
	}
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	nudge := time.After(w.Nudge)
	for {
		changed := w.hub.Changed()
		rows, err := w.pool.Query(ctx, `select r.s, r.v from unnest($1::text[], $2::int[]) r(s, v)
			where not exists (select 1 from projection_streams p where p.projection = $3 and p.stream_id = r.s and p.version >= r.v)`,
			streams, versions, projection)
		if err != nil {
			if ctx.Err() != nil {
				return false, nil
			}
			return false, fmt.Errorf("await %d refs: %w", len(refs), err)
		}
		var missing []eventsourcing.Ref
		for rows.Next() {
			var r eventsourcing.Ref
			if err := rows.Scan(&r.StreamID, &r.Version); err != nil {
				rows.Close()
				return false, err
			}
			missing = append(missing, r)
		}
		rows.Close()
		if len(missing) == 0 {
			return true, nil
		}
		select {
		case <-ctx.Done():
			return false, nil
		case <-changed:
		case <-poll.C:
		case <-nudge:
			nudge = time.After(w.Nudge)
			if w.runner != nil {
				for _, r := range missing {
					if err := w.runner.ApplyStream(ctx, r, projection); err != nil && ctx.Err() == nil {
						return false, err
					}
				}
			}
		}
	}
}
