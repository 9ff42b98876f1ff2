package dataservice

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"assetflow/domain/dataservice"
	es "assetflow/domain/eventsourcing"
)

// recordedFacts keeps what was submitted (the fact appender's port).
type recordedFacts struct {
	mu      sync.Mutex
	batches []dataservice.CallsRecorded
}

func (f *recordedFacts) Submit(_ context.Context, _, _ string, e es.Event, _ es.Metadata) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.batches = append(f.batches, e.(dataservice.CallsRecorded))
	return nil
}

func (f *recordedFacts) counts() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []int
	for _, b := range f.batches {
		out = append(out, b.Len())
	}
	return out
}

func TestCallLogBatches(t *testing.T) {
	facts := &recordedFacts{}
	l := &callLog{facts: facts, window: 50 * time.Millisecond, maxCalls: 3, stream: "calls-test"}
	now := time.Now()
	for i := range 4 { // a full batch of 3 is recorded at once, the 4th waits for the window
		l.add(dataservice.InterfaceCalled{CallShape: dataservice.CallShape{Code: "c"}, Rows: i}, now, time.Millisecond)
	}
	if got := facts.counts(); len(got) != 1 || got[0] != 3 {
		t.Fatalf("after 4 calls: %v", got)
	}
	deadline := time.Now().Add(2 * time.Second)
	for len(facts.counts()) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the window never recorded the last call")
		}
		time.Sleep(5 * time.Millisecond)
	}
	l.add(dataservice.InterfaceCalled{CallShape: dataservice.CallShape{Code: "c"}}, now, time.Millisecond)
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := facts.counts()
	if len(got) != 3 || got[1] != 1 || got[2] != 1 {
		t.Fatalf("batches: %v", got)
	}
	ids := map[string]bool{}
	for i, b := range facts.batches {
		if len(b.Shapes) != 1 || len(b.Calls) != 0 {
			t.Fatalf("batch %d: calls of one shape are not written compactly: %+v", i, b)
		}
		eventID := uuid.Must(uuid.NewV7())
		err := b.Each(eventID, func(c dataservice.RecordedCall) error {
			if c.CallID == "" || ids[c.CallID] || !c.At.Equal(now.UTC().Truncate(time.Microsecond)) || c.LatencyMs != 1 || c.Code != "c" {
				t.Fatalf("call without its own id and time: %+v", c)
			}
			ids[c.CallID] = true
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(ids) != 5 {
		t.Fatalf("%d calls listed, want 5", len(ids))
	}
	if err := l.Flush(context.Background()); err != nil || len(facts.counts()) != 3 {
		t.Fatal("an empty flush recorded something")
	}
}
