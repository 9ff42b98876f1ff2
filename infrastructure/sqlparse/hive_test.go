package sqlparse

import (
	"testing"

	"assetflow/domain/lineage"
)

var hiveCases = []lineageCase{
	{name: "insert overwrite table partition", sql: "INSERT OVERWRITE TABLE dw.fact PARTITION (dt='2026-11-27') SELECT id, amount FROM ods.orders WHERE dt = '2026-11-27'",
		sources: []string{"ods.orders"}, targets: []string{"dw.fact"},
		cols:     []lineage.Pair{p("ods.orders.amount", "dw.fact.amount"), p("ods.orders.id", "dw.fact.id")},
		indirect: []lineage.Pair{p("ods.orders.dt", "dw.fact.amount"), p("ods.orders.dt", "dw.fact.id")}},
	{name: "insert overwrite dynamic partition", sql: "insert overwrite table dw.fact partition (dt) select id, dt from ods.orders",
		sources: []string{"ods.orders"}, targets: []string{"dw.fact"},
		cols: []lineage.Pair{p("ods.orders.dt", "dw.fact.dt"), p("ods.orders.id", "dw.fact.id")}},
	{name: "insert into table", sql: "insert into table t select a from s", sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.a", "t.a")}},
	{name: "insert overwrite if not exists", sql: "insert overwrite table t partition (dt='x') if not exists select a from s", sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.a", "t.a")}},
	{name: "insert into partition with column list", sql: "insert into t partition (dt='1') (k, v) select a, b from s", sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.k"), p("s.b", "t.v")}},
	{name: "backticks", sql: "insert overwrite table `dw`.`Fact` select `Id` from `ods`.`orders`", sources: []string{"ods.orders"}, targets: []string{"dw.fact"},
		cols: []lineage.Pair{p("ods.orders.id", "dw.fact.id")}},
	{name: "double quotes are strings", sql: `insert into t select a from s where b = "x's"`, sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.a")}, indirect: []lineage.Pair{p("s.b", "t.a")}},
	{name: "backslash escapes", sql: `insert into t select a from s where b = 'it\'s'`, sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.a", "t.a")}},
	{name: "lateral view explode", sql: "insert overwrite table t select s.id, tag from s lateral view explode(s.tags) tt as tag",
		sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.id", "t.id"), p("s.tags", "t.tag")}},
	{name: "lateral view outer posexplode two columns", sql: "insert into t select pos, val from s lateral view outer posexplode(arr) x as pos, val where s.k > 0",
		sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.arr", "t.pos"), p("s.arr", "t.val")}},
	{name: "two lateral views", sql: "insert into t select a1, b1 from s lateral view explode(s.a) x as a1 lateral view explode(s.b) y as b1",
		sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.a", "t.a1"), p("s.b", "t.b1")}},
	{name: "left semi join", sql: "insert into t select a.id from a left semi join b on a.id = b.id", sources: []string{"a", "b"}, targets: []string{"t"},
		cols: []lineage.Pair{p("a.id", "t.id")}, indirect: []lineage.Pair{p("b.id", "t.id")}},
	{name: "left anti join", sql: "insert into t select a.id from a left anti join b on a.id = b.id", sources: []string{"a", "b"}, targets: []string{"t"},
		cols: []lineage.Pair{p("a.id", "t.id")}},
	{name: "ctas with storage clauses", sql: "create table if not exists dw.t stored as orc tblproperties ('orc.compress'='snappy') as select a, b from s",
		sources: []string{"s"}, targets: []string{"dw.t"}, cols: []lineage.Pair{p("s.a", "dw.t.a"), p("s.b", "dw.t.b")}},
	{name: "spark ctas using parquet partitioned by", sql: "CREATE TABLE t USING parquet PARTITIONED BY (dt) AS SELECT a, dt FROM s",
		sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.a", "t.a"), p("s.dt", "t.dt")}},
	{name: "temporary view", sql: "create or replace temporary view v as select a from s", sources: []string{"s"}, targets: []string{"v"}, cols: []lineage.Pair{p("s.a", "v.a")}},
	{name: "cache table as select", sql: "cache table c as select a from s", sources: []string{"s"}, targets: []string{"c"}, cols: []lineage.Pair{p("s.a", "c.a")}},
	{name: "use sets default schema", sql: "use ods; insert overwrite table dw.t select a from orders;", sources: []string{"ods.orders"}, targets: []string{"dw.t"},
		cols: []lineage.Pair{p("ods.orders.a", "dw.t.a")}},
	{name: "set statements dropped", sql: "set hive.exec.dynamic.partition.mode=nonstrict;\nset mapred.job.queue.name=root.etl;\nadd jar hdfs:///udf.jar;\ninsert into t select a from s;",
		sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.a", "t.a")}},
	{name: "distribute and sort by", sql: "insert overwrite table t select a, b from s distribute by a sort by b", sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.a"), p("s.b", "t.b")}},
	{name: "cluster by", sql: "insert overwrite table t select a from s cluster by a", sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.a", "t.a")}},
	{name: "rlike and null-safe equality", sql: "insert into t select a.x from a join b on a.k <=> b.k where a.n rlike '^x'",
		sources: []string{"a", "b"}, targets: []string{"t"}, cols: []lineage.Pair{p("a.x", "t.x")},
		indirect: []lineage.Pair{p("a.k", "t.x"), p("a.n", "t.x"), p("b.k", "t.x")}},
	{name: "double equals", sql: "insert into t select a from s where b == 1", sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.a", "t.a")}},
	{name: "typed literals", sql: "insert into t select a + 10L as a, 1.5BD as c from s", sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.a", "t.a")}},
	{name: "hive functions", sql: "insert overwrite table t select nvl(a, 0) as a, concat_ws(',', collect_set(b)) as bs, get_json_object(j, '$.k') as k from s group by a, j",
		sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.a", "t.a"), p("s.b", "t.bs"), p("s.j", "t.k")}},
	{name: "cast to string", sql: "insert into t select cast(a as string) as a, cast(b as bigint) as b from s", sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.a"), p("s.b", "t.b")}},
	{name: "cte in hive", sql: "with c as (select id from s where dt = '1') insert overwrite table t select id from c", sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.id", "t.id")}, indirect: []lineage.Pair{p("s.dt", "t.id")}},
	{name: "hive script with temp table", sql: "drop table if exists tmp.x;\ncreate table tmp.x as select id, v from ods.s;\ninsert overwrite table dw.t partition(dt='1') select id, sum(v) as v from tmp.x group by id;\ndrop table tmp.x;",
		sources: []string{"ods.s"}, targets: []string{"dw.t"}, inter: []string{"tmp.x"},
		cols: []lineage.Pair{p("ods.s.id", "tmp.x.id"), p("ods.s.v", "tmp.x.v"), p("tmp.x.id", "dw.t.id"), p("tmp.x.v", "dw.t.v")}},
	{name: "comments", sql: "-- job: daily\n/* multi\nline */ insert into t select a from s -- trailing\n;", sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.a", "t.a")}},
	{name: "semicolon inside string", sql: "insert into t select a from s where b = 'x;y'; insert into u select a from t", sources: []string{"s"}, targets: []string{"u"}, inter: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.a"), p("t.a", "u.a")}},
	{name: "union all in hive", sql: "insert overwrite table t select a from s1 union all select b as a from s2", sources: []string{"s1", "s2"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s1.a", "t.a"), p("s2.b", "t.a")}},
	{name: "window in hive", sql: "insert into t select id, rank() over (partition by g order by v desc) as r from s", sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.g", "t.r"), p("s.id", "t.id"), p("s.v", "t.r")}},
	{name: "spark insert overwrite without table keyword", sql: "insert overwrite dw.t select a from s", sources: []string{"s"}, targets: []string{"dw.t"}, cols: []lineage.Pair{p("s.a", "dw.t.a")}},
	{name: "hive left semi join with subquery", sql: "insert into t select a.id from a left semi join (select id from b where flag = 1) bb on a.id = bb.id",
		sources: []string{"a", "b"}, targets: []string{"t"}, cols: []lineage.Pair{p("a.id", "t.id")}, indirect: []lineage.Pair{p("b.flag", "t.id"), p("b.id", "t.id")}},
	{name: "spark anti join", sql: "insert into t select a.id from a anti join b on a.id = b.id", sources: []string{"a", "b"}, targets: []string{"t"}, cols: []lineage.Pair{p("a.id", "t.id")}},
	{name: "lateral view in subquery", sql: "insert into t select tag, count(*) as n from (select tag from s lateral view explode(tags) x as tag) q group by tag",
		sources: []string{"s"}, targets: []string{"t"}, cols: []lineage.Pair{p("s.tags", "t.n"), p("s.tags", "t.tag")}}, // count(*) over a subquery counts its columns
	{name: "hive case and if", sql: "insert into t select if(a > 0, 'p', 'n') as sign, case b when 1 then c else d end as x from s", sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.a", "t.sign"), p("s.b", "t.x"), p("s.c", "t.x"), p("s.d", "t.x")}},
	{name: "hive multiple scripts with use", sql: "use dw; insert overwrite table agg select k, sum(v) as v from ods.f group by k; use ads; insert overwrite table top select k from dw.agg order by v desc limit 10;",
		sources: []string{"ods.f"}, targets: []string{"ads.top"}, inter: []string{"dw.agg"},
		cols: []lineage.Pair{p("dw.agg.k", "ads.top.k"), p("ods.f.k", "dw.agg.k"), p("ods.f.v", "dw.agg.v")}},
	{name: "hive insert overwrite with cte and join", sql: "with a as (select uid, amt from ods.o) insert overwrite table dw.u partition (dt='1') select u.name, sum(a.amt) as amt from a join ods.users u on a.uid = u.id group by u.name",
		sources: []string{"ods.o", "ods.users"}, targets: []string{"dw.u"}, cols: []lineage.Pair{p("ods.o.amt", "dw.u.amt"), p("ods.users.name", "dw.u.name")}},
	{name: "spark create or replace temp view then insert", sql: "create or replace temporary view v as select a from s; insert into t select a from v;",
		sources: []string{"s"}, targets: []string{"t"}, inter: []string{"v"}, cols: []lineage.Pair{p("s.a", "v.a"), p("v.a", "t.a")}},
	{name: "multi-insert", sql: "from ods.events e insert overwrite table dw.clicks partition (dt='1') select e.uid, e.url where e.kind = 'click' insert into table dw.views select e.uid, count(*) as n group by e.uid",
		sources: []string{"ods.events"}, targets: []string{"dw.clicks", "dw.views"},
		cols:     []lineage.Pair{p("ods.events.*", "dw.views.n"), p("ods.events.uid", "dw.clicks.uid"), p("ods.events.uid", "dw.views.uid"), p("ods.events.url", "dw.clicks.url")},
		indirect: []lineage.Pair{p("ods.events.kind", "dw.clicks.uid"), p("ods.events.kind", "dw.clicks.url"), p("ods.events.uid", "dw.views.n")}},
	{name: "multi-insert with join and lateral view in the shared from", sql: "from a join b on a.id = b.aid lateral view explode(b.tags) t as tag insert overwrite table x select a.id, tag insert overwrite table y select b.v where a.ok = 1",
		sources: []string{"a", "b"}, targets: []string{"x", "y"},
		cols: []lineage.Pair{p("a.id", "x.id"), p("b.tags", "x.tag"), p("b.v", "y.v")}},
	{name: "map and array access", sql: "insert into t select m['k'] as k, arr[0] as a0 from s", sources: []string{"s"}, targets: []string{"t"},
		cols: []lineage.Pair{p("s.arr", "t.a0"), p("s.m", "t.k")}},
}

func TestLineageHive(t *testing.T) {
	for _, dialect := range []string{"hive", "sparksql"} {
		for _, c := range hiveCases {
			t.Run(dialect+"/"+c.name, func(t *testing.T) {
				checkLineage(t, dialect, c)
			})
		}
	}
}

func TestHiveTokensBadInput(t *testing.T) {
	for _, sql := range []string{"select 'open", "select `open", "select /* open"} {
		if _, err := Lineage(LineageOptions{Dialect: "hive"}, sql); err == nil {
			t.Errorf("%q: accepted", sql)
		}
	}
}

func TestHiveKeepsDeleteStatements(t *testing.T) {
	res, err := Lineage(LineageOptions{Dialect: "hive"}, "delete jar x.jar; delete from t where id in (select id from s)")
	if err != nil || len(res.Sources) != 1 || res.Sources[0] != "s" {
		t.Fatalf("%v %+v", err, res)
	}
}
