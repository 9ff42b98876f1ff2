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
			InterfaceCalled: domain.InterfaceCalled{Code: "sales", Version: "1.0.0", CallerName: "bi", ClientIP: "10.0.0.1",
				Status: 200, Rows: i, LatencyMs: 1.5, CacheHit: i%2 == 0, Execute: "query", Params: json.RawMessage(fmt.Sprintf(`{"min":%d}`, i))}}
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
