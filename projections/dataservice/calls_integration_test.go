package dataservice_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	domain "assetflow/domain/dataservice"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/postgres"
	"assetflow/infrastructure/postgres/pgtest"
	"assetflow/projections/dataservice"
)

// A batch of calls lands row for row; the same batch applied again (a replay over kept rows, some
// calls already there) passes over what is stored and adds the rest, without an error.
func TestCallsBatchIntegration(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t, dataservice.Projection{}.Migration())
	ctx := context.Background()
	at := time.Date(2026, 11, 28, 5, 0, 0, 0, time.UTC)
	var calls []domain.RecordedCall
	for i := range 300 {
		c := domain.RecordedCall{CallID: uuid.Must(uuid.NewV7()).String(), At: at.Add(time.Duration(i) * time.Millisecond),
			InterfaceCalled: domain.InterfaceCalled{CallShape: domain.CallShape{Code: "sales", Version: "1.0.0", CallerName: "bi", ClientIP: "10.0.0.1",
				Status: 200, Execute: "query", Params: json.RawMessage(fmt.Sprintf(`{"min":%d}`, i))}, Rows: i, LatencyMs: 1.5, CacheHit: i%2 == 0}}
		if i%10 == 0 {
			c.Params, c.Status, c.ErrorCode, c.Error = nil, 400, "INVALID_PARAM", "min must be at least 1"
		}
		calls = append(calls, c)
	}
	apply := func(batch []domain.RecordedCall) {
		t.Helper()
		payload, _ := json.Marshal(domain.CallsRecorded{Calls: batch})
		e := eventstore.Event{ID: uuid.NewString(), StreamID: "calls-x", Version: 1, Type: domain.CallsRecorded{}.EventType(), Payload: payload, OccurredAt: at}
		if err := postgres.InTx(ctx, pool, func(tx pgx.Tx) error { return dataservice.Projection{}.Apply(ctx, tx, e) }); err != nil {
			t.Fatal(err)
		}
	}
	apply(calls[:200])
	apply(calls[100:]) // 100 stored already, 100 new
	var n, errs, nullParams, rows int
	var params string
	if err := pool.QueryRow(ctx, `select count(*), count(*) filter (where status = 400 and error_code = 'INVALID_PARAM'),
		count(*) filter (where params is null), sum(rows) from dataservice_calls`).Scan(&n, &errs, &nullParams, &rows); err != nil {
		t.Fatal(err)
	}
	if n != 300 || errs != 30 || nullParams != 30 || rows != 299*300/2 {
		t.Fatalf("stored %d calls, %d errors, %d without params, rows sum %d", n, errs, nullParams, rows)
	}
	if err := pool.QueryRow(ctx, `select params::text from dataservice_calls where event_id = $1`, calls[7].CallID).Scan(&params); err != nil || params != `{"min": 7}` {
		t.Fatalf("params %q %v", params, err)
	}
}

// A compact batch (shapes once, a row of numbers per call) lands as the same rows a batch of whole
// calls would; applied again it adds nothing, since each call's id comes from the event's. A row
// naming a shape the batch lacks fails the event and stores none of it.
func TestCompactCallsIntegration(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t, dataservice.Projection{}.Migration())
	ctx := context.Background()
	at := time.Date(2026, 11, 28, 5, 0, 0, 123456000, time.UTC)
	batch := domain.NewCallsRecorded(at)
	batch.Shapes = []domain.CallShape{
		{Code: "sales", Version: "1.0.0", CallerName: "bi", ClientIP: "10.0.0.1", Params: json.RawMessage(`{"min":3}`), Status: 200, Execute: "query"},
		{Code: "sales", Version: "1.0.0", CallerName: "bi", ClientIP: "10.0.0.1", Status: 400, ErrorCode: "INVALID_PARAM", Error: "min must be at least 1", Execute: "query"},
	}
	for i := range 500 {
		batch.Add(i%5/4, at.Add(time.Duration(i)*time.Millisecond), i, time.Duration(i)*time.Microsecond+1500*time.Microsecond, i%2 == 0)
	}
	apply := func(id string, b domain.CallsRecorded) error {
		payload, _ := json.Marshal(b)
		e := eventstore.Event{ID: id, StreamID: "calls-x", Version: 1, Type: domain.CallsRecorded{}.EventType(), Payload: payload, OccurredAt: at}
		return postgres.InTx(ctx, pool, func(tx pgx.Tx) error { return dataservice.Projection{}.Apply(ctx, tx, e) })
	}
	eventID := uuid.Must(uuid.NewV7()).String()
	for range 2 {
		if err := apply(eventID, batch); err != nil {
			t.Fatal(err)
		}
	}
	var n, ids, errs, hits, rows int
	var first, last time.Time
	var latency float64
	if err := pool.QueryRow(ctx, `select count(*), count(distinct event_id), count(*) filter (where status = 400 and error_code = 'INVALID_PARAM'
		and params is null), count(*) filter (where cache_hit), sum(rows), min(occurred_at), max(occurred_at), max(latency_ms) from dataservice_calls`).
		Scan(&n, &ids, &errs, &hits, &rows, &first, &last, &latency); err != nil {
		t.Fatal(err)
	}
	if n != 500 || ids != 500 || errs != 100 || hits != 250 || rows != 499*500/2 || !first.Equal(at) || !last.Equal(at.Add(499*time.Millisecond)) || latency != 1.999 {
		t.Fatalf("stored %d calls (%d ids), %d errors, %d hits, rows sum %d, from %v to %v, latency %v", n, ids, errs, hits, rows, first, last, latency)
	}
	var params string
	if err := pool.QueryRow(ctx, `select params::text from dataservice_calls where rows = 7`).Scan(&params); err != nil || params != `{"min": 3}` {
		t.Fatalf("params %q %v", params, err)
	}

	bad := domain.NewCallsRecorded(at)
	bad.Shapes = batch.Shapes[:1]
	bad.Add(0, at, 1, time.Millisecond, false)
	bad.Add(1, at, 1, time.Millisecond, false)
	if err := apply(uuid.Must(uuid.NewV7()).String(), bad); err == nil {
		t.Fatal("a row naming a missing shape was applied")
	}
	if err := pool.QueryRow(ctx, `select count(*) from dataservice_calls`).Scan(&n); err != nil || n != 500 {
		t.Fatalf("after the bad batch: %d calls, %v", n, err)
	}
}
