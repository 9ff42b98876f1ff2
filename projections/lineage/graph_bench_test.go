package lineage_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"assetflow/infrastructure/postgres/pgtest"
	"assetflow/projections/lineage"
)

// BenchmarkLineageGraph1M measures a 3-hop downstream column query on a graph of 1,000,000 active
// column edges (250,000 columns of 25,000 tables, four outgoing edges each, cycles included), and
// a plain recursive CTE over the same table as the baseline. The p95 of each is reported.
func BenchmarkLineageGraph1M(b *testing.B) {
	pool := pgtest.NewPool(b, lineage.Projection{}.Migration())
	ctx := context.Background()
	const nodes = 250000
	if _, err := pool.Exec(ctx, fmt.Sprintf(`insert into lineage_edges (origin_kind, origin, level, src, dst, kind, src_table, dst_table, found_at)
		select 'etl', 'job_' || (i %% 5000), 'column',
			'pg.db.t' || (i / 10) || '.c' || (i %% 10), 'pg.db.t' || (d / 10) || '.c' || (d %% 10), 'direct',
			'pg.db.t' || (i / 10), 'pg.db.t' || (d / 10), now()
		from generate_series(0, %[1]d - 1) i, lateral (values ((i * 7 + 1) %% %[1]d), ((i * 13 + 5) %% %[1]d), ((i * 31 + 11) %% %[1]d), ((i * 17 + 3) %% %[1]d)) v(d)
		on conflict do nothing`, nodes)); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `analyze lineage_edges`); err != nil {
		b.Fatal(err)
	}
	var n int
	_ = pool.QueryRow(ctx, `select count(*) from lineage_edges`).Scan(&n)
	q := lineage.Queries{Pool: pool}
	start := func(i int) string { v := (i * 7919) % nodes; return fmt.Sprintf("pg.db.t%d.c%d", v/10, v%10) }
	p95 := func(lat []time.Duration) time.Duration { slices.Sort(lat); return lat[len(lat)*95/100] }

	b.Run("walk", func(b *testing.B) {
		var lat []time.Duration
		reached := 0
		for i := 0; b.Loop(); i++ {
			t0 := time.Now()
			g, err := q.Graph(ctx, lineage.GraphQuery{Node: start(i), Level: "column", Direction: "down", Depth: 3})
			if err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
			reached += len(g.Nodes)
		}
		b.ReportMetric(float64(p95(lat).Microseconds())/1000, "p95-ms")
		b.ReportMetric(float64(reached)/float64(len(lat)), "nodes/query")
		b.ReportMetric(float64(n), "edges")
	})
	b.Run("recursive-cte-baseline", func(b *testing.B) {
		var lat []time.Duration
		for i := 0; b.Loop(); i++ {
			t0 := time.Now()
			rows, err := pool.Query(ctx, `with recursive walk(node, depth) as (
					select $1::text, 0
					union
					select e.dst, w.depth + 1 from walk w join lineage_edges e on e.active and e.level = 'column' and e.src = w.node where w.depth < 3)
				select distinct node from walk`, start(i))
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
			}
			rows.Close()
			lat = append(lat, time.Since(t0))
		}
		b.ReportMetric(float64(p95(lat).Microseconds())/1000, "p95-ms")
	})
}
