package sqlparse

import (
	"testing"

	"assetflow/domain/lineage"
)

var mysqlCases = []lineageCase{
	{name: "backticks", sql: "insert into `dw`.`fact` (`k`) select `o`.`id` from `ods`.`orders` `o`", sources: []string{"ods.orders"}, targets: []string{"dw.fact"},
		cols: []lineage.Pair{p("ods.orders.id", "dw.fact.k")}},
	{name: "replace into", sql: "replace into t (a) select x from s", sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.x", "t.a")}},
	{name: "insert set", sql: "insert into t set a = 1, b = 'x'", targets: []string{"t"}},
	{name: "on duplicate key update", sql: "insert into t (id, v) select id, v from s on duplicate key update v = values(v)", sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.id", "t.id"), p("s.v", "t.v")}},
	{name: "create table select", sql: "create table t select a, b from s where c = 1", sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.a"), p("s.b", "t.b")}, indirect: []lineage.Pair{p("s.c", "t.a"), p("s.c", "t.b")}},
	{name: "create table as select", sql: "create table if not exists dw.t as select a from s", sources: []string{"s"}, targets: []string{"dw.t"}, cols: []lineage.Pair{p("s.a", "dw.t.a")}},
	{name: "create view with columns", sql: "create or replace view v (k) as select a from s", sources: []string{"s"}, targets: []string{"v"}, cols: []lineage.Pair{p("s.a", "v.k")}},
	{name: "multi-table update", sql: "update t join s on t.id = s.id set t.v = s.v, t.w = s.w + 1 where s.flag = 1", sources: []string{"s"}, targets: []string{"t"},
		cols:     []lineage.Pair{p("s.v", "t.v"), p("s.w", "t.w")},
		indirect: []lineage.Pair{p("s.flag", "t.v"), p("s.flag", "t.w"), p("s.id", "t.v"), p("s.id", "t.w"), p("t.id", "t.v"), p("t.id", "t.w")}},
	{name: "single table update", sql: "update t set v = v * 2 where id = 1", targets: []string{"t"}},
	{name: "delete join", sql: "delete t from t join s on t.id = s.id where s.gone = 1", sources: []string{"s"}},
	{name: "insert with cte", sql: "insert into t with c as (select id from s) select id from c", sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.id", "t.id")}},
	{name: "recursive cte", sql: "insert into t with recursive r (n) as (select id from s union all select n + 1 from r where n < 10) select n from r",
		sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.id", "t.n")}},
	{name: "derived table", sql: "insert into t select d.total from (select sum(v) as total from s group by k) d", sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.v", "t.total")}},
	{name: "in and exists", sql: "insert into t select a.x from a where a.id in (select aid from b) and exists (select 1 from c where c.k = a.k)",
		sources: []string{"a", "b", "c"}, targets: []string{"t"}, cols: []lineage.Pair{p("a.x", "t.x")},
		indirect: []lineage.Pair{p("a.id", "t.x"), p("a.k", "t.x"), p("b.aid", "t.x"), p("c.k", "t.x")}},
	{name: "compare any", sql: "insert into t select a.x from a where a.v > all (select v from b)", sources: []string{"a", "b"}, targets: []string{"t"},
		cols: []lineage.Pair{p("a.x", "t.x")}, indirect: []lineage.Pair{p("a.v", "t.x"), p("b.v", "t.x")}},
	{name: "scalar subquery", sql: "insert into t select (select max(v) from b) as m from a", sources: []string{"a", "b"}, targets: []string{"t"}, cols: []lineage.Pair{p("b.v", "t.m")}},
	{name: "if and case functions", sql: "insert into t select if(a > 0, b, c) as r, case when d then e end as s from x", sources: []string{"x"}, targets: []string{"t"},
		cols: []lineage.Pair{p("x.a", "t.r"), p("x.b", "t.r"), p("x.c", "t.r"), p("x.d", "t.s"), p("x.e", "t.s")}},
	{name: "limit offset syntax", sql: "insert into t select a from s order by a limit 10, 20", sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.a", "t.a")}},
	{name: "hash comment", sql: "# nightly\ninsert into t select a from s", sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.a", "t.a")}},
	{name: "window", sql: "insert into t select id, lag(v) over (partition by g order by ts) as prev from s", sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.g", "t.prev"), p("s.id", "t.id"), p("s.ts", "t.prev"), p("s.v", "t.prev")}},
	{name: "straight join and using", sql: "insert into t select a.x from a join b using (id)", sources: []string{"a", "b"}, targets: []string{"t"},
		cols: []lineage.Pair{p("a.x", "t.x")}, indirect: []lineage.Pair{p("a.id", "t.x"), p("b.id", "t.x")}},
	{name: "group_concat and date functions", sql: "insert into t select uid, group_concat(tag order by tag separator ',') as tags, date_format(max(ts), '%Y-%m') as m from s group by uid",
		sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.tag", "t.tags"), p("s.ts", "t.m"), p("s.uid", "t.uid")}},
	{name: "insert ignore", sql: "insert ignore into t (k) select a from s", sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.a", "t.k")}},
	{name: "derived table with union", sql: "insert into t select u.id from (select id from a union select id from b) u", sources: []string{"a", "b"}, targets: []string{"t"},
		cols: []lineage.Pair{p("a.id", "t.id"), p("b.id", "t.id")}},
	{name: "left join is null filter", sql: "insert into t select a.id from a left join b on a.id = b.aid where b.aid is null", sources: []string{"a", "b"}, targets: []string{"t"},
		cols: []lineage.Pair{p("a.id", "t.id")}, indirect: []lineage.Pair{p("b.aid", "t.id")}},
	{name: "cross-database names", sql: "insert into dw.t select o.id, c.name from shop.orders o join crm.customers c on c.id = o.cid", sources: []string{"crm.customers", "shop.orders"}, targets: []string{"dw.t"},
		cols: []lineage.Pair{p("crm.customers.name", "dw.t.name"), p("shop.orders.id", "dw.t.id")}},
	{name: "create view over join", sql: "create view v as select o.id, u.name from o join u on o.uid = u.id", sources: []string{"o", "u"}, targets: []string{"v"},
		cols: []lineage.Pair{p("o.id", "v.id"), p("u.name", "v.name")}},
	{name: "script", sql: "create table tmp select id from s; insert into t select id from tmp; drop table tmp;", sources: []string{"s"}, targets: []string{"t"}, inter: []string{"tmp"},
		cols: []lineage.Pair{p("s.id", "tmp.id"), p("tmp.id", "t.id")}},
}

var starrocksCases = []lineageCase{
	{name: "insert overwrite", sql: "insert overwrite dw.t select a from ods.s", sources: []string{"ods.s"}, targets: []string{"dw.t"}, cols: []lineage.Pair{p("ods.s.a", "dw.t.a")}},
	{name: "insert overwrite partition", sql: "insert overwrite t partition(p20261127) select a, b from s", sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.a"), p("s.b", "t.b")}},
	{name: "insert with label and columns", sql: "insert into t with label load_0001 (k, v) select a, b from s", sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.k"), p("s.b", "t.v")}},
	{name: "backtick and double-quoted string", sql: "insert into `t` select `a` from s where b = \"x\"", sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.a", "t.a")}},
	{name: "ctas", sql: "create table t as select a, count(*) as n from s group by a", sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.*", "t.n"), p("s.a", "t.a")}},
}

func TestLineageMySQL(t *testing.T) {
	for _, c := range mysqlCases {
		t.Run("mysql/"+c.name, func(t *testing.T) { checkLineage(t, "mysql", c) })
	}
	for _, c := range append(starrocksCases, mysqlCases[:6]...) {
		t.Run("starrocks/"+c.name, func(t *testing.T) { checkLineage(t, "starrocks", c) })
	}
}
