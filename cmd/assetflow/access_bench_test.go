package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"assetflow/application/permission"
	"assetflow/domain/access"
	"assetflow/infrastructure/postgres/pgtest"
)

// In-memory ports for the guard benchmark: the policy and the catalog are what the read models
// would answer; the analysis, decisions and rewrites are the real ones.
type benchSources struct{ src permission.Source }

func (s benchSources) Source(context.Context, string) (permission.Source, error) { return s.src, nil }

type benchCatalog map[string][]string

func (c benchCatalog) Columns(_ context.Context, _, db, table string) ([]string, error) {
	return c[db+"."+table], nil
}
func (c benchCatalog) DBExists(context.Context, string, string) (bool, error) { return true, nil }

type benchPolicies struct{ snap permission.Snapshot }

func (p benchPolicies) PolicyVersion(context.Context, string) (int, error) {
	return p.snap.Version, nil
}
func (p benchPolicies) Snapshot(context.Context, string) (permission.Snapshot, error) {
	return p.snap, nil
}

// accessWorkload builds 40 tables of 8 columns in a PostgreSQL database, a policy of 10,000 grants
// (20 of them the caller's, the rest spread over 2,000 other users) with masks and a row filter,
// and 1,000 statements of the shapes analysts write: filters, joins, CTEs, subqueries,
// aggregates, window functions, UNIONs.
func accessWorkload(b *testing.B) (url string, cat benchCatalog, snap permission.Snapshot, stmts []string) {
	b.Helper()
	url = pgtest.NewDatabase(b)
	pool := openPool(b, url)
	cat = benchCatalog{}
	var ddl strings.Builder
	for t := range 40 {
		cols := []string{"id", "customer_id", "amount", "region", "phone", "created_at", "status", "note"}
		cat[fmt.Sprintf("public.t%d", t)] = cols
		fmt.Fprintf(&ddl, `create table t%d (id int primary key, customer_id int, amount numeric, region text, phone text, created_at timestamptz, status text, note text);
			insert into t%d select g, g %% 100, g * 1.5, 'r' || (g %% 5), '138' || lpad(g::text, 8, '0'), now(), 's' || (g %% 3), 'n' from generate_series(1, 200) g;`, t, t)
	}
	if _, err := pool.Exec(context.Background(), ddl.String()); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	snap.Version = 1
	for i := range 10000 {
		t := rng.IntN(40)
		g := access.Grant{ID: fmt.Sprintf("grant-%d", i), Subject: access.Subject{Type: "user", ID: fmt.Sprintf("user-%d", rng.IntN(2000))},
			Object: access.Object{Datasource: "ds", DB: "public", Table: fmt.Sprintf("t%d", t)}, Privilege: access.PrivQuery, Effect: "allow"}
		if i < 20 { // the caller's: allowed on every table but one column denied on a few
			g.Subject.ID = "user-caller"
			g.Object.Table = ""
			if i > 0 {
				g.Object = access.Object{Datasource: "ds", DB: "public", Table: fmt.Sprintf("t%d", i), Column: "note"}
				g.Effect = "deny"
			}
		}
		snap.Grants = append(snap.Grants, g)
	}
	for t := range 40 {
		if t%4 == 0 {
			snap.Masks = append(snap.Masks, access.Mask{ID: fmt.Sprintf("mask-%d", t), Object: access.Object{Datasource: "ds", DB: "public", Table: fmt.Sprintf("t%d", t), Column: "phone"}, Kind: "partial", KeepLast: 4})
		}
	}
	snap.RowFilters = append(snap.RowFilters, access.RowFilter{ID: "rf", Object: access.Object{Datasource: "ds", DB: "public", Table: "t8"},
		Subject: access.Subject{Type: "user", ID: "user-caller"}, Predicate: "region <> 'r0'"})
	shapes := []string{
		"select id, amount from t%[1]d where region = 'r1' order by id limit 50",
		"select region, sum(amount), count(*) from t%[1]d group by region order by 2 desc",
		"select a.id, b.amount from t%[1]d a join t%[2]d b on b.customer_id = a.customer_id where a.status = 's1' limit 100",
		"with c as (select customer_id, sum(amount) s from t%[1]d group by customer_id) select c.customer_id, c.s, t.phone from c join t%[2]d t on t.id = c.customer_id order by c.s desc limit 20",
		"select id, phone from t%[1]d where id in (select customer_id from t%[2]d where amount > 100) limit 30",
		"select region, amount, rank() over (partition by region order by amount desc) from t%[1]d limit 40",
		"select phone from t%[1]d union select phone from t%[2]d order by 1 limit 25",
		"select x.r, x.n from (select region r, count(*) n from t%[1]d where created_at > now() - interval '1 day' group by region) x where x.n > 1",
		"select count(*) from t%[1]d t where exists (select 1 from t%[2]d u where u.id = t.customer_id and u.status = 's2')",
		"select upper(status), coalesce(phone, '-'), amount * 2 from t%[1]d where region like 'r%%' order by amount desc limit 10",
		"select * from t%[1]d where id < 5",
	}
	for i := range 1000 {
		t1, t2 := rng.IntN(40), rng.IntN(40)
		stmts = append(stmts, fmt.Sprintf(shapes[i%len(shapes)], t1, t2)+fmt.Sprintf(" -- %d", i))
	}
	return url, cat, snap, stmts
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// BenchmarkAccessGuard checks 1,000 statements against 10,000 grants (each statement once per
// round, on a fresh guard, so no answer is reused) and runs the same statements unchecked on
// PostgreSQL as the baseline; it reports p50/p99 of both.
func BenchmarkAccessGuard(b *testing.B) {
	url, cat, snap, stmts := accessWorkload(b)
	pool := openPool(b, url)
	ctx := context.Background()
	who := permission.Who{UserID: "user-caller", Roles: []string{"analyst"}}
	src := permission.Source{ID: "ds", OwnerID: "someone-else", Database: "bench", Dialect: "postgres", DefaultSchema: "public"}
	var checks, raws []time.Duration
	rewritten, denied := 0, 0
	for b.Loop() {
		g := permission.NewGuard(benchSources{src}, cat, benchPolicies{snap}, accessAnalyser{})
		if _, err := g.Check(ctx, who, "ds", "", "select 1", access.PrivQuery); err != nil { // compiles the policy
			b.Fatal(err)
		}
		for _, sql := range stmts {
			start := time.Now()
			out, err := g.Check(ctx, who, "ds", "", sql, access.PrivQuery)
			checks = append(checks, time.Since(start))
			if err != nil {
				denied++
				continue
			}
			if out != sql {
				rewritten++
			}
			start = time.Now()
			rows, err := pool.Query(ctx, sql)
			if err == nil {
				for rows.Next() {
				}
				rows.Close()
				err = rows.Err()
			}
			raws = append(raws, time.Since(start))
			if err != nil {
				b.Fatalf("%s: %v", sql, err)
			}
		}
	}
	b.ReportMetric(float64(percentile(checks, 0.5).Microseconds()), "check-p50-µs")
	b.ReportMetric(float64(percentile(checks, 0.99).Microseconds()), "check-p99-µs")
	b.ReportMetric(float64(percentile(raws, 0.5).Microseconds()), "unchecked-p50-µs")
	b.ReportMetric(float64(percentile(raws, 0.99).Microseconds()), "unchecked-p99-µs")
	b.ReportMetric(float64(rewritten)/float64(len(checks)), "rewritten/stmt")
	b.ReportMetric(float64(denied)/float64(len(checks)), "denied/stmt")
}
