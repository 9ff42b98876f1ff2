// Package querycancel cancels running console queries from any replica: each replica keeps its
// own running queries, and a cancel request is broadcast with Postgres NOTIFY so whichever replica
// runs the query stops it.
package querycancel

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Channel is the NOTIFY channel of cancel requests.
const Channel = "assetflow_query_cancel"

// Registry implements the console's Cancels port.
type Registry struct {
	pool    *pgxpool.Pool
	mu      sync.Mutex
	running map[string]context.CancelFunc
}

// New returns a registry; call Listen to serve other replicas' requests.
func New(pool *pgxpool.Pool) *Registry {
	return &Registry{pool: pool, running: map[string]context.CancelFunc{}}
}

// Register remembers a running query until release.
func (r *Registry) Register(queryID string, cancel context.CancelFunc) func() {
	r.mu.Lock()
	r.running[queryID] = cancel
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		delete(r.running, queryID)
		r.mu.Unlock()
	}
}

func (r *Registry) cancelLocal(queryID string) bool {
	r.mu.Lock()
	cancel, ok := r.running[queryID]
	r.mu.Unlock()
	if ok {
		cancel()
	}
	return ok
}

// Cancel stops the query here if it runs here, and asks the other replicas otherwise.
func (r *Registry) Cancel(ctx context.Context, queryID string) (bool, error) {
	if r.cancelLocal(queryID) {
		return true, nil
	}
	if _, err := r.pool.Exec(ctx, `select pg_notify($1, $2)`, Channel, queryID); err != nil {
		return false, fmt.Errorf("broadcast cancel: %w", err)
	}
	return false, nil
}

// Listen serves cancel requests broadcast by other replicas until ctx ends.
func (r *Registry) Listen(ctx context.Context) error {
	for {
		err := r.listenOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		slog.Warn("query cancel listener stopped; restarting", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

func (r *Registry) listenOnce(ctx context.Context) error {
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "listen "+Channel); err != nil {
		return err
	}
	defer func() { _, _ = conn.Exec(context.Background(), "unlisten "+Channel) }()
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return err
		}
		r.cancelLocal(n.Payload)
	}
}
