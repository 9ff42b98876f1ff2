package runner_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"assetflow/domain/access"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/monitor"
	"assetflow/infrastructure/bus"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/postgres"
	"assetflow/infrastructure/postgres/pgtest"
	"assetflow/infrastructure/relay"
	accessproj "assetflow/projections/access"
	"assetflow/projections/audit"
	monitorproj "assetflow/projections/monitor"
	"assetflow/projections/runner"
)

func setup(t *testing.T) (*eventstore.Store, *eventstore.Codec, *runner.Runner, *runner.Hub) {
	t.Helper()
	ps := []runner.Projection{audit.Projection{}, accessproj.Projection{}, monitorproj.Projection{}}
	ms := []postgres.Migration{eventstore.Migration(), runner.Migration()}
	for _, p := range ps {
		ms = append(ms, p.Migration())
	}
	pool := pgtest.NewPool(t, ms...)
	store := eventstore.New(pool)
	codec := eventstore.NewCodec(append(access.Events(), monitor.Events()...)...)
	hub := runner.NewHub()
	return store, codec, runner.New(store, hub, ps...), hub
}

// seed writes a realistic mix: users created and changed, sessions opened and closed, keys, logs.
func seed(t *testing.T, store *eventstore.Store, codec *eventstore.Codec, users int) {
	t.Helper()
	ctx := context.Background()
	repo := eventstore.NewRepository(store, codec)
	meta := es.Metadata{ActorID: "admin", ActorName: "admin", ClientIP: "127.0.0.1"}
	for i := 0; i < users; i++ {
		u, err := access.CreateUser(fmt.Sprintf("user-%d", i), access.NewUserInput{Username: fmt.Sprintf("user%d", i), Password: "password-1", Roles: []string{"viewer"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := u.Update("admin", fmt.Sprintf("User %d", i), "", []string{"analyst", "viewer"}); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			_ = u.Disable("admin")
		}
		if _, err := repo.Save(ctx, u, meta); err != nil {
			t.Fatal(err)
		}
		k, _ := access.CreateAPIKey(fmt.Sprintf("apikey-%d", i), "k", "af_x", fmt.Sprintf("hash-%d", i), u.ID(), u.Username, 0, time.Now())
		if i%2 == 0 {
			_ = k.Revoke()
		}
		if _, err := repo.Save(ctx, k, meta); err != nil {
			t.Fatal(err)
		}
		var appends []eventstore.StreamAppend
		for _, e := range []es.Event{access.UserLoggedIn{SessionID: fmt.Sprint(i), UserID: u.ID(), Username: u.Username}, access.UserLoggedOut{SessionID: fmt.Sprint(i), UserID: u.ID()}} {
			p, _ := codec.Encode(e)
			appends = append(appends, eventstore.StreamAppend{StreamID: fmt.Sprintf("session-%d", i), StreamType: "session", ExpectedVersion: eventstore.AnyVersion, Events: []eventstore.Pending{p}, Metadata: meta})
		}
		p, _ := codec.Encode(monitor.OperationLogged{Method: "POST", Path: "/api/x", Status: 200, UserName: "admin"})
		appends = append(appends, eventstore.StreamAppend{StreamID: fmt.Sprintf("oplog-%d", i), StreamType: "operation", Events: []eventstore.Pending{p}, Metadata: meta})
		for _, a := range appends {
			if _, err := store.Append(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func snapshot(t *testing.T, pool *pgxpool.Pool, r *runner.Runner) string {
	t.Helper()
	s, err := runner.Snapshot(context.Background(), pool, r.Projections()...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// allEvents reads the whole store once every stored event is visible below the commit horizon
// (which is cluster-wide: other tests' transactions can hold it back briefly).
func allEvents(t *testing.T, store *eventstore.Store) []eventstore.Event {
	t.Helper()
	var stored int
	if err := store.Pool().QueryRow(context.Background(), `select count(*) from events`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var out []eventstore.Event
		var cur eventstore.Cursor
		for {
			evs, err := store.ReadAll(context.Background(), cur, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) == 0 {
				break
			}
			out = append(out, evs...)
			cur = cur.Next(evs[len(evs)-1])
		}
		if len(out) == stored {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d events visible", len(out), stored)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Every event delivered twice, in random order across and within streams, gives exactly the read
// models of a clean replay.
func TestDuplicatedShuffledDeliveryIntegration(t *testing.T) {
	t.Parallel()
	store, codec, r, _ := setup(t)
	seed(t, store, codec, 30)
	evs := allEvents(t, store)
	if len(evs) < 200 {
		t.Fatalf("seeded only %d events", len(evs))
	}
	ctx := context.Background()
	for _, p := range r.Projections() {
		if err := r.Replay(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	want := snapshot(t, store.Pool(), r)
	if strings.Count(want, "\n") < 100 {
		t.Fatalf("replay produced too few rows:\n%s", want)
	}
	for _, p := range r.Projections() {
		if err := resetOnly(ctx, store.Pool(), p); err != nil {
			t.Fatal(err)
		}
	}
	delivery := slices.Concat(evs, evs)
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(delivery), func(i, j int) { delivery[i], delivery[j] = delivery[j], delivery[i] })
	for _, e := range delivery {
		for _, p := range r.Projections() {
			if err := r.ApplyEvents(ctx, p, []eventstore.Event{e}, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := snapshot(t, store.Pool(), r); got != want {
		t.Fatalf("shuffled duplicate delivery differs from replay\n--- replay\n%s\n--- shuffled\n%s", want, got)
	}
}

func resetOnly(ctx context.Context, pool *pgxpool.Pool, p runner.Projection) error {
	for _, table := range p.Tables() {
		if _, err := pool.Exec(ctx, "truncate "+table); err != nil {
			return err
		}
	}
	_, err := pool.Exec(ctx, `delete from projection_streams where projection = $1`, p.Name())
	return err
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// The whole path through the real clients: store -> relay -> sarama/watermill -> embedded Kafka
// broker -> consumer groups -> projections.
func TestRelayToProjectionsThroughKafkaIntegration(t *testing.T) {
	t.Parallel()
	store, codec, r, hub := setup(t)
	ctx, rel := throughKafka(t, store, r)

	waitFor(t, 30*time.Second, r.CaughtUp)
	seed(t, store, codec, 10)
	evs := allEvents(t, store)
	w := runner.NewWaiter(store.Pool(), hub, nil, 30*time.Second) // no store fallback: Kafka must deliver
	last := map[string]int{}
	for _, e := range evs {
		last[e.StreamID] = e.Version
	}
	for stream, v := range last {
		ok, err := w.Await(ctx, es.Ref{StreamID: stream, Version: v}, audit.Name)
		if err != nil || !ok {
			t.Fatalf("audit did not apply %s v%d through Kafka: %v", stream, v, err)
		}
	}
	var rows int
	if err := store.Pool().QueryRow(ctx, `select count(*) from audit_events`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != len(evs) {
		t.Fatalf("audit has %d rows for %d events", rows, len(evs))
	}
	if !rel.Active() || rel.Published() < int64(len(evs)) {
		t.Fatalf("relay active=%v published=%d", rel.Active(), rel.Published())
	}
}

// throughKafka runs the relay and the runner over an embedded broker until the test ends; only
// Kafka delivers what is appended after start-up (the sweep is put off).
func throughKafka(t *testing.T, store *eventstore.Store, r *runner.Runner) (context.Context, *relay.Relay) {
	t.Helper()
	broker, err := bus.StartEmbedded(freeAddr(t), "")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := bus.NewPublisher([]string{broker.Addr}, "test-relay")
	if err != nil {
		broker.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rel := relay.New(store, pub, relay.Options{})
	done := make(chan struct{}, 2)
	go func() { _ = rel.Run(ctx); done <- struct{}{} }()
	r.SweepInterval = time.Hour
	go func() { _ = r.Run(ctx, []string{broker.Addr}); done <- struct{}{} }()
	t.Cleanup(func() {
		cancel()
		<-done
		<-done
		pub.Close()
		broker.Close()
	})
	return ctx, rel
}

func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// With no broker delivering at all, read-your-writes still holds: the waiter applies the stream
// from the store after its nudge delay.
func TestWaiterAppliesFromStoreWhenKafkaIsSlowIntegration(t *testing.T) {
	t.Parallel()
	store, codec, r, hub := setup(t)
	seed(t, store, codec, 1)
	w := runner.NewWaiter(store.Pool(), hub, r, 5*time.Second)
	w.Nudge = 50 * time.Millisecond
	start := time.Now()
	ok, err := w.Await(context.Background(), es.Ref{StreamID: "user-0", Version: 4}, accessproj.Name, audit.Name)
	if err != nil || !ok {
		t.Fatalf("await: %v %v", ok, err)
	}
	if time.Since(start) > 3*time.Second {
		t.Fatalf("await took %s", time.Since(start))
	}
	var status string
	if err := store.Pool().QueryRow(context.Background(), `select status from access_users where id = 'user-0'`).Scan(&status); err != nil || status != "disabled" {
		t.Fatalf("user row: %q %v", status, err)
	}
}

// A projection that skips a fact type gets neither a row nor a watermark for it, from Kafka or
// from the store, while its applied position still passes it; the projections that handle the
// fact apply it as before.
func TestSkippedFactsPassOverIntegration(t *testing.T) {
	t.Parallel()
	store, codec, r, hub := setup(t)
	ctx, _ := throughKafka(t, store, r)
	waitFor(t, 30*time.Second, r.CaughtUp)

	meta := es.Metadata{ActorName: "node"}
	beat, _ := codec.Encode(monitor.ReplicaHeartbeat{NodeID: "n1", HTTPAddr: "127.0.0.1:1"})
	beats, err := store.Append(ctx, eventstore.StreamAppend{StreamID: "replica-n1", StreamType: "replica", ExpectedVersion: eventstore.AnyVersion,
		Events: []eventstore.Pending{beat}, Metadata: meta})
	if err != nil {
		t.Fatal(err)
	}
	op, _ := codec.Encode(monitor.OperationLogged{Method: "POST", Path: "/api/x", Status: 200})
	ops, err := store.Append(ctx, eventstore.StreamAppend{StreamID: "oplog-after", StreamType: "operation", Events: []eventstore.Pending{op}, Metadata: meta})
	if err != nil {
		t.Fatal(err)
	}
	w := runner.NewWaiter(store.Pool(), hub, nil, 30*time.Second)
	if ok, err := w.Await(ctx, es.Ref{StreamID: ops[0].StreamID, Version: ops[0].Version}, audit.Name, monitorproj.Name); !ok || err != nil {
		t.Fatalf("operation log not applied: %v", err)
	}
	if ok, err := w.Await(ctx, es.Ref{StreamID: beats[0].StreamID, Version: beats[0].Version}, monitorproj.Name); !ok || err != nil {
		t.Fatalf("monitor did not apply the heartbeat: %v", err)
	}
	waitFor(t, 10*time.Second, func() bool { return r.AppliedPosition(audit.Name) >= beats[0].Position })
	for _, e := range allEvents(t, store) { // the store path (catch-up, sweep) passes over it too
		if err := r.ApplyEvents(ctx, audit.Projection{}, []eventstore.Event{e}, nil); err != nil {
			t.Fatal(err)
		}
	}
	var watermarks, rows int
	if err := store.Pool().QueryRow(ctx, `select count(*) from projection_streams where projection = $1 and stream_id = 'replica-n1'`, audit.Name).Scan(&watermarks); err != nil {
		t.Fatal(err)
	}
	if err := store.Pool().QueryRow(ctx, `select count(*) from audit_events where type = 'monitor.replica_heartbeat'`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if watermarks != 0 || rows != 0 {
		t.Fatalf("audit kept %d watermarks and %d rows of a skipped fact", watermarks, rows)
	}
	if err := store.Pool().QueryRow(ctx, `select count(*) from audit_events where stream_id = 'oplog-after'`).Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("audit rows of the operation log: %d %v", rows, err)
	}
}
