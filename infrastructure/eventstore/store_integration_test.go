package eventstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/postgres"
	"assetflow/infrastructure/postgres/pgtest"
)

func newStore(t *testing.T) *eventstore.Store {
	t.Helper()
	return eventstore.New(pgtest.NewPool(t, eventstore.Migration()))
}

func pending(typ string, n int) eventstore.Pending {
	b, _ := json.Marshal(map[string]int{"n": n})
	return eventstore.Pending{Type: typ, Payload: b}
}

func TestAppendAndReadIntegration(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	meta := es.Metadata{ActorID: "u1", ActorName: "alice", ClientIP: "10.0.0.1", CorrelationID: "c1"}
	stored, err := s.Append(ctx, eventstore.StreamAppend{StreamID: "s-1", StreamType: "thing", ExpectedVersion: eventstore.NoStream,
		Events: []eventstore.Pending{pending("test.created", 1), pending("test.changed", 2)}, Metadata: meta})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2 || stored[1].Version != 2 {
		t.Fatalf("stored %+v", stored)
	}
	got, err := s.ReadStream(ctx, "s-1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Type != "test.created" || got[1].Metadata != meta || got[0].SchemaVersion != 1 {
		t.Fatalf("read %+v", got)
	}
	if got[0].ID[14] != '7' {
		t.Fatalf("event id %s is not a UUIDv7", got[0].ID)
	}
	if got[0].Hash != stored[0].Hash || got[1].Hash == got[0].Hash {
		t.Fatalf("hashes: %s %s", got[0].Hash, got[1].Hash)
	}
	all := readAllEventually(t, s, 2)
	if all[0].Position >= all[1].Position {
		t.Fatalf("read all: %+v", all)
	}
	// Wrong expected version: a typed conflict that the API maps to 409.
	_, err = s.Append(ctx, eventstore.StreamAppend{StreamID: "s-1", StreamType: "thing", ExpectedVersion: 1, Events: []eventstore.Pending{pending("test.changed", 3)}})
	var ce *eventstore.ConflictError
	if !errors.As(err, &ce) || ce.ActualVersion != 2 || !errors.Is(err, eventstore.ErrConflict) || fault.KindOf(err) != fault.KindConflict {
		t.Fatalf("want conflict at version 2, got %v", err)
	}
	if after, _ := s.ReadStream(ctx, "s-1", 0); len(after) != 2 {
		t.Fatalf("a rejected append changed the stream: %d events", len(after))
	}
}

// Two writers race on the same stream at the same expected version: exactly one wins.
func TestConcurrentWritersSameStreamIntegration(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.Append(ctx, eventstore.StreamAppend{StreamID: "race", StreamType: "thing", Events: []eventstore.Pending{pending("test.created", 0)}}); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 20; round++ {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.Append(ctx, eventstore.StreamAppend{StreamID: "race", StreamType: "thing", ExpectedVersion: round + 1,
					Events: []eventstore.Pending{pending("test.changed", i)}})
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, eventstore.ErrConflict):
				t.Fatalf("round %d: unexpected error %v", round, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d writers won, want exactly 1", round, wins)
		}
	}
	evs, _ := s.ReadStream(ctx, "race", 0)
	if len(evs) != 21 {
		t.Fatalf("stream has %d events, want 21", len(evs))
	}
}

// A transaction that took an earlier position but commits late must still be read: the reader
// never moves past a transaction that is still in flight.
func TestReadAllNeverSkipsLateCommitIntegration(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	slow, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendTx(ctx, slow, eventstore.StreamAppend{StreamID: "slow", StreamType: "thing", Events: []eventstore.Pending{pending("test.created", 0)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, eventstore.StreamAppend{StreamID: "fast", StreamType: "thing", Events: []eventstore.Pending{pending("test.created", 1)}}); err != nil {
		t.Fatal(err)
	}
	var cur eventstore.Cursor
	evs, err := s.ReadAll(ctx, cur, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 0 {
		t.Fatalf("read %d events while an older transaction is open; the late one would be skipped", len(evs))
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// The horizon is cluster-wide: transactions of other databases may hold it back for a moment.
	deadline := time.Now().Add(10 * time.Second)
	for len(evs) < 2 && time.Now().Before(deadline) {
		if evs, err = s.ReadAll(ctx, cur, 100); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if len(evs) != 2 || evs[0].StreamID != "slow" {
		t.Fatalf("after commit: %d events %+v", len(evs), evs)
	}
}

// Many concurrent appenders while a reader tails: the reader sees every event exactly once.
func TestConcurrentAppendersTailIntegration(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const writers, each = 8, 60
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				err := postgres.InTx(ctx, s.Pool(), func(tx pgx.Tx) error {
					if _, err := s.AppendTx(ctx, tx, eventstore.StreamAppend{StreamID: fmt.Sprintf("w%d-%d", w, i), StreamType: "thing",
						Events: []eventstore.Pending{pending("test.created", i)}}); err != nil {
						return err
					}
					if i%7 == 0 { // hold some transactions open so later positions commit first
						time.Sleep(3 * time.Millisecond)
					}
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := map[string]int{}
	var cur eventstore.Cursor
	finished := false
	for {
		evs, err := s.ReadAll(ctx, cur, 37)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			seen[e.StreamID]++
			cur = cur.Next(e)
		}
		if finished && len(seen) >= writers*each {
			break
		}
		select {
		case <-done:
			finished = true
		default:
		}
	}
	if len(seen) != writers*each {
		t.Fatalf("tail saw %d distinct events, want %d", len(seen), writers*each)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("%s seen %d times", id, n)
		}
	}
}

func TestVerifyDetectsTamperingIntegration(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := s.Append(ctx, eventstore.StreamAppend{StreamID: "v", StreamType: "thing", ExpectedVersion: i, Events: []eventstore.Pending{pending("test.changed", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := s.Verify(ctx)
	if err != nil || len(rep.Broken) != 0 || rep.Events != 3 {
		t.Fatalf("clean log: %v %+v", err, rep)
	}
	if _, err := s.Pool().Exec(ctx, `update events set payload = '{"n": 99}' where stream_id = 'v' and version = 2`); err == nil {
		t.Fatal("events must be append-only")
	}
	tamper(t, s.Pool(), `update events set payload = '{"n":99}' where stream_id = 'v' and version = 2`)
	rep, err = s.Verify(ctx)
	if err != nil || len(rep.Broken) == 0 || rep.Broken[0].Version != 2 {
		t.Fatalf("tampered payload not detected: %v %+v", err, rep)
	}
}

// readAllEventually reads from the start until n events are visible: the commit horizon is
// cluster-wide, so transactions of tests running in other databases may hold it back briefly.
func readAllEventually(t *testing.T, s *eventstore.Store, n int) []eventstore.Event {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs, err := s.ReadAll(context.Background(), eventstore.Cursor{}, n+10)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) >= n || time.Now().After(deadline) {
			if len(evs) != n {
				t.Fatalf("read %d events, want %d", len(evs), n)
			}
			return evs
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func tamper(t *testing.T, pool *pgxpool.Pool, sql string) {
	t.Helper()
	ctx := context.Background()
	err := postgres.InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `alter table events disable trigger events_no_update`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, sql); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `alter table events enable trigger events_no_update`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFactAppenderLossBoundIntegration(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	window := 40 * time.Millisecond
	f := eventstore.NewFactAppender(s, eventstore.FactAppenderOptions{Window: window, MaxBatch: 100})
	defer f.Close()
	for i := 0; i < 250; i++ {
		if err := f.Submit(ctx, eventstore.StreamAppend{StreamID: fmt.Sprintf("fact-%d", i), StreamType: "fact", Events: []eventstore.Pending{pending("test.happened", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	// Without Close or Flush, every fact is stored once the window has passed (the documented bound).
	deadline := time.Now().Add(window + 2*time.Second)
	var n int
	for time.Now().Before(deadline) {
		if err := s.Pool().QueryRow(ctx, `select count(*) from events where type = 'test.happened'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 250 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n != 250 {
		t.Fatalf("%d of 250 facts stored after the window", n)
	}
	// A session stream written by facts and then appended to (logout) keeps a contiguous chain.
	if err := f.Submit(ctx, eventstore.StreamAppend{StreamID: "fact-1", StreamType: "fact", Events: []eventstore.Pending{pending("test.happened", 1000)}}); err != nil {
		t.Fatal(err)
	}
	if err := f.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	evs, _ := s.ReadStream(ctx, "fact-1", 0)
	if len(evs) != 2 || evs[1].Version != 2 {
		t.Fatalf("fact stream: %+v", evs)
	}
	if rep, _ := s.Verify(ctx); len(rep.Broken) != 0 {
		t.Fatalf("broken chain: %+v", rep.Broken)
	}
	f.Close()
	if err := f.Submit(ctx, eventstore.StreamAppend{StreamID: "late", StreamType: "fact"}); !errors.Is(err, eventstore.ErrClosed) {
		t.Fatalf("submit after close: %v", err)
	}
}
