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
// its own event halved the gateway's throughput (docs/benchmarks.md). Batches are compact (each
// distinct call shape once, then a row of numbers per call) and go to one stream per process, so
// the call log's projection keeps one stream position per replica, not one per batch.
type callLog struct {
	facts    Facts
	window   time.Duration
	maxCalls int
	stream   string

	mu      sync.Mutex
	pending dataservice.CallsRecorded
	shapes  map[shapeKey]int
	timer   *time.Timer
}

// shapeKey is a CallShape as a map key (its Params, raw JSON, as a string).
type shapeKey struct {
	code, version, callerID, callerName, clientIP, params string
	status                                                int
	errorCode, err, execute                               string
}

func newCallLog(facts Facts) *callLog {
	return &callLog{facts: facts, window: 100 * time.Millisecond, maxCalls: 1000, stream: "calls-" + uuid.NewString()}
}

// add keeps a call for the next batch; the call that fills a batch records it.
func (l *callLog) add(c dataservice.InterfaceCalled, at time.Time, latency time.Duration) {
	k := shapeKey{c.Code, c.Version, c.CallerID, c.CallerName, c.ClientIP, string(c.Params), c.Status, c.ErrorCode, c.Error, c.Execute}
	l.mu.Lock()
	if l.pending.Len() == 0 {
		l.pending = dataservice.NewCallsRecorded(at)
		l.shapes = map[shapeKey]int{}
	}
	shape, ok := l.shapes[k]
	if !ok {
		shape = len(l.pending.Shapes)
		l.shapes[k] = shape
		l.pending.Shapes = append(l.pending.Shapes, c.CallShape)
	}
	l.pending.Add(shape, at, c.Rows, latency, c.CacheHit)
	n := l.pending.Len()
	full := n >= l.maxCalls
	if n == 1 && !full {
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
	l.pending = dataservice.CallsRecorded{}
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.mu.Unlock()
	if batch.Len() == 0 {
		return nil
	}
	return l.facts.Submit(ctx, l.stream, dataservice.StreamCall, batch, esMeta{ActorName: "gateway"})
}
