package eventstore

import (
	"context"

	"assetflow/domain/eventsourcing"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// FactAppender appends high-volume facts (operation logged, user logged in, query executed, report
// API called) in batches, so a request never waits for its own round trip to the store.
//
// Loss bound: a fact is in memory from Submit until the batch holding it commits, which happens at
// the latest Window after Submit (or sooner when MaxBatch facts are waiting). A process crash loses
// at most the facts submitted in the last Window plus the batch being written; Close flushes
// everything. A failing database is retried with back-off; while it fails, Submit blocks once
// Buffer facts are waiting (back-pressure, never silent dropping).
type FactAppender struct {
	store    *Store
	window   time.Duration
	maxBatch int
	in       chan factReq
	done     chan struct{}
	closeMu  sync.Mutex
	closed   bool
	OnError  func(error)
}

type factReq struct {
	fact  StreamAppend
	flush chan error
}

// FactAppenderOptions tune a FactAppender; zero values take the defaults.
type FactAppenderOptions struct {
	Window   time.Duration // default 50ms
	MaxBatch int           // default 500
	Buffer   int           // default 10000
}

// NewFactAppender starts the batching loop.
func NewFactAppender(store *Store, o FactAppenderOptions) *FactAppender {
	if o.Window <= 0 {
		o.Window = 50 * time.Millisecond
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 500
	}
	if o.Buffer <= 0 {
		o.Buffer = 10000
	}
	f := &FactAppender{store: store, window: o.Window, maxBatch: o.MaxBatch, in: make(chan factReq, o.Buffer), done: make(chan struct{})}
	go f.loop()
	return f
}

// ErrClosed is returned by Submit after Close.
var ErrClosed = errors.New("fact appender closed")

// Submit queues a fact. The stream must be one the fact owns (a fresh id, or a session stream):
// facts are appended with AnyVersion.
func (f *FactAppender) Submit(ctx context.Context, fact StreamAppend) error {
	fact.ExpectedVersion = AnyVersion
	if fact.OccurredAt.IsZero() {
		fact.OccurredAt = time.Now()
	}
	f.closeMu.Lock()
	defer f.closeMu.Unlock()
	if f.closed {
		return ErrClosed
	}
	select {
	case f.in <- factReq{fact: fact}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Flush writes every fact submitted before it and returns when they are stored.
func (f *FactAppender) Flush(ctx context.Context) error {
	ch := make(chan error, 1)
	f.closeMu.Lock()
	if f.closed {
		f.closeMu.Unlock()
		return nil
	}
	select {
	case f.in <- factReq{flush: ch}:
	case <-ctx.Done():
		f.closeMu.Unlock()
		return ctx.Err()
	}
	f.closeMu.Unlock()
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close flushes what is queued and stops the loop.
func (f *FactAppender) Close() {
	f.closeMu.Lock()
	if f.closed {
		f.closeMu.Unlock()
		<-f.done
		return
	}
	f.closed = true
	close(f.in)
	f.closeMu.Unlock()
	<-f.done
}

func (f *FactAppender) loop() {
	defer close(f.done)
	var batch []StreamAppend
	var waiters []chan error
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	flush := func() {
		err := f.write(batch)
		for _, w := range waiters {
			w <- err
		}
		batch, waiters = batch[:0], waiters[:0]
	}
	for {
		select {
		case r, ok := <-f.in:
			if !ok {
				flush()
				return
			}
			if r.flush != nil {
				waiters = append(waiters, r.flush)
				timer.Stop()
				flush()
				continue
			}
			if len(batch) == 0 {
				timer.Reset(f.window)
			}
			batch = append(batch, r.fact)
			if len(batch) >= f.maxBatch {
				timer.Stop()
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}

// write stores a batch, retrying conflicts (another replica appended to the same session stream)
// and transient failures with back-off, so nothing acknowledged to the loop is dropped while the
// process lives.
func (f *FactAppender) write(batch []StreamAppend) error {
	if len(batch) == 0 {
		return nil
	}
	backoff := 20 * time.Millisecond
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := f.store.Append(ctx, batch...)
		cancel()
		if err == nil {
			return nil
		}
		if f.OnError != nil {
			f.OnError(err)
		}
		if attempt == 1 || attempt%20 == 0 {
			slog.Warn("appending facts failed; retrying", "facts", len(batch), "attempt", attempt, "err", err)
		}
		time.Sleep(backoff)
		if backoff < 2*time.Second {
			backoff *= 2
		}
	}
}

// FactSink encodes domain events and submits them to a FactAppender.
type FactSink struct {
	Appender *FactAppender
	Codec    *Codec
}

// Submit encodes and queues a fact on its own stream.
func (f FactSink) Submit(ctx context.Context, streamID, streamType string, e eventsourcing.Event, meta eventsourcing.Metadata) error {
	p, err := f.Codec.Encode(e)
	if err != nil {
		return err
	}
	return f.Appender.Submit(ctx, StreamAppend{StreamID: streamID, StreamType: streamType, Events: []Pending{p}, Metadata: meta, OccurredAt: time.Now()})
}
