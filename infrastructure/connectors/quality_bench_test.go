package connectors_test

import (
	"context"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"assetflow/domain/datasource"
	"assetflow/domain/quality"
	"assetflow/infrastructure/connectors"
	"assetflow/infrastructure/postgres/pgtest"
)

// Quality benchmark: a null-rate and a uniqueness check on a 10,000,000-row PostgreSQL table
// through the connector, each beside the same aggregate SQL run by psql in the same iteration.

const qualityBenchRows, qualityBenchChunk = 10_000_000, 500_000

// qualityBenchTable builds afbench_quality.orders once (kept between runs when complete): every
// tenth store is NULL and k repeats every 5,000,000 rows. It inserts in chunks of 500,000 rows,
// one transaction each, so that no long write transaction holds back the cluster's xid horizon.
func qualityBenchTable(b *testing.B) connectors.Settings {
	b.Helper()
	const name = "afbench_quality"
	ctx := context.Background()
	settings := connectors.Settings{Type: datasource.PostgreSQL, Host: "127.0.0.1", Port: 5432, Database: name, Username: "postgres"}
	admin, err := pgx.Connect(ctx, pgtest.ServerURL()+"/postgres?sslmode=disable")
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close(ctx)
	var exists bool
	_ = admin.QueryRow(ctx, "select exists(select 1 from pg_database where datname = $1)", name).Scan(&exists)
	if !exists {
		if _, err := admin.Exec(ctx, "create database "+name); err != nil {
			b.Fatal(err)
		}
	}
	conn, err := pgx.Connect(ctx, pgtest.ServerURL()+"/"+name+"?sslmode=disable")
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, "select count(*) from orders").Scan(&n); err == nil && n == qualityBenchRows {
		return settings
	}
	if _, err := conn.Exec(ctx, "drop table if exists orders; create unlogged table orders (id bigint, store text, k bigint)"); err != nil {
		b.Fatal(err)
	}
	for from := 1; from <= qualityBenchRows; from += qualityBenchChunk {
		if _, err := conn.Exec(ctx, fmt.Sprintf(`insert into orders select g, case when g %% 10 = 0 then null else 'S' || (g %% 1000) end, g %% 5000000
			from generate_series(%d, %d) g`, from, from+qualityBenchChunk-1)); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, "vacuum analyze orders"); err != nil {
		b.Fatal(err)
	}
	return settings
}

func BenchmarkQuality10M(b *testing.B) {
	settings := qualityBenchTable(b)
	c, err := connectors.Open(settings)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	loc := quality.Location{Schema: "public", Table: "orders"}
	checks := []struct {
		name string
		spec quality.MeasureSpec
		sql  string // what the connector sends, for psql
		want float64
	}{
		{"null", quality.MeasureSpec{Kind: quality.NullRate, Location: loc, Column: "store", Timeout: 10 * time.Minute},
			`select count(*), count(s."store") from "public"."orders" s`, 0.1},
		{"unique", quality.MeasureSpec{Kind: quality.Unique, Location: loc, Column: "k", Timeout: 10 * time.Minute},
			`select count(*), count(s."k"), count(distinct s."k") from "public"."orders" s`, 5_000_000},
	}
	spent := map[string]time.Duration{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, ch := range checks {
			start := time.Now()
			m, err := c.Measure(ctx, ch.spec)
			spent[ch.name] += time.Since(start)
			if err != nil || m.Metric == nil || *m.Metric != ch.want {
				b.Fatalf("%s: %v %v", ch.name, err, m.Metric)
			}
			start = time.Now()
			if out, err := exec.Command("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", settings.Database, "-At", "-o", "/dev/null", "-c", ch.sql).CombinedOutput(); err != nil {
				b.Fatalf("psql: %v %s", err, out)
			}
			spent[ch.name+"-psql"] += time.Since(start)
		}
	}
	b.StopTimer()
	for _, ch := range checks {
		check, raw := spent[ch.name].Seconds()/float64(b.N), spent[ch.name+"-psql"].Seconds()/float64(b.N)
		b.ReportMetric(check*1000, ch.name+"-ms")
		b.ReportMetric(raw*1000, ch.name+"-psql-ms")
		b.ReportMetric(check/raw, ch.name+"-ratio")
	}
}
