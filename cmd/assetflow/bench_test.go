package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	es "assetflow/domain/eventsourcing"
	"assetflow/domain/monitor"
	"assetflow/infrastructure/bus"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/postgres/pgtest"
	"assetflow/infrastructure/relay"
	"assetflow/projections/audit"
	"assetflow/projections/runner"
)

// Benchmarks of the spine; `make bench` runs them and records the numbers in docs/benchmarks.md.

func benchStore(b *testing.B) *eventstore.Store {
	b.Helper()
	return eventstore.New(pgtest.NewPool(b, migrations()...))
}

func factBatch(codec *eventstore.Codec, n int) []eventstore.StreamAppend {
	out := make([]eventstore.StreamAppend, n)
	for i := range out {
		p, _ := codec.Encode(monitor.OperationLogged{UserName: "bench", Method: "POST", Path: "/api/x", Status: 200, DurationMs: 3, ClientIP: "127.0.0.1", Summary: `{"name":"x"}`})
		out[i] = eventstore.StreamAppend{StreamID: "oplog-" + uuid.NewString(), StreamType: "operation", ExpectedVersion: eventstore.AnyVersion,
			Events: []eventstore.Pending{p}, Metadata: eventsMeta}
	}
	return out
}

var eventsMeta = es.Metadata{ActorID: "u", ActorName: "bench", ClientIP: "127.0.0.1"}

// BenchmarkAppendBatch appends batches of 500 single-event streams through the store (stream-head
// lookup, hash chain, COPY, notify), as the fact appender does.
func BenchmarkAppendBatch(b *testing.B) {
	s := benchStore(b)
	codec := eventstore.NewCodec(allEvents()...)
	ctx := context.Background()
	const batch = 500
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		appends := factBatch(codec, batch)
		b.StartTimer()
		if _, err := s.Append(ctx, appends...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRawInsertBaseline inserts the same rows into a table of the same shape with one
// multi-row INSERT per batch and nothing else: the ceiling the store is measured against.
func BenchmarkRawInsertBaseline(b *testing.B) {
	s := benchStore(b)
	codec := eventstore.NewCodec(allEvents()...)
	ctx := context.Background()
	if _, err := s.Pool().Exec(ctx, `create table events_raw (like events including all)`); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `create sequence events_raw_seq; alter table events_raw alter column position set default nextval('events_raw_seq')`); err != nil {
		b.Fatal(err)
	}
	const batch = 500
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		appends := factBatch(codec, batch)
		sql := `insert into events_raw (id, stream_id, stream_type, version, type, schema_version, payload, metadata, occurred_at, hash) values `
		args := make([]any, 0, batch*10)
		for j, a := range appends {
			if j > 0 {
				sql += ","
			}
			n := len(args)
			sql += fmt.Sprintf("($%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10)
			args = append(args, uuid.NewString(), a.StreamID, a.StreamType, 1, a.Events[0].Type, 1, string(a.Events[0].Payload), `{"actorId":"u"}`, time.Now(), "0000")
		}
		b.StartTimer()
		if _, err := s.Pool().Exec(ctx, sql, args...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRelayThroughput publishes a backlog of 20,000 events to the embedded broker through the
// real sarama/watermill producer.
func BenchmarkRelayThroughput(b *testing.B) {
	s := benchStore(b)
	codec := eventstore.NewCodec(allEvents()...)
	ctx := context.Background()
	const backlog = 20000
	for i := 0; i < backlog/500; i++ {
		if _, err := s.Append(ctx, factBatch(codec, 500)...); err != nil {
			b.Fatal(err)
		}
	}
	broker, err := bus.StartEmbedded(freePort(b), "")
	if err != nil {
		b.Fatal(err)
	}
	defer broker.Close()
	pub, err := bus.NewPublisher([]string{broker.Addr}, "bench")
	if err != nil {
		b.Fatal(err)
	}
	defer pub.Close()
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		if _, err := s.Pool().Exec(ctx, `delete from relay_checkpoints`); err != nil {
			b.Fatal(err)
		}
		rel := relay.New(s, pub, relay.Options{Name: fmt.Sprintf("bench-%d", i)})
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		start := time.Now()
		go func() { _ = rel.Run(rctx); close(done) }()
		for rel.Published() < backlog {
			time.Sleep(time.Millisecond)
		}
		total += time.Since(start)
		cancel()
		<-done
	}
	b.ReportMetric(float64(b.N*backlog)/total.Seconds(), "events/s")
}

// BenchmarkEndToEndLag appends 1,000 events/s for 10 s (in 20 ms slices of 20 facts, as the fact
// appender would) and measures append -> audit row committed through relay, Kafka and the consumer.
func BenchmarkEndToEndLag(b *testing.B) {
	for i := 0; i < b.N; i++ {
		p50, p99, n := endToEndLag(b, 1000, 10*time.Second)
		b.ReportMetric(p50, "p50-ms")
		b.ReportMetric(p99, "p99-ms")
		b.ReportMetric(float64(n), "events")
	}
}

func endToEndLag(b *testing.B, rate int, dur time.Duration) (p50, p99 float64, n int) {
	s := benchStore(b)
	codec := eventstore.NewCodec(allEvents()...)
	broker, err := bus.StartEmbedded(freePort(b), "")
	if err != nil {
		b.Fatal(err)
	}
	defer broker.Close()
	pub, err := bus.NewPublisher([]string{broker.Addr}, "bench")
	if err != nil {
		b.Fatal(err)
	}
	defer pub.Close()
	hub := runner.NewHub()
	run := runner.New(s, hub, audit.Projection{})
	run.SweepInterval = time.Hour
	var mu sync.Mutex
	var lags []float64
	run.OnApplied = func(_ string, e eventstore.Event) {
		mu.Lock()
		lags = append(lags, float64(time.Since(e.OccurredAt).Microseconds())/1000)
		mu.Unlock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	rel := relay.New(s, pub, relay.Options{PollInterval: 20 * time.Millisecond})
	go func() { defer wg.Done(); _ = rel.Run(ctx) }()
	go func() { defer wg.Done(); _ = run.Run(ctx, []string{broker.Addr}) }()
	for !run.CaughtUp() {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // consumer groups joined
	tick := time.NewTicker(20 * time.Millisecond)
	per := rate / 50
	sent := 0
	end := time.Now().Add(dur)
	for time.Now().Before(end) {
		<-tick.C
		if _, err := s.Append(ctx, factBatch(codec, per)...); err != nil {
			b.Fatal(err)
		}
		sent += per
	}
	tick.Stop()
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		got := len(lags)
		mu.Unlock()
		if got >= sent || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(lags) < sent {
		b.Fatalf("only %d of %d events reached the projection", len(lags), sent)
	}
	slices.Sort(lags)
	return lags[len(lags)/2], lags[len(lags)*99/100], len(lags)
}

// BenchmarkCommandRoundTrip runs 50 concurrent clients updating users through the HTTP API, each
// command waiting for its read model (read-your-writes), against the real server process.
func BenchmarkCommandRoundTrip(b *testing.B) {
	benchClients(b, func(srv *server, token, id string, i int64) (int, map[string]any) {
		return srv.call("PUT", "/api/system/users/"+id, token, map[string]any{"displayName": fmt.Sprintf("B %d", i), "email": "", "roles": []string{"viewer"}})
	})
}

// BenchmarkReadRoundTripBaseline is the same 50 clients reading the same user: the cost of HTTP,
// authentication and one read-model query, without a command or a wait.
func BenchmarkReadRoundTripBaseline(b *testing.B) {
	benchClients(b, func(srv *server, token, id string, _ int64) (int, map[string]any) {
		return srv.call("GET", "/api/system/users/"+id, token, nil)
	})
}

func benchClients(b *testing.B, op func(srv *server, token, id string, i int64) (int, map[string]any)) {
	srv := newAPIServer(b)
	token := srv.login()
	const clients = 50
	ids := make([]string, clients)
	for i := range ids {
		code, out := srv.call("POST", "/api/system/users", token, map[string]any{"username": fmt.Sprintf("bench%d", i), "password": "bench-pass-1", "roles": []string{"viewer"}})
		if code != 201 {
			b.Fatalf("create: %d %v", code, out)
		}
		ids[i] = data(out)["id"].(string)
	}
	var next atomic.Int64
	var mu sync.Mutex
	var lat []float64
	b.ResetTimer()
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				start := time.Now()
				if code, out := op(srv, token, ids[c], i); code != 200 {
					b.Errorf("status %d %v", code, out)
					return
				}
				mu.Lock()
				lat = append(lat, float64(time.Since(start).Microseconds())/1000)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(lat[len(lat)/2], "p50-ms")
		b.ReportMetric(lat[len(lat)*99/100], "p99-ms")
		b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "requests/s")
	}
}

// BenchmarkCatalogCollect10k collects 10,000 tables × 20 columns from PostgreSQL through the
// server: from POST /api/catalog/collect until every table is in the catalog read model and
// searchable. Reports seconds and the server's peak resident memory.
func BenchmarkCatalogCollect10k(b *testing.B) {
	const tables, cols = 10000, 20
	src := pgtest.NewDatabase(b)
	if err := pgtest.CreateWideTables(context.Background(), src, tables, cols); err != nil {
		b.Fatal(err)
	}
	srcDB := src[strings.LastIndex(src, "/")+1 : strings.Index(src, "?")]
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv := newAPIServer(b)
		token := srv.login()
		_, out := srv.call("POST", "/api/datasources", token, map[string]any{"name": "big", "type": "postgresql", "host": "127.0.0.1", "port": 5432,
			"database": srcDB, "username": "postgres"})
		ds := data(out)["id"].(string)
		b.StartTimer()
		start := time.Now()
		code, out := srv.call("POST", "/api/catalog/collect", token, map[string]any{"datasource_id": ds})
		if code != 202 {
			b.Fatalf("collect: %d %v", code, out)
		}
		run := data(out)["run_id"].(string)
		for {
			_, out = srv.call("GET", "/api/catalog/runs/"+run, token, nil)
			if st := data(out)["status"]; st != "running" {
				if st != "succeeded" {
					b.Fatalf("run: %v", out)
				}
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		for {
			_, out = srv.call("GET", "/api/catalog/tables?q=bt09999&datasource_id="+ds, token, nil)
			_, all := srv.call("GET", "/api/catalog/tables?page_size=1&datasource_id="+ds, token, nil)
			if out["meta"].(map[string]any)["total"].(float64) == 1 && all["meta"].(map[string]any)["total"].(float64) == tables {
				break
			}
			if time.Since(start) > 10*time.Minute {
				b.Fatalf("catalog incomplete after 10 minutes: %v", all["meta"])
			}
			time.Sleep(200 * time.Millisecond)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		b.ReportMetric(elapsed.Seconds(), "s/collection")
		b.ReportMetric(float64(peakRSS(b, srv.cmd.Process.Pid))/(1<<20), "peak-RSS-MB")
		srv.stop()
		b.StartTimer()
	}
}

// peakRSS reads a process's high-water resident set size (VmHWM) in bytes.
func peakRSS(b *testing.B, pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb)
			return kb << 10
		}
	}
	return 0
}
