package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib"

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

// exportSource creates a 1,000,000-row × 10-column table for the export benchmarks, once.
var exportSourceOnce = struct {
	sync.Once
	url string
	err error
}{}

func exportSource(b *testing.B) string {
	exportSourceOnce.Do(func() {
		url := pgtest.ServerURL() + "/afbench_export?sslmode=disable"
		ctx := context.Background()
		admin, err := pgx.Connect(ctx, pgtest.ServerURL()+"/postgres?sslmode=disable")
		if err != nil {
			exportSourceOnce.err = err
			return
		}
		defer admin.Close(ctx)
		_, _ = admin.Exec(ctx, "drop database if exists afbench_export with (force)")
		if _, err := admin.Exec(ctx, "create database afbench_export"); err != nil {
			exportSourceOnce.err = err
			return
		}
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			exportSourceOnce.err = err
			return
		}
		defer conn.Close(ctx)
		_, exportSourceOnce.err = conn.Exec(ctx, `create table wide as select g as id, g * 2 as c2, 'name ' || g as c3, md5(g::text) as c4,
			g % 1000 as c5, (g % 97)::numeric / 7 as c6, now() - (g || ' seconds')::interval as c7, g % 2 = 0 as c8,
			'text, with "quotes" ' || g as c9, case when g % 10 = 0 then null else g end as c10 from generate_series(1, 1000000) g`)
		exportSourceOnce.url = url
	})
	if exportSourceOnce.err != nil {
		b.Fatal(exportSourceOnce.err)
	}
	return exportSourceOnce.url
}

const exportSQL = `select id, c2, c3, c4, c5, c6, c7, c8, c9, c10 from wide order by id`

// BenchmarkExportMillionRows streams 1,000,000 rows × 10 columns to CSV through the API (as an admin
// raising the cap) and reports rows/s and the server's peak RSS.
func BenchmarkExportMillionRows(b *testing.B) {
	src := exportSource(b)
	srv := newAPIServer(b)
	token := srv.login()
	_, out := srv.call("POST", "/api/datasources", token, map[string]any{"name": "export", "type": "postgresql", "host": "127.0.0.1", "port": 5432,
		"database": "afbench_export", "username": "postgres", "query_timeout_seconds": 600})
	ds := data(out)["id"].(string)
	_ = src
	body, _ := json.Marshal(map[string]any{"datasource_id": ds, "sql": exportSQL, "max_rows": 1000000})
	b.ResetTimer()
	var total int64
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("POST", "http://"+srv.addr+"/api/dataservice/query/export", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || n < 50<<20 {
			b.Fatalf("export: %d, %d bytes", resp.StatusCode, n)
		}
		total += n
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)*1e6/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(total)/float64(b.N)/(1<<20), "MB/export")
	b.ReportMetric(float64(peakRSS(b, srv.cmd.Process.Pid))/(1<<20), "peak-RSS-MB")
}

// BenchmarkExportMillionRowsPsqlBaseline runs psql's \copy of the same query to stdout.
func BenchmarkExportMillionRowsPsqlBaseline(b *testing.B) {
	exportSource(b)
	for i := 0; i < b.N; i++ {
		cmd := exec.Command("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "afbench_export", "-c", `\copy (`+exportSQL+`) to stdout csv header`)
		cmd.Stdout = io.Discard
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*1e6/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkQueryAPITrivial: `select 1` through POST /api/dataservice/query (auth, template, parse,
// guard rails, paging, log) from 3 clients (the per-user limit); BenchmarkQueryDriverTrivialBaseline runs the same
// statement on the bare driver.
func BenchmarkQueryAPITrivial(b *testing.B) {
	srv := newAPIServer(b)
	token := srv.login()
	_, out := srv.call("POST", "/api/datasources", token, map[string]any{"name": "trivial", "type": "postgresql", "host": "127.0.0.1", "port": 5432,
		"database": "postgres", "username": "postgres"})
	ds := data(out)["id"].(string)
	lat := benchParallel(b, 3, func() error {
		code, out := srv.call("POST", "/api/dataservice/query", token, map[string]any{"datasource_id": ds, "sql": "select 1"})
		if code != 200 {
			return fmt.Errorf("query: %d %v", code, out)
		}
		return nil
	})
	reportLatency(b, lat)
}

func BenchmarkQueryDriverTrivialBaseline(b *testing.B) {
	db, err := sql.Open("pgx", pgtest.ServerURL()+"/postgres?sslmode=disable")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(3)
	lat := benchParallel(b, 3, func() error {
		var one int
		return db.QueryRow("select 1").Scan(&one)
	})
	reportLatency(b, lat)
}

func benchParallel(b *testing.B, workers int, op func() error) []time.Duration {
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				start := time.Now()
				if err := op(); err != nil {
					b.Error(err)
					return
				}
				mu.Lock()
				lat = append(lat, time.Since(start))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	return lat
}

func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "requests/s")
}
