package dataservice

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"assetflow/domain/dataservice"
)

// callLog gathers the gateway's calls and records them in batches: one dataservice.calls_recorded
// fact per window (or per maxCalls calls) instead of an event per call. Recording every call as
// its own event halved the gateway's throughput (docs/benchmarks.md).
type callLog struct {
	facts    Facts
	window   time.Duration
	maxCalls int

	mu      sync.Mutex
	pending []dataservice.RecordedCall
	timer   *time.Timer
}

func newCallLog(facts Facts) *callLog {
	return &callLog{facts: facts, window: 100 * time.Millisecond, maxCalls: 200}
}

// add keeps a call for the next batch; the call that fills a batch records it.
func (l *callLog) add(c dataservice.InterfaceCalled, at time.Time) {
	l.mu.Lock()
	// Time-ordered ids (UUIDv7): the call log's key index grows at its end instead of everywhere.
	l.pending = append(l.pending, dataservice.RecordedCall{CallID: uuid.Must(uuid.NewV7()).String(), At: at.UTC(), InterfaceCalled: c})
	full := len(l.pending) >= l.maxCalls
	if len(l.pending) == 1 && !full {
		l.timer = time.AfterFunc(l.window, func() { _ = l.Flush(context.Background()) })
	}
	l.mu.Unlock()
	if full {
		_ = l.Flush(context.Background())
	}
}

// Flush records the calls kept so far.
func (l *callLog) Flush(ctx context.Context) error {
	l.mu.Lock()
	batch := l.pending
	l.pending = nil
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	return l.facts.Submit(ctx, "calls-"+uuid.NewString(), dataservice.StreamCall, dataservice.CallsRecorded{Calls: batch}, esMeta{ActorName: "gateway"})
}
