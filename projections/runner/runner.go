// Package runner runs read-model projections: each first catches up from the event store from its
// own checkpoint, then follows Kafka in its own consumer group. Application is idempotent and
// order-tolerant: a per-(projection, stream) version watermark, kept in the same transaction as the
// read-model write, turns duplicates into no-ops and fills gaps from the store.
package runner

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"assetflow/domain/eventsourcing"
	"assetflow/infrastructure/bus"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/postgres"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration holds the runner's own state tables.
func Migration() postgres.Migration {
	return postgres.Embedded("projections", migrationFiles)
}

// Projection is one read model.
type Projection interface {
	// Name is stable: it names the consumer group and the checkpoint.
	Name() string
	// Contexts lists the bounded contexts whose topics it follows; nil means all.
	Contexts() []string
	// Migration creates its tables.
	Migration() postgres.Migration
	// Tables are truncated by replay.
	Tables() []string
	// Apply writes the event's effect within tx. It ignores event types it does not handle and
	// uses the event's own time, never the clock, so a replay gives the same rows.
	Apply(ctx context.Context, tx pgx.Tx, e eventstore.Event) error
}

// Skipper is implemented by projections that ignore some event types entirely (high-volume facts
// with a read model of their own). The runner neither decodes nor applies those events for them: no
// transaction and no stream watermark, only the position noted as applied. A later event of the
// same stream still fills its gap from the store, where the skipped ones are no-ops.
type Skipper interface {
	Skips(eventType string) bool
}

func skips(p Projection, eventType string) bool {
	s, ok := p.(Skipper)
	return ok && s.Skips(eventType)
}

// Runner applies events to projections.
type Runner struct {
	store       *eventstore.Store
	pool        *pgxpool.Pool
	projections []Projection
	hub         *Hub
	caughtUp    atomic.Bool
	following   atomic.Bool
	applied     sync.Map // projection name -> *atomic.Int64 (max position applied)
	// SweepInterval re-reads the store after start-up, healing anything the broker lost.
	SweepInterval time.Duration
	// OnApplied, when set, observes each applied event (metrics).
	OnApplied func(projection string, e eventstore.Event)
}

// New builds a runner over the given projections.
func New(store *eventstore.Store, hub *Hub, projections ...Projection) *Runner {
	return &Runner{store: store, pool: store.Pool(), projections: projections, hub: hub, SweepInterval: 30 * time.Second}
}

// Projections lists the registered projections.
func (r *Runner) Projections() []Projection { return r.projections }

// Find returns the projection with the name.
func (r *Runner) Find(name string) (Projection, bool) {
	for _, p := range r.projections {
		if p.Name() == name {
			return p, true
		}
	}
	return nil, false
}

// CaughtUp reports whether the start-up catch-up from the store finished.
func (r *Runner) CaughtUp() bool { return r.caughtUp.Load() }

// Following reports whether every projection's Kafka handlers are subscribed (always true when
// the runner follows the store alone).
func (r *Runner) Following() bool { return r.following.Load() }

// AppliedPosition is the highest global position a projection applied in this process.
func (r *Runner) AppliedPosition(name string) int64 {
	if v, ok := r.applied.Load(name); ok {
		return v.(*atomic.Int64).Load()
	}
	return 0
}

func (r *Runner) noteApplied(name string, pos int64) {
	v, _ := r.applied.LoadOrStore(name, new(atomic.Int64))
	a := v.(*atomic.Int64)
	for {
		cur := a.Load()
		if pos <= cur || a.CompareAndSwap(cur, pos) {
			return
		}
	}
}

// follows reports whether p follows the context of e.
func follows(p Projection, context string) bool {
	cs := p.Contexts()
	if cs == nil {
		return true
	}
	for _, c := range cs {
		if c == context {
			return true
		}
	}
	return false
}

// ApplyEvents applies events to p in one transaction, skipping duplicates and filling gaps.
func (r *Runner) ApplyEvents(ctx context.Context, p Projection, evs []eventstore.Event, checkpoint *eventstore.Cursor) error {
	var applied []eventstore.Event
	// A read model is derived from the store: its transaction need not wait for the disk. A crash
	// can lose the last moments of projection work (rows and watermarks together); the catch-up at
	// start and the sweep apply it again from the store.
	err := postgres.InTxWith(ctx, r.pool, postgres.AsyncCommit, func(tx pgx.Tx) error {
		applied = applied[:0]
		for _, e := range evs {
			if !follows(p, e.Context()) || skips(p, e.Type) {
				continue
			}
			var err error
			if applied, err = r.applyOne(ctx, tx, p, e, applied); err != nil {
				return err
			}
		}
		if checkpoint != nil {
			if _, err := tx.Exec(ctx, `insert into projection_checkpoints (projection, tx_id, position, updated_at)
				values ($1, $2::text::xid8, $3, now()) on conflict (projection) do update
				set tx_id = excluded.tx_id, position = excluded.position, updated_at = now()`,
				p.Name(), strconv.FormatUint(checkpoint.TxID, 10), checkpoint.Position); err != nil {
				return fmt.Errorf("save checkpoint of %s: %w", p.Name(), err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, e := range applied {
		r.noteApplied(p.Name(), e.Position)
		if r.OnApplied != nil {
			r.OnApplied(p.Name(), e)
		}
	}
	if len(applied) > 0 {
		r.hub.Notify()
	}
	return nil
}

func (r *Runner) applyOne(ctx context.Context, tx pgx.Tx, p Projection, e eventstore.Event, applied []eventstore.Event) ([]eventstore.Event, error) {
	// The upsert locks the watermark row, so concurrent consumers of one stream serialise here.
	var w int
	if err := tx.QueryRow(ctx, `insert into projection_streams (projection, stream_id, version) values ($1, $2, 0)
		on conflict (projection, stream_id) do update set version = projection_streams.version
		returning version`, p.Name(), e.StreamID).Scan(&w); err != nil {
		return applied, fmt.Errorf("watermark %s/%s: %w", p.Name(), e.StreamID, err)
	}
	if e.Version <= w {
		return applied, nil
	}
	todo := []eventstore.Event{e}
	if e.Version > w+1 {
		missing, err := r.store.ReadStreamRange(ctx, e.StreamID, w, e.Version)
		if err != nil {
			return applied, err
		}
		if len(missing) != e.Version-w-1 {
			return applied, fmt.Errorf("stream %s: versions %d..%d not in the store", e.StreamID, w+1, e.Version-1)
		}
		todo = append(missing, e)
	}
	for _, ev := range todo {
		if err := p.Apply(ctx, tx, ev); err != nil {
			return applied, fmt.Errorf("%s applying %s %s v%d: %w", p.Name(), ev.Type, ev.StreamID, ev.Version, err)
		}
		applied = append(applied, ev)
	}
	if _, err := tx.Exec(ctx, `update projection_streams set version = $3, position = $4 where projection = $1 and stream_id = $2`,
		p.Name(), e.StreamID, e.Version, e.Position); err != nil {
		return applied, fmt.Errorf("advance watermark: %w", err)
	}
	return applied, nil
}

// ApplyStream applies a stream up to ref's version from the store to the named projections
// (idempotent; used when a reader must not wait for Kafka).
func (r *Runner) ApplyStream(ctx context.Context, ref eventsourcing.Ref, names ...string) error {
	evs, err := r.store.ReadStreamRange(ctx, ref.StreamID, 0, ref.Version+1)
	if err != nil {
		return err
	}
	for _, name := range names {
		p, ok := r.Find(name)
		if !ok {
			return fmt.Errorf("unknown projection %q", name)
		}
		if err := r.ApplyEvents(ctx, p, evs, nil); err != nil {
			return err
		}
	}
	return nil
}

// CatchUp applies everything in the store after p's checkpoint.
func (r *Runner) CatchUp(ctx context.Context, p Projection) error {
	cur, err := r.checkpoint(ctx, p.Name())
	if err != nil {
		return err
	}
	r.noteApplied(p.Name(), cur.Position)
	for {
		evs, err := r.store.ReadAll(ctx, cur, 500)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		next := cur.Next(evs[len(evs)-1])
		if err := r.ApplyEvents(ctx, p, evs, &next); err != nil {
			return err
		}
		r.noteApplied(p.Name(), next.Position) // everything read so far is applied (or was already)
		cur = next
	}
}

func (r *Runner) checkpoint(ctx context.Context, name string) (eventstore.Cursor, error) {
	var c eventstore.Cursor
	var tx int64
	err := r.pool.QueryRow(ctx, `select tx_id::text::bigint, position from projection_checkpoints where projection = $1`, name).Scan(&tx, &c.Position)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return c, fmt.Errorf("load checkpoint of %s: %w", name, err)
	}
	c.TxID = uint64(tx)
	return c, nil
}

// Replay truncates p's tables and state and rebuilds it from the store.
func (r *Runner) Replay(ctx context.Context, p Projection) error {
	err := postgres.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		for _, t := range p.Tables() {
			if _, err := tx.Exec(ctx, "truncate "+pgx.Identifier{t}.Sanitize()); err != nil {
				return fmt.Errorf("truncate %s: %w", t, err)
			}
		}
		if _, err := tx.Exec(ctx, `delete from projection_streams where projection = $1`, p.Name()); err != nil {
			return fmt.Errorf("reset watermarks: %w", err)
		}
		_, err := tx.Exec(ctx, `delete from projection_checkpoints where projection = $1`, p.Name())
		return err
	})
	if err != nil {
		return fmt.Errorf("reset %s: %w", p.Name(), err)
	}
	return r.CatchUp(ctx, p)
}

// Run catches every projection up from the store, then follows Kafka until ctx ends. brokers may
// be empty, in which case projections follow the store alone (used by the CLI and some tests).
func (r *Runner) Run(ctx context.Context, brokers []string) error {
	for _, p := range r.projections {
		if err := r.CatchUp(ctx, p); err != nil {
			return fmt.Errorf("catch up %s: %w", p.Name(), err)
		}
	}
	r.caughtUp.Store(true)
	r.hub.Notify()
	slog.Info("projections caught up", "count", len(r.projections))

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.sweep(ctx)
	}()
	defer wg.Wait()
	if len(brokers) == 0 {
		r.following.Store(true)
		<-ctx.Done()
		return nil
	}
	router, err := r.router(ctx, brokers)
	if err != nil {
		return err
	}
	go func() {
		<-ctx.Done()
		_ = router.Close()
	}()
	go func() {
		select {
		case <-router.Running():
			r.following.Store(true)
			r.hub.Notify()
		case <-ctx.Done():
		}
	}()
	if err := router.Run(ctx); err != nil && ctx.Err() == nil {
		return fmt.Errorf("projection router: %w", err)
	}
	return nil
}

func (r *Runner) sweep(ctx context.Context) {
	t := time.NewTicker(r.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, p := range r.projections {
				if err := r.CatchUp(ctx, p); err != nil && ctx.Err() == nil {
					slog.Warn("projection sweep failed", "projection", p.Name(), "err", err)
				}
			}
		}
	}
}

// GroupName is the consumer group of a projection on one context's topic. A group per topic (not
// one group spanning all of a projection's topics) keeps each group's membership to one member per
// replica, so a replica joining rebalances one small group instead of stalling every topic of the
// projection while members subscribe one by one.
func GroupName(p Projection, context string) string {
	return "assetflow.projection." + p.Name() + "." + context
}

func (r *Runner) router(ctx context.Context, brokers []string) (*message.Router, error) {
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 10 * time.Second}, bus.Logger())
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	poisonPub, err := bus.NewPublisher(brokers, "assetflow-poison")
	if err != nil {
		return nil, err
	}
	poison, err := middleware.PoisonQueue(poisonPub, bus.PoisonTopic)
	if err != nil {
		return nil, fmt.Errorf("poison queue: %w", err)
	}
	router.AddMiddleware(
		middleware.Recoverer,
		poison,
		middleware.Retry{MaxRetries: 5, InitialInterval: 100 * time.Millisecond, MaxInterval: 2 * time.Second, Multiplier: 2, Logger: bus.Logger()}.Middleware,
	)
	for _, p := range r.projections {
		contexts := p.Contexts()
		if contexts == nil {
			contexts = bus.Contexts
		}
		for _, c := range contexts {
			sub, err := bus.NewSubscriber(brokers, GroupName(p, c))
			if err != nil {
				return nil, err
			}
			b := &batcher{r: r, p: p, queue: make(chan applyRequest)}
			go b.run(ctx)
			router.AddConsumerHandler(p.Name()+"."+c, bus.Topic(c), sub, b.handle)
		}
	}
	return router, nil
}

// batcher applies the messages one projection receives from one topic. Each partition hands its
// messages over one at a time; whatever arrived from the other partitions while a transaction ran
// is applied together in the next one (group commit), so a busy topic costs one transaction per
// batch instead of one per event. One stream's events never share a batch out of order: a
// partition's next message is delivered only after its previous one was answered.
type batcher struct {
	r     *Runner
	p     Projection
	queue chan applyRequest
}

type applyRequest struct {
	e    eventstore.Event
	done chan error
}

// maxBatch bounds the events of one transaction.
const maxBatch = 256

func (b *batcher) handle(msg *message.Message) error {
	if skips(b.p, msg.Metadata.Get(bus.MetaEventType)) {
		if pos, err := strconv.ParseInt(msg.Metadata.Get(bus.MetaPosition), 10, 64); err == nil {
			b.r.noteApplied(b.p.Name(), pos)
		}
		return nil
	}
	var e eventstore.Event
	if err := json.Unmarshal(msg.Payload, &e); err != nil {
		return fmt.Errorf("decode message %s: %w", msg.UUID, err)
	}
	req := applyRequest{e: e, done: make(chan error, 1)}
	select {
	case b.queue <- req:
	case <-msg.Context().Done():
		return msg.Context().Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-msg.Context().Done():
		return msg.Context().Err()
	}
}

func (b *batcher) run(ctx context.Context) {
	for {
		var batch []applyRequest
		select {
		case <-ctx.Done():
			return
		case req := <-b.queue:
			batch = append(batch, req)
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case req := <-b.queue:
				batch = append(batch, req)
			default:
				break drain
			}
		}
		evs := make([]eventstore.Event, len(batch))
		for i, req := range batch {
			evs[i] = req.e
		}
		err := b.r.ApplyEvents(ctx, b.p, evs, nil)
		if err != nil && len(batch) > 1 {
			// One event's failure must not fail (and retry) the others: apply them one by one.
			for _, req := range batch {
				req.done <- b.r.ApplyEvents(ctx, b.p, []eventstore.Event{req.e}, nil)
			}
			continue
		}
		for _, req := range batch {
			req.done <- err
		}
	}
}
