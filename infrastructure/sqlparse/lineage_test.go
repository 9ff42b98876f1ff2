package sqlparse

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"assetflow/domain/lineage"
)

type lineageCase struct {
	name     string
	sql      string
	sources  []string
	targets  []string
	inter    []string
	cols     []lineage.Pair
	indirect []lineage.Pair // nil: not checked
	schema   string
	catalog  map[string][]string
	pgOnly   bool // PostgreSQL grammar only; skipped for the MySQL-grammar dialects
}

func p(src, dst string) lineage.Pair { return lineage.Pair{src, dst} }

var pgCases = []lineageCase{
	{name: "plain select", sql: `select a, b from s`, sources: []string{"s"}},
	{name: "insert select", sql: `insert into t select a, b from s`, sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.a"), p("s.b", "t.b")}},
	{name: "insert with target columns", sql: `insert into t (x, y) select a, b + c from s`, sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.x"), p("s.b", "t.y"), p("s.c", "t.y")}},
	{name: "insert values", sql: `insert into t (x, y) values (1, 'a'), (2, 'b')`, targets: []string{"t"}},
	{name: "alias renames output", sql: `insert into t select a as k, upper(b) as v from s`, sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.k"), p("s.b", "t.v")}},
	{name: "schema qualified", sql: `insert into dw.fact select o.id from ods.orders o`, sources: []string{"ods.orders"}, targets: []string{"dw.fact"},
		cols: []lineage.Pair{p("ods.orders.id", "dw.fact.id")}},
	{name: "three part names", pgOnly: true, sql: `insert into cat.dw.fact select id from cat.ods.orders`, sources: []string{"cat.ods.orders"}, targets: []string{"cat.dw.fact"},
		cols: []lineage.Pair{p("cat.ods.orders.id", "cat.dw.fact.id")}},
	{name: "default schema", schema: "public", sql: `insert into t select s.a from s join x.u on s.id = u.id`, sources: []string{"public.s", "x.u"}, targets: []string{"public.t"},
		cols: []lineage.Pair{p("public.s.a", "public.t.a")}, indirect: []lineage.Pair{p("public.s.id", "public.t.a"), p("x.u.id", "public.t.a")}},
	{name: "quoted identifiers keep case", pgOnly: true, sql: `insert into "Dw"."Fact" select "Id" from "Src"`, sources: []string{"Src"}, targets: []string{"Dw.Fact"},
		cols: []lineage.Pair{p("Src.Id", "Dw.Fact.Id")}},
	{name: "unquoted identifiers lower-cased", sql: `INSERT INTO Dw.Fact SELECT ID FROM SRC`, sources: []string{"src"}, targets: []string{"dw.fact"},
		cols: []lineage.Pair{p("src.id", "dw.fact.id")}},
	{name: "ctas", sql: `create table t as select a, b from s where c > 0`, sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.a"), p("s.b", "t.b")}, indirect: []lineage.Pair{p("s.c", "t.a"), p("s.c", "t.b")}},
	{name: "ctas with column names", pgOnly: true, sql: `create table t (x, y) as select a, b from s`, sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.x"), p("s.b", "t.y")}},
	{name: "create view", sql: `create view v as select a from s`, sources: []string{"s"}, targets: []string{"v"},
		cols: []lineage.Pair{p("s.a", "v.a")}},
	{name: "create or replace view with aliases", sql: `create or replace view v (k) as select a from s`, sources: []string{"s"}, targets: []string{"v"},
		cols: []lineage.Pair{p("s.a", "v.k")}},
	{name: "materialized view", pgOnly: true, sql: `create materialized view mv as select a, count(*) as n from s group by a`, sources: []string{"s"}, targets: []string{"mv"},
		cols: []lineage.Pair{p("s.a", "mv.a"), p("s.*", "mv.n")}, indirect: []lineage.Pair{p("s.a", "mv.n")}},
	{name: "select into", pgOnly: true, sql: `select a, b into t from s`, sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.a"), p("s.b", "t.b")}},
	{name: "star unknown table", sql: `insert into t select * from s`, sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.*", "t.*")}},
	{name: "star through catalog", sql: `insert into t select * from s`, catalog: map[string][]string{"s": {"id", "name"}}, sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.id", "t.id"), p("s.name", "t.name")}},
	{name: "star through catalog maps by target position", sql: `insert into t select * from s`, catalog: map[string][]string{"s": {"id", "name"}, "t": {"k", "v"}}, sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.id", "t.k"), p("s.name", "t.v")}},
	{name: "qualified star", sql: `insert into t select s.*, u.x from s join u on s.id = u.id`, sources: []string{"s", "u"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.*", "t.*"), p("u.x", "t.x")}},
	{name: "count star", sql: `insert into t select count(*) as n from s`, sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.*", "t.n")}},
	{name: "count star through catalog", catalog: map[string][]string{"s": {"a", "b"}}, sql: `insert into t select count(*) as n from s`, sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.n"), p("s.b", "t.n")}},
	{name: "join kinds", pgOnly: true, sql: `insert into t select a.x, b.y, c.z from a left join b on a.id = b.id full outer join c using (k) cross join d`,
		sources: []string{"a", "b", "c", "d"}, targets: []string{"t"},
		cols: []lineage.Pair{p("a.x", "t.x"), p("b.y", "t.y"), p("c.z", "t.z")}},
	{name: "join quals are indirect", sql: `insert into t select a.x from a join b on a.id = b.aid`, sources: []string{"a", "b"}, targets: []string{"t"},
		cols: []lineage.Pair{p("a.x", "t.x")}, indirect: []lineage.Pair{p("a.id", "t.x"), p("b.aid", "t.x")}},
	{name: "where group having indirect", sql: `insert into t select a.k, sum(a.v) as s from a where a.f = 1 group by a.k having max(a.w) > 2`,
		sources: []string{"a"}, targets: []string{"t"},
		cols:     []lineage.Pair{p("a.k", "t.k"), p("a.v", "t.s")},
		indirect: []lineage.Pair{p("a.f", "t.k"), p("a.f", "t.s"), p("a.k", "t.s"), p("a.w", "t.k"), p("a.w", "t.s")}},
	{name: "cte", pgOnly: true, sql: `with c as (select id, amount from orders where status = 'paid') insert into t select id, amount * 2 as amt from c`,
		sources: []string{"orders"}, targets: []string{"t"},
		cols:     []lineage.Pair{p("orders.amount", "t.amt"), p("orders.id", "t.id")},
		indirect: []lineage.Pair{p("orders.status", "t.amt"), p("orders.status", "t.id")}},
	{name: "insert with cte inside", sql: `insert into t with c as (select id from s) select id from c`, sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.id", "t.id")}},
	{name: "nested ctes", sql: `insert into t with a as (select x from s), b as (select x + 1 as y from a) select y from b`,
		sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.x", "t.y")}},
	{name: "cte column aliases", sql: `insert into t with c (k, v) as (select a, b from s) select k, v from c`, sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.k"), p("s.b", "t.v")}},
	{name: "cte shadows table", pgOnly: true, sql: `with s as (select id from real_s) insert into t select id from s`, sources: []string{"real_s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("real_s.id", "t.id")}},
	{name: "recursive cte", sql: `insert into t with recursive tree as (select id, parent_id from nodes where parent_id is null union all select n.id, n.parent_id from nodes n join tree on n.parent_id = tree.id) select id from tree`,
		sources: []string{"nodes"}, targets: []string{"t"}, cols: []lineage.Pair{p("nodes.id", "t.id")}},
	{name: "subquery in from", sql: `insert into t select q.total from (select sum(v) as total from s) q`, sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.v", "t.total")}},
	{name: "subquery alias columns", pgOnly: true, sql: `insert into t select q.k from (select a from s) as q(k)`, sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.k")}},
	{name: "nested subqueries", sql: `insert into t select z from (select y as z from (select x as y from (select a as x from s) l1) l2) l3`,
		sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.a", "t.z")}},
	{name: "scalar subquery in select list", sql: `insert into t select a.id, (select max(b.v) from b where b.aid = a.id) as mv from a`,
		sources: []string{"a", "b"}, targets: []string{"t"},
		cols:     []lineage.Pair{p("a.id", "t.id"), p("b.v", "t.mv")},
		indirect: []lineage.Pair{p("a.id", "t.mv"), p("b.aid", "t.id"), p("b.aid", "t.mv")}},
	{name: "exists subquery in where", sql: `insert into t select a.id from a where exists (select 1 from b where b.aid = a.id)`,
		sources: []string{"a", "b"}, targets: []string{"t"},
		cols: []lineage.Pair{p("a.id", "t.id")}, indirect: []lineage.Pair{p("b.aid", "t.id")}},
	{name: "in subquery in where", sql: `insert into t select a.x from a where a.id in (select aid from b)`,
		sources: []string{"a", "b"}, targets: []string{"t"},
		cols: []lineage.Pair{p("a.x", "t.x")}, indirect: []lineage.Pair{p("a.id", "t.x"), p("b.aid", "t.x")}},
	{name: "subquery in case", sql: `insert into t select case when a.v > (select avg(v) from b) then a.x else 0 end as c from a`,
		sources: []string{"a", "b"}, targets: []string{"t"},
		cols: []lineage.Pair{p("a.v", "t.c"), p("a.x", "t.c"), p("b.v", "t.c")}},
	{name: "subquery in function argument", sql: `insert into t select coalesce((select max(v) from b), a.x) as c from a`,
		sources: []string{"a", "b"}, targets: []string{"t"}, cols: []lineage.Pair{p("a.x", "t.c"), p("b.v", "t.c")}},
	{name: "union", sql: `insert into t select a from s1 union select b from s2`, sources: []string{"s1", "s2"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s1.a", "t.a"), p("s2.b", "t.a")}},
	{name: "union all three arms", sql: `insert into t (k) select a from s1 union all select b from s2 union all select c from s3`,
		sources: []string{"s1", "s2", "s3"}, targets: []string{"t"}, cols: []lineage.Pair{p("s1.a", "t.k"), p("s2.b", "t.k"), p("s3.c", "t.k")}},
	{name: "intersect", sql: `insert into t select id from s1 intersect select id from s2`, sources: []string{"s1", "s2"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s1.id", "t.id"), p("s2.id", "t.id")}},
	{name: "except", sql: `insert into t select id from s1 except select id from s2`, sources: []string{"s1", "s2"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s1.id", "t.id"), p("s2.id", "t.id")}},
	{name: "window function", sql: `insert into t select id, row_number() over (partition by grp order by ts) as rn from s`,
		sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.grp", "t.rn"), p("s.id", "t.id"), p("s.ts", "t.rn")}},
	{name: "window aggregate", sql: `insert into t select sum(v) over (partition by k) as running from s`,
		sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.k", "t.running"), p("s.v", "t.running")}},
	{name: "unnest", pgOnly: true, sql: `insert into t select s.id, u.tag from s cross join lateral unnest(s.tags) as u(tag)`,
		sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.id", "t.id"), p("s.tags", "t.tag")}},
	{name: "lateral subquery", sql: `insert into t select a.id, l.m from a, lateral (select max(v) as m from b where b.aid = a.id) l`,
		sources: []string{"a", "b"}, targets: []string{"t"}, cols: []lineage.Pair{p("a.id", "t.id"), p("b.v", "t.m")}},
	{name: "values in from", pgOnly: true, sql: `insert into t select v.k, s.x from (values (1), (2)) as v(k) join s on s.k = v.k`,
		sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.x", "t.x")}},
	{name: "update from", pgOnly: true, sql: `update t set v = s.v, w = s.a + s.b from s where t.id = s.id`,
		sources: []string{"s"}, targets: []string{"t"},
		cols:     []lineage.Pair{p("s.a", "t.w"), p("s.b", "t.w"), p("s.v", "t.v")},
		indirect: []lineage.Pair{p("s.id", "t.v"), p("s.id", "t.w"), p("t.id", "t.v"), p("t.id", "t.w")}},
	{name: "update self", sql: `update t set v = v + 1 where id = 3`, targets: []string{"t"}},
	{name: "update with subquery", sql: `update t set total = (select sum(x) from s where s.tid = t.id)`,
		sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.x", "t.total")}},
	{name: "merge", pgOnly: true, sql: `merge into t using s on t.id = s.id when matched then update set v = s.v when not matched then insert (id, v) values (s.id, s.v)`,
		sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.id", "t.id"), p("s.v", "t.v")}},
	{name: "merge with subquery source", pgOnly: true, sql: `merge into dw.t as d using (select id, sum(v) as v from s group by id) as x on d.id = x.id when matched then update set v = x.v`,
		sources: []string{"s"}, targets: []string{"dw.t"}, cols: []lineage.Pair{p("s.v", "dw.t.v")}},
	{name: "delete has no target", sql: `delete from t where id in (select id from s)`, sources: []string{"s"}},
	{name: "ddl carries nothing", sql: `create table t (id int, name text)`},
	{name: "drop and truncate carry nothing", sql: `drop table if exists t; truncate s`},
	{name: "set statement carries nothing", sql: `set search_path = dw`},
	{name: "script with intermediate", sql: `create table tmp as select id, v from s; insert into t select id, v * 2 as v from tmp;`,
		sources: []string{"s"}, targets: []string{"t"}, inter: []string{"tmp"},
		cols: []lineage.Pair{p("s.id", "tmp.id"), p("s.v", "tmp.v"), p("tmp.id", "t.id"), p("tmp.v", "t.v")}},
	{name: "script reads before write is source", sql: `insert into t select a from u; insert into u select a from s;`,
		sources: []string{"s", "u"}, targets: []string{"t", "u"},
		cols: []lineage.Pair{p("s.a", "u.a"), p("u.a", "t.a")}},
	{name: "script chain of three", sql: `insert into a select x from src; insert into b select x from a; insert into c select x from b;`,
		sources: []string{"src"}, targets: []string{"c"}, inter: []string{"a", "b"},
		cols: []lineage.Pair{p("a.x", "b.x"), p("b.x", "c.x"), p("src.x", "a.x")}},
	{name: "comments and semicolons", sql: "-- daily load\n/* step 1 */ insert into t select a from s; ;\n-- done\n", sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.a")}},
	{name: "trino style", pgOnly: true, sql: `insert into hive.dw.t select o.id, o.amount from hive.ods.orders o where o.dt = '2026-01-01'`,
		sources: []string{"hive.ods.orders"}, targets: []string{"hive.dw.t"},
		cols: []lineage.Pair{p("hive.ods.orders.amount", "hive.dw.t.amount"), p("hive.ods.orders.id", "hive.dw.t.id")}},
	{name: "unqualified column with two unknown tables stays unresolved", sql: `insert into t select x from a join b on a.id = b.id`,
		sources: []string{"a", "b"}, targets: []string{"t"}},
	{name: "unqualified column resolved through catalog", catalog: map[string][]string{"b": {"id", "x"}}, sql: `insert into t select x from a join b on a.id = b.id`,
		sources: []string{"a", "b"}, targets: []string{"t"}, cols: []lineage.Pair{p("b.x", "t.x")}},
	{name: "correlated column from outer scope", sql: `insert into t select (select max(b.v) from b where b.k = a.k) as m from a`,
		sources: []string{"a", "b"}, targets: []string{"t"}, cols: []lineage.Pair{p("b.v", "t.m")},
		indirect: []lineage.Pair{p("a.k", "t.m"), p("b.k", "t.m")}},
	{name: "distinct and order by", sql: `insert into t select distinct a from s order by a limit 10`, sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.a")}},
	{name: "cast and functions", pgOnly: true, sql: `insert into t select cast(a as int) as a, date_trunc('day', ts)::date as d, a || b as ab from s`,
		sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.a"), p("s.a", "t.ab"), p("s.b", "t.ab"), p("s.ts", "t.d")}},
	{name: "constant columns have no lineage", sql: `insert into t (a, b) select 1, now() from s`, sources: []string{"s"}, targets: []string{"t"}},
	{name: "insert on conflict", pgOnly: true, sql: `insert into t (id, v) select id, v from s on conflict (id) do update set v = excluded.v`,
		sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.id", "t.id"), p("s.v", "t.v")}},
	{name: "insert select distinct on", pgOnly: true, sql: `insert into t select distinct on (k) k, v from s order by k, ts desc`, sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.k", "t.k"), p("s.v", "t.v")}},
	{name: "filter clause on aggregate", pgOnly: true, sql: `insert into t select k, count(*) filter (where ok) as n from s group by k`, sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.*", "t.n"), p("s.k", "t.k"), p("s.ok", "t.n")}},
	{name: "grouping sets", pgOnly: true, sql: `insert into t select a, b, sum(v) as v from s group by grouping sets ((a), (a, b))`, sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.a"), p("s.b", "t.b"), p("s.v", "t.v")}},
	{name: "coalesce across joined tables", sql: `insert into t select coalesce(a.name, b.name) as name from a full join b on a.id = b.id`,
		sources: []string{"a", "b"}, targets: []string{"t"}, cols: []lineage.Pair{p("a.name", "t.name"), p("b.name", "t.name")}},
	{name: "self join with aliases", sql: `insert into t select e.name, m.name as manager from emp e left join emp m on e.mgr = m.id`,
		sources: []string{"emp"}, targets: []string{"t"}, cols: []lineage.Pair{p("emp.name", "t.manager"), p("emp.name", "t.name")},
		indirect: []lineage.Pair{p("emp.id", "t.manager"), p("emp.id", "t.name"), p("emp.mgr", "t.manager"), p("emp.mgr", "t.name")}},
	{name: "derived table joined with table", sql: `insert into t select o.id, x.total from orders o join (select oid, sum(v) as total from items group by oid) x on x.oid = o.id`,
		sources: []string{"items", "orders"}, targets: []string{"t"}, cols: []lineage.Pair{p("items.v", "t.total"), p("orders.id", "t.id")}},
	{name: "cte used twice", sql: `insert into t with c as (select k, v from s) select c1.k, c2.v from c c1 join c c2 on c1.k = c2.k`,
		sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.k", "t.k"), p("s.v", "t.v")}},
	{name: "union inside cte", sql: `insert into t with u as (select id from s1 union all select id from s2) select id from u`,
		sources: []string{"s1", "s2"}, targets: []string{"t"}, cols: []lineage.Pair{p("s1.id", "t.id"), p("s2.id", "t.id")}},
	{name: "exists in having", sql: `insert into t select k, count(*) as n from s group by k having exists (select 1 from b where b.k = s.k)`,
		sources: []string{"b", "s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.*", "t.n"), p("s.k", "t.k")}},
	{name: "nested function and arithmetic", sql: `insert into t select round(sum(price * qty) / nullif(count(distinct oid), 0), 2) as avg_value from order_lines`,
		sources: []string{"order_lines"}, targets: []string{"t"}, cols: []lineage.Pair{p("order_lines.oid", "t.avg_value"), p("order_lines.price", "t.avg_value"), p("order_lines.qty", "t.avg_value")}},
	{name: "insert select with limit in subquery", sql: `insert into t select id from (select id from s order by ts desc limit 10) latest`,
		sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.id", "t.id")}},
	{name: "ctas from union of three-part names", pgOnly: true, sql: `create table c.d.t as select x from c.a.s1 union select x from c.b.s2`,
		sources: []string{"c.a.s1", "c.b.s2"}, targets: []string{"c.d.t"}, cols: []lineage.Pair{p("c.a.s1.x", "c.d.t.x"), p("c.b.s2.x", "c.d.t.x")}},
	{name: "same table read and written in one statement", sql: `insert into t select id + 1 as id from t`, sources: []string{}, targets: []string{"t"},
		cols: []lineage.Pair{p("t.id", "t.id")}},
}

func TestLineagePostgres(t *testing.T) {
	for _, dialect := range []string{"postgres", "ansi", "trino", "mysql", "starrocks"} {
		for _, c := range pgCases {
			if c.pgOnly && (dialect == "mysql" || dialect == "starrocks") {
				continue
			}
			t.Run(dialect+"/"+c.name, func(t *testing.T) {
				checkLineage(t, dialect, c)
			})
		}
	}
}

func checkLineage(t *testing.T, dialect string, c lineageCase) {
	t.Helper()
	opts := LineageOptions{Dialect: dialect, DefaultSchema: c.schema}
	if c.catalog != nil {
		opts.Columns = func(table string) []string { return c.catalog[table] }
	}
	got, err := Lineage(opts, c.sql)
	if err != nil {
		t.Fatalf("%s: %v (%v)", c.sql, err, got.Errors)
	}
	eq := func(what string, got, want []string) {
		if want == nil {
			want = []string{}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s\n%s: got %q, want %q", c.sql, what, got, want)
		}
	}
	eq("sources", got.Sources, c.sources)
	eq("targets", got.Targets, c.targets)
	eq("intermediates", got.Intermediates, c.inter)
	pairs := func(ps []lineage.Pair) []string {
		out := []string{}
		for _, p := range ps {
			out = append(out, p[0]+" -> "+p[1])
		}
		slices.Sort(out)
		return out
	}
	eq("column lineage", pairs(got.ColumnLineage), pairs(c.cols))
	if c.indirect != nil {
		eq("indirect", pairs(got.Indirect), pairs(c.indirect))
	}
}

func TestLineageBadInput(t *testing.T) {
	if _, err := Lineage(LineageOptions{Dialect: "oracle"}, "select 1"); err == nil || !strings.Contains(err.Error(), "unknown dialect") {
		t.Fatalf("unknown dialect: %v", err)
	}
	res, err := Lineage(LineageOptions{Dialect: "postgres"}, "insert into t select a from s; selec oops; insert into u select b from v;")
	if !errors.Is(err, ErrUnparsable) || len(res.Errors) == 0 {
		t.Fatalf("syntax error: %v %+v", err, res)
	}
	if _, err := Lineage(LineageOptions{Dialect: "postgres"}, "insert into t select a from"); !errors.Is(err, ErrUnparsable) {
		t.Fatalf("truncated statement: %v", err)
	}
	// Deep nesting ends in a clear error or a result, never a crash.
	deep := "select x from s"
	for range 3000 {
		deep = "select x from (" + deep + ") q"
	}
	if res, err := Lineage(LineageOptions{Dialect: "postgres"}, "insert into t "+deep); err == nil && len(res.Sources) != 1 {
		t.Fatalf("deep nesting: %+v", res)
	}
	// A 1 MB script of many statements.
	var b strings.Builder
	for i := 0; b.Len() < 1<<20; i++ {
		b.WriteString("insert into t select a, b, c from s where d > 1;\n")
	}
	res, err = Lineage(LineageOptions{Dialect: "postgres"}, b.String())
	if err != nil || !slices.Equal(res.Targets, []string{"t"}) {
		t.Fatalf("1 MB script: %v %+v", err, res.Targets)
	}
}

func FuzzLineage(f *testing.F) {
	for _, c := range append(pgCases, hiveCases...) {
		f.Add(c.sql)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		for _, d := range []string{"postgres", "hive"} {
			res, err := Lineage(LineageOptions{Dialect: d}, sql)
			if err != nil && !errors.Is(err, ErrUnparsable) {
				t.Fatalf("%s: unexpected error kind: %v", d, err)
			}
			if (err == nil) != (len(res.Errors) == 0) {
				t.Fatalf("%s: error %v but errors %q", d, err, res.Errors)
			}
		}
	})
}
