// Package relay publishes the event store to Kafka in commit-safe order. Exactly one relay is
// active per cluster (a Postgres advisory lock); the others stand by and take over when it dies.
// Delivery is at least once: the cursor is saved after a batch is acknowledged by the broker.
package relay

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"assetflow/infrastructure/bus"
	"assetflow/infrastructure/eventstore"
)

// lockKey is the advisory-lock key of the relay (an arbitrary constant shared by all replicas).
const lockKey int64 = 0x61737365_74666c6f // "assetflo"

// Options tune the relay; zero values take defaults.
type Options struct {
	Name         string        // checkpoint name, default "kafka"
	BatchSize    int           // events read per round, default 1000
	Shards       int           // concurrent publishing goroutines, default 16
	PollInterval time.Duration // fallback poll when no notification arrives, default 100ms
	StandbyRetry time.Duration // how often a standby tries to become active, default 1s
}

// Relay tails the store and publishes each event to assetflow.<context>, keyed by stream id.
type Relay struct {
	store     *eventstore.Store
	pool      *pgxpool.Pool
	publisher message.Publisher
	opts      Options
	active    atomic.Bool
	cursor    atomic.Int64
	published atomic.Int64
}

// New builds a relay.
func New(store *eventstore.Store, publisher message.Publisher, o Options) *Relay {
	if o.Name == "" {
		o.Name = "kafka"
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	if o.Shards <= 0 {
		o.Shards = 16
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 100 * time.Millisecond
	}
	if o.StandbyRetry <= 0 {
		o.StandbyRetry = time.Second
	}
	return &Relay{store: store, pool: store.Pool(), publisher: publisher, opts: o}
}

// Active reports whether this replica holds the relay lock.
func (r *Relay) Active() bool { return r.active.Load() }

// Position is the global position of the last published event (0 before the first).
func (r *Relay) Position() int64 { return r.cursor.Load() }

// Published counts events this replica published.
func (r *Relay) Published() int64 { return r.published.Load() }

// Run competes for the lock and relays while holding it, until ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	for {
		err := r.runActive(ctx)
		r.active.Store(false)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil && !errors.Is(err, errStandby) {
			slog.Warn("relay stopped; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(r.opts.StandbyRetry):
		}
	}
}

var errStandby = errors.New("another relay is active")

func (r *Relay) runActive(ctx context.Context) error {
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire relay connection: %w", err)
	}
	// The lock lives as long as this session; a dead replica's session ends and frees it.
	defer func() {
		_, _ = conn.Exec(context.Background(), "select pg_advisory_unlock($1)", lockKey)
		conn.Release()
	}()
	var got bool
	if err := conn.QueryRow(ctx, "select pg_try_advisory_lock($1)", lockKey).Scan(&got); err != nil {
		return fmt.Errorf("relay lock: %w", err)
	}
	if !got {
		return errStandby
	}
	if _, err := conn.Exec(ctx, "listen "+eventstore.NotifyChannel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer func() { _, _ = conn.Exec(context.Background(), "unlisten *") }()
	r.active.Store(true)
	slog.Info("relay active", "name", r.opts.Name)

	cur, err := r.loadCursor(ctx)
	if err != nil {
		return err
	}
	r.cursor.Store(cur.Position)
	for {
		evs, err := r.store.ReadAll(ctx, cur, r.opts.BatchSize)
		if err != nil {
			return err
		}
		if len(evs) > 0 {
			if err := r.publish(evs); err != nil {
				return err
			}
			cur = cur.Next(evs[len(evs)-1])
			if err := r.saveCursor(ctx, cur); err != nil {
				return err
			}
			r.cursor.Store(cur.Position)
			r.published.Add(int64(len(evs)))
			if len(evs) == r.opts.BatchSize {
				continue
			}
		}
		// Wait for an append notification, or poll: an event held back by an older open
		// transaction becomes readable without a new notification.
		wctx, cancel := context.WithTimeout(ctx, r.opts.PollInterval)
		_, err = conn.Conn().WaitForNotification(wctx)
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("wait for notification: %w", err)
		}
	}
}

// publish sends a batch, sharded by stream so each stream keeps its order while shards run in
// parallel (a single synchronous producer goroutine tops out far below the store's rate).
func (r *Relay) publish(evs []eventstore.Event) error {
	shards := make([][]eventstore.Event, r.opts.Shards)
	for _, e := range evs {
		h := fnv.New32a()
		h.Write([]byte(e.StreamID))
		i := int(h.Sum32() % uint32(r.opts.Shards))
		shards[i] = append(shards[i], e)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(shards))
	for i, shard := range shards {
		if len(shard) == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, e := range shard {
				msg, err := Message(e)
				if err != nil {
					errs[i] = err
					return
				}
				if err := r.publisher.Publish(bus.Topic(e.Context()), msg); err != nil {
					errs[i] = fmt.Errorf("publish event %d: %w", e.Position, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Message wraps a stored event as a watermill message whose payload is the event's JSON envelope.
func Message(e eventstore.Event) (*message.Message, error) {
	b, err := e.MarshalEnvelope()
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", e.ID, err)
	}
	m := message.NewMessage(e.ID, b)
	m.Metadata.Set(bus.MetaStreamID, e.StreamID)
	m.Metadata.Set(bus.MetaEventType, e.Type)
	m.Metadata.Set(bus.MetaPosition, strconv.FormatInt(e.Position, 10))
	return m, nil
}

func (r *Relay) loadCursor(ctx context.Context) (eventstore.Cursor, error) {
	var c eventstore.Cursor
	var tx int64
	err := r.pool.QueryRow(ctx, `select tx_id::text::bigint, position from relay_checkpoints where name = $1`, r.opts.Name).Scan(&tx, &c.Position)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return c, fmt.Errorf("load relay cursor: %w", err)
	}
	c.TxID = uint64(tx)
	return c, nil
}

func (r *Relay) saveCursor(ctx context.Context, c eventstore.Cursor) error {
	_, err := r.pool.Exec(ctx, `insert into relay_checkpoints (name, tx_id, position, updated_at)
		values ($1, $2::text::xid8, $3, now())
		on conflict (name) do update set tx_id = excluded.tx_id, position = excluded.position, updated_at = now()`,
		r.opts.Name, strconv.FormatUint(c.TxID, 10), c.Position)
	if err != nil {
		return fmt.Errorf("save relay cursor: %w", err)
	}
	return nil
}
