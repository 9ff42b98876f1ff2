package lineage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"assetflow/domain/fault"
	domain "assetflow/domain/lineage"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/postgres/pgtest"
	"assetflow/projections/lineage"
)

func apply(t testing.TB, pool *pgxpool.Pool, evs ...any) {
	t.Helper()
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, ev := range evs {
		payload, _ := json.Marshal(ev)
		typ := ev.(interface{ EventType() string }).EventType()
		if err := (lineage.Projection{}).Apply(ctx, tx, eventstore.Event{Type: typ, Payload: payload, OccurredAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

func found(origin, from, to, level, kind string) domain.EdgeFound {
	return domain.EdgeFound{Origin: origin, OriginKind: domain.OriginETL, Edge: domain.Edge{From: from, To: to, Level: level, Kind: kind}}
}

func ids(g lineage.Graph) string {
	var out []string
	for _, n := range g.Nodes {
		out = append(out, fmt.Sprintf("%s@%d", n.ID, n.Depth))
	}
	return strings.Join(out, " ")
}

func TestLineageGraphIntegration(t *testing.T) {
	pool := pgtest.NewPool(t, lineage.Projection{}.Migration())
	ctx := context.Background()
	tl, col := domain.LevelTable, domain.LevelColumn
	apply(t, pool,
		found("j1", "pg.ods.a", "pg.dw.b", tl, domain.KindDirect),
		found("j2", "pg.dw.b", "pg.dw.c", tl, domain.KindDirect),
		found("j3", "pg.dw.c", "pg.ods.a", tl, domain.KindDirect), // a cycle a → b → c → a
		found("j4", "pg.ods.d", "pg.dw.b", tl, domain.KindDirect),
		found("j5", "pg.dw.c", "api:sales_daily", tl, domain.KindDirect),
		found("j1", "pg.ods.a.id", "pg.dw.b.id", col, domain.KindDirect),
		found("j1", "pg.ods.a.amt", "pg.dw.b.total", col, domain.KindDirect),
		found("j1", "pg.ods.a.flag", "pg.dw.b.total", col, domain.KindIndirect),
		found("j2", "pg.dw.b.total", "pg.dw.c.total", col, domain.KindDirect),
		found("j9", "pg.dw.b.total", "pg.dw.c.total", col, domain.KindDirect), // a second origin of the same edge
	)
	q := lineage.Queries{Pool: pool}

	g, err := q.Graph(ctx, lineage.GraphQuery{Node: "pg.dw.b", Direction: "down", Depth: 5})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(g); got != "pg.dw.b@0 pg.dw.c@1 api:sales_daily@2 pg.ods.a@2" {
		t.Fatalf("down through the cycle: %s", got)
	}
	if len(g.Edges) != 4 { // b→c, c→api, c→a, a→b (closing the cycle)
		t.Fatalf("edges: %+v", g.Edges)
	}

	g, _ = q.Graph(ctx, lineage.GraphQuery{Node: "pg.dw.b", Direction: "up", Depth: 1})
	if got := ids(g); got != "pg.ods.a@-1 pg.ods.d@-1 pg.dw.b@0" {
		t.Fatalf("up one hop: %s", got)
	}
	g, _ = q.Graph(ctx, lineage.GraphQuery{Node: "pg.dw.b", Direction: "both", Depth: 1})
	if got := ids(g); got != "pg.ods.a@-1 pg.ods.d@-1 pg.dw.b@0 pg.dw.c@1" {
		t.Fatalf("both one hop: %s", got)
	}

	// Column level from a table node starts at every column of the table with an edge.
	g, _ = q.Graph(ctx, lineage.GraphQuery{Node: "pg.dw.b", Level: col, Direction: "both", Depth: 2})
	if got := ids(g); got != "pg.ods.a.amt@-1 pg.ods.a.flag@-1 pg.ods.a.id@-1 pg.dw.b.id@0 pg.dw.b.total@0 pg.dw.c.total@1" {
		t.Fatalf("column level: %s", got)
	}
	for _, e := range g.Edges {
		if e.From == "pg.dw.b.total" && strings.Join(e.Origins, ",") != "etl:j2,etl:j9" {
			t.Fatalf("origins of b.total → c.total: %v", e.Origins)
		}
		if e.From == "pg.ods.a.flag" && e.Kind != domain.KindIndirect {
			t.Fatalf("indirect edge kind: %+v", e)
		}
	}
	// Impact of one column.
	g, _ = q.Graph(ctx, lineage.GraphQuery{Node: "pg.ods.a.amt", Level: col, Direction: "down", Depth: 10})
	if got := ids(g); got != "pg.ods.a.amt@0 pg.dw.b.total@1 pg.dw.c.total@2" {
		t.Fatalf("impact: %s", got)
	}

	// Retiring j2's edge removes it while j9 still asserts it; the table edge goes.
	apply(t, pool,
		domain.EdgeRetired{Origin: "j2", OriginKind: domain.OriginETL, Edge: domain.Edge{From: "pg.dw.b", To: "pg.dw.c", Level: tl, Kind: domain.KindDirect}},
		domain.EdgeRetired{Origin: "j2", OriginKind: domain.OriginETL, Edge: domain.Edge{From: "pg.dw.b.total", To: "pg.dw.c.total", Level: col, Kind: domain.KindDirect}},
	)
	g, _ = q.Graph(ctx, lineage.GraphQuery{Node: "pg.dw.b", Direction: "down", Depth: 3})
	if got := ids(g); got != "pg.dw.b@0" {
		t.Fatalf("after retirement: %s", got)
	}
	g, _ = q.Graph(ctx, lineage.GraphQuery{Node: "pg.dw.b.total", Level: col, Direction: "down", Depth: 3})
	if len(g.Edges) != 1 || strings.Join(g.Edges[0].Origins, ",") != "etl:j9" {
		t.Fatalf("edge kept by the other origin: %+v", g.Edges)
	}

	// Truncation and unknown nodes.
	g, _ = q.Graph(ctx, lineage.GraphQuery{Node: "pg.dw.c", Direction: "both", Depth: 10, MaxNodes: 2})
	if !g.Truncated || len(g.Nodes) != 2 {
		t.Fatalf("truncated: %+v", g)
	}
	g, err = q.Graph(ctx, lineage.GraphQuery{Node: "nowhere.x.y"})
	if err != nil || len(g.Nodes) != 1 || len(g.Edges) != 0 {
		t.Fatalf("unknown node: %v %+v", err, g)
	}
	for _, bad := range []lineage.GraphQuery{{}, {Node: "a", Direction: "sideways"}, {Node: "a", Depth: 11}, {Node: "a", Depth: -1}, {Node: "a", Level: "row"}} {
		if _, err := q.Graph(ctx, bad); fault.KindOf(err) != fault.KindInvalid {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}
