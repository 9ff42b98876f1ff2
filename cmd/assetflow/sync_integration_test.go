package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	appint "assetflow/application/integration"
	"assetflow/domain/datasource"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
	"assetflow/domain/integration"
	"assetflow/infrastructure/connectors"
	"assetflow/infrastructure/postgres/pgtest"
	"assetflow/infrastructure/scheduler"
)

// The sync engine against real MariaDB and PostgreSQL, with the event store and locks in memory:
// what these tests check is what lands in the target databases and which events say so.

type memAggregates struct {
	mu      sync.Mutex
	streams map[string][]es.Event
}

func (m *memAggregates) Load(_ context.Context, id string, agg es.Aggregate) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	evs := m.streams[id]
	agg.Bookkeeping().SetID(id)
	es.Replay(agg, len(evs), evs...)
	return nil
}

func (m *memAggregates) Commit(_ context.Context, agg es.Aggregate, _ es.Metadata) (es.Ref, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := agg.Bookkeeping()
	if len(m.streams[r.ID()]) != r.Version() {
		return es.Ref{}, fault.Conflict("stale")
	}
	m.streams[r.ID()] = append(m.streams[r.ID()], r.Changes()...)
	v := len(m.streams[r.ID()])
	r.Committed(v)
	return es.Ref{StreamID: r.ID(), Version: v}, nil
}

type memRecorder struct {
	mu     sync.Mutex
	events []es.Event
}

func (m *memRecorder) Record(_ context.Context, streamID, _ string, e es.Event, _ es.Metadata) (es.Ref, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, e)
	return es.Ref{StreamID: streamID, Version: len(m.events)}, nil
}

func (m *memRecorder) ofRun(runID string) []es.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []es.Event
	for _, e := range m.events {
		switch v := e.(type) {
		case integration.RunStarted:
			if v.RunID == runID {
				out = append(out, e)
			}
		case integration.ChunkCommitted:
			if v.RunID == runID {
				out = append(out, e)
			}
		case integration.RunCompleted:
			if v.RunID == runID {
				out = append(out, e)
			}
		case integration.RunFailed:
			if v.RunID == runID {
				out = append(out, e)
			}
		}
	}
	return out
}

type memLocks struct {
	mu   sync.Mutex
	held map[string]bool
}

func (l *memLocks) TryLock(_ context.Context, key string) (func(), bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[key] {
		return nil, false, nil
	}
	l.held[key] = true
	return func() { l.mu.Lock(); delete(l.held, key); l.mu.Unlock() }, true, nil
}

func (l *memLocks) Held(_ context.Context, key string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.held[key], nil
}

type noRuns struct{}

func (noRuns) RunningRuns(context.Context, string) ([]string, error)           { return nil, nil }
func (noRuns) QueuedRuns(context.Context, string, time.Time) ([]string, error) { return nil, nil }
func (noRuns) SilentRuns(context.Context, time.Time) ([]appint.RunRef, error) {
	return nil, nil
}

// testEndpoints are named connectors with their engine types, checked per scope and made targets
// the way the server does (syncTarget).
type testEndpoints struct {
	conns map[string]connectors.Connector
	types map[string]datasource.Type
}

func (e testEndpoints) add(id string, typ datasource.Type, c connectors.Connector) {
	e.conns[id], e.types[id] = c, typ
}

func (e testEndpoints) Source(_ context.Context, id string, spec integration.Spec) (appint.Source, error) {
	c, ok := e.conns[id]
	if !ok {
		return nil, fault.NotFound("datasource", id)
	}
	if err := integration.CheckEngine(spec.Scope, string(e.types[id]), true); err != nil {
		return nil, err
	}
	return c.(appint.Source), nil
}

func (e testEndpoints) Target(_ context.Context, id string, spec integration.Spec) (appint.Target, error) {
	c, ok := e.conns[id]
	if !ok {
		return nil, fault.NotFound("datasource", id)
	}
	if err := integration.CheckEngine(spec.Scope, string(e.types[id]), false); err != nil {
		return nil, err
	}
	return syncTarget(c, spec, time.Now())
}

// syncRig is a MariaDB database and a PostgreSQL database, both empty, with connectors named
// "maria" and "pg", and a sync service over them.
type syncRig struct {
	t      *testing.T
	maria  *sql.DB // root connection to the test database
	mdb    string
	pg     *pgxpool.Pool
	svc    *appint.Service
	events *memRecorder
	ends   testEndpoints
}

func newSyncRig(t *testing.T) *syncRig {
	t.Helper()
	pgURL := pgtest.NewDatabase(t) // skips under -short
	ctx := context.Background()
	root, err := sqlOpenMaria()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	mdb := "aft_sync_" + strings.ReplaceAll(uuidString(), "-", "")[:12]
	if _, err := root.Exec("create database " + mdb); err != nil {
		t.Fatalf("MariaDB on 127.0.0.1:3306: %v", err)
	}
	t.Cleanup(func() { _, _ = root.Exec("drop database if exists " + mdb) })
	maria, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/"+mdb+"?multiStatements=true&parseTime=true")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { maria.Close() })
	pool, err := pgxpool.New(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	u, _ := url.Parse(pgURL)
	mc, err := connectors.Open(connectors.Settings{Type: datasource.MariaDB, Host: "127.0.0.1", Port: 3306, Database: mdb, Username: "root"})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := connectors.Open(connectors.Settings{Type: datasource.PostgreSQL, Host: "127.0.0.1", Port: 5432, Database: strings.TrimPrefix(u.Path, "/"), Username: "postgres"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mc.Close(); pc.Close() })
	rec := &memRecorder{}
	ends := testEndpoints{conns: map[string]connectors.Connector{}, types: map[string]datasource.Type{}}
	ends.add("maria", datasource.MariaDB, mc)
	ends.add("pg", datasource.PostgreSQL, pc)
	svc := appint.NewService(&memAggregates{streams: map[string][]es.Event{}}, rec, &memLocks{held: map[string]bool{}},
		ends, noRuns{}, scheduler.ValidCron)
	return &syncRig{t: t, maria: maria, mdb: mdb, pg: pool, svc: svc, events: rec, ends: ends}
}

func (r *syncRig) mariaExec(q string, args ...any) {
	r.t.Helper()
	if _, err := r.maria.Exec(q, args...); err != nil {
		r.t.Fatalf("%s: %v", q, err)
	}
}

func (r *syncRig) pgExec(q string, args ...any) {
	r.t.Helper()
	if _, err := r.pg.Exec(context.Background(), q, args...); err != nil {
		r.t.Fatalf("%s: %v", q, err)
	}
}

func (r *syncRig) mariaString(q string, args ...any) string {
	r.t.Helper()
	var s sql.NullString
	if err := r.maria.QueryRow(q, args...).Scan(&s); err != nil {
		r.t.Fatalf("%s: %v", q, err)
	}
	return s.String
}

func (r *syncRig) pgString(q string, args ...any) string {
	r.t.Helper()
	var s *string
	if err := r.pg.QueryRow(context.Background(), q, args...).Scan(&s); err != nil {
		r.t.Fatalf("%s: %v", q, err)
	}
	if s == nil {
		return ""
	}
	return *s
}

func (r *syncRig) create(spec integration.Spec) string {
	r.t.Helper()
	ref, err := r.svc.Create(context.Background(), spec, es.Metadata{ActorID: "u1", ActorName: "tester"})
	if err != nil {
		r.t.Fatalf("create task: %v", err)
	}
	return ref.StreamID
}

// run starts a run, waits for it and returns its end event (RunCompleted or RunFailed).
func (r *syncRig) run(taskID string) (string, es.Event) {
	r.t.Helper()
	runID, _, err := r.svc.Run(context.Background(), taskID, appint.TriggerManual, es.Metadata{ActorID: "u1"})
	if err != nil {
		r.t.Fatalf("start run: %v", err)
	}
	r.svc.Wait()
	evs := r.events.ofRun(runID)
	return runID, evs[len(evs)-1]
}

func (r *syncRig) mustSucceed(taskID string) (string, integration.RunCompleted) {
	r.t.Helper()
	runID, end := r.run(taskID)
	done, ok := end.(integration.RunCompleted)
	if !ok {
		r.t.Fatalf("run ended with %#v", end)
	}
	return runID, done
}

func (r *syncRig) chunks(runID string) []integration.ChunkCommitted {
	var out []integration.ChunkCommitted
	for _, e := range r.events.ofRun(runID) {
		if c, ok := e.(integration.ChunkCommitted); ok {
			out = append(out, c)
		}
	}
	return out
}

// checksum of a table in either engine: count, sum of ids and md5 of the concatenated text form
// of the given columns ordered by id.
func (r *syncRig) mariaChecksum(table, expr string) string {
	return r.mariaString(fmt.Sprintf("set statement group_concat_max_len = 1073741824 for select concat(count(*), ':', md5(group_concat(%s order by id separator '|'))) from %s", expr, table))
}

func (r *syncRig) pgChecksum(table, expr string) string {
	return r.pgString(fmt.Sprintf("select count(*) || ':' || md5(string_agg(%s, '|' order by id)) from %s", expr, table))
}
