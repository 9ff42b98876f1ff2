package eventstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
	"assetflow/infrastructure/postgres"
)

// Repository loads and saves event-sourced aggregates.
type Repository struct {
	store *Store
	codec *Codec
}

// NewRepository binds a store and a codec.
func NewRepository(store *Store, codec *Codec) *Repository {
	return &Repository{store: store, codec: codec}
}

// Store returns the underlying store.
func (r *Repository) Store() *Store { return r.store }

// Codec returns the codec.
func (r *Repository) Codec() *Codec { return r.codec }

// Load rebuilds agg from stream id. A stream with no events leaves agg at version 0.
func (r *Repository) Load(ctx context.Context, id string, agg eventsourcing.Aggregate) error {
	evs, err := r.store.ReadStream(ctx, id, 0)
	if err != nil {
		return err
	}
	agg.Bookkeeping().SetID(id)
	domainEvents := make([]eventsourcing.Event, 0, len(evs))
	for _, e := range evs {
		de, err := r.codec.Decode(e)
		if err != nil {
			return fmt.Errorf("load %s: %w", id, err)
		}
		domainEvents = append(domainEvents, de)
	}
	version := 0
	if len(evs) > 0 {
		version = evs[len(evs)-1].Version
	}
	eventsourcing.Replay(agg, version, domainEvents...)
	return nil
}

// TxFunc is a side write committed atomically with the events (a uniqueness claim, a credential).
type TxFunc func(ctx context.Context, tx pgx.Tx) error

// Save appends agg's uncommitted changes expecting the version it was loaded at, running the
// side writes in the same transaction. It returns the reference read models are waited on for.
func (r *Repository) Save(ctx context.Context, agg eventsourcing.Aggregate, meta eventsourcing.Metadata, side ...TxFunc) (eventsourcing.Ref, error) {
	root := agg.Bookkeeping()
	if len(root.Changes()) == 0 {
		return eventsourcing.Ref{StreamID: root.ID(), Version: root.Version()}, nil
	}
	a, err := r.streamAppend(agg, meta)
	if err != nil {
		return eventsourcing.Ref{}, err
	}
	var stored []Event
	err = postgres.InTx(ctx, r.store.pool, func(tx pgx.Tx) error {
		for _, fn := range side {
			if err := fn(ctx, tx); err != nil {
				return err
			}
		}
		var err error
		stored, err = r.store.AppendTx(ctx, tx, a)
		return err
	})
	if err != nil {
		return eventsourcing.Ref{}, fmt.Errorf("save %s %s: %w", agg.StreamType(), root.ID(), err)
	}
	if r.store.OnAppend != nil {
		r.store.OnAppend(len(stored))
	}
	last := stored[len(stored)-1].Version
	root.Committed(last)
	return eventsourcing.Ref{StreamID: root.ID(), Version: last}, nil
}

func (r *Repository) streamAppend(agg eventsourcing.Aggregate, meta eventsourcing.Metadata) (StreamAppend, error) {
	root := agg.Bookkeeping()
	if root.ID() == "" {
		return StreamAppend{}, fault.Invalid("aggregate has no id")
	}
	a := StreamAppend{StreamID: root.ID(), StreamType: agg.StreamType(), ExpectedVersion: root.Version(), Metadata: meta}
	for _, e := range root.Changes() {
		p, err := r.codec.Encode(e)
		if err != nil {
			return a, err
		}
		a.Events = append(a.Events, p)
	}
	return a, nil
}

// Recorder appends single events to streams that take any version (logs such as connection tests),
// synchronously, returning the reference to wait on.
type Recorder struct {
	Store *Store
	Codec *Codec
}

// Record appends e to streamID.
func (r Recorder) Record(ctx context.Context, streamID, streamType string, e eventsourcing.Event, meta eventsourcing.Metadata) (eventsourcing.Ref, error) {
	p, err := r.Codec.Encode(e)
	if err != nil {
		return eventsourcing.Ref{}, err
	}
	evs, err := r.Store.Append(ctx, StreamAppend{StreamID: streamID, StreamType: streamType, ExpectedVersion: AnyVersion, Events: []Pending{p}, Metadata: meta})
	if err != nil {
		return eventsourcing.Ref{}, err
	}
	return eventsourcing.Ref{StreamID: streamID, Version: evs[len(evs)-1].Version}, nil
}

// Commit saves an aggregate without side writes (the shape application ports use).
func (r *Repository) Commit(ctx context.Context, agg eventsourcing.Aggregate, meta eventsourcing.Metadata) (eventsourcing.Ref, error) {
	return r.Save(ctx, agg, meta)
}
