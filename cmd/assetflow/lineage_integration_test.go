package main

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"assetflow/infrastructure/bus"
	"assetflow/infrastructure/postgres/pgtest"
)

// graphNodes lists a graph answer's node ids.
func graphNodes(out map[string]any) []string {
	var ids []string
	for _, n := range data(out)["nodes"].([]any) {
		ids = append(ids, n.(map[string]any)["id"].(string))
	}
	slices.Sort(ids)
	return ids
}

func TestLineageIntegration(t *testing.T) {
	t.Parallel()
	s := newAPIServer(t)
	admin := s.login()
	code, out := s.call("POST", "/api/datasources", admin, map[string]any{"name": "pg", "type": "postgresql", "host": "127.0.0.1", "port": 5432, "database": "postgres", "username": "postgres"})
	if code != 201 {
		t.Fatalf("datasource: %d %v", code, out)
	}
	dsID := data(out)["id"].(string)

	job := map[string]any{"job_name": "daily_orders", "datasource_id": dsID, "sql": `
		create table tmp.o as select id, uid, amt from ods.orders where dt = '2026-11-27';
		insert into dw.fact select o.id, sum(o.amt) as total from tmp.o o join ods.users u on o.uid = u.id group by o.id;`}
	code, out = s.call("POST", "/api/lineage/etl-logs", admin, job)
	if code != 201 || data(out)["found"].(float64) < 5 || data(out)["origin"] != "etl:daily_orders" {
		t.Fatalf("ingest: %d %v", code, out)
	}
	graph := func(q url.Values) []string {
		t.Helper()
		code, out := s.call("GET", "/api/lineage/graph?"+q.Encode(), admin, nil)
		if code != 200 {
			t.Fatalf("graph %v: %d %v", q, code, out)
		}
		return graphNodes(out)
	}
	up := graph(url.Values{"node": {"pg.dw.fact"}, "direction": {"up"}, "depth": {"3"}})
	if !slices.Equal(up, []string{"pg.dw.fact", "pg.ods.orders", "pg.ods.users", "pg.tmp.o"}) {
		t.Fatalf("upstream tables: %v", up)
	}
	cols := graph(url.Values{"node": {"pg.dw.fact.total"}, "direction": {"up"}, "depth": {"5"}, "level": {"column"}})
	if !slices.Contains(cols, "pg.ods.orders.amt") || !slices.Contains(cols, "pg.ods.users.id") || !slices.Contains(cols, "pg.ods.orders.dt") {
		t.Fatalf("upstream columns (direct and indirect): %v", cols)
	}

	// The same SQL again changes nothing.
	if code, out = s.call("POST", "/api/lineage/etl-logs", admin, job); code != 200 || data(out)["unchanged"] != true {
		t.Fatalf("repeat: %d %v", code, out)
	}
	// The job's SQL changes: users is no longer joined; its edges are retired.
	job["sql"] = "insert into dw.fact select id, amt as total from ods.orders_v2"
	code, out = s.call("POST", "/api/lineage/etl-logs", admin, job)
	if code != 201 || data(out)["retired"].(float64) < 5 {
		t.Fatalf("changed job: %d %v", code, out)
	}
	up = graph(url.Values{"node": {"pg.dw.fact"}, "direction": {"up"}})
	if !slices.Equal(up, []string{"pg.dw.fact", "pg.ods.orders_v2"}) {
		t.Fatalf("after the job changed: %v", up)
	}

	// Bad input is refused and nothing stored changes.
	for _, bad := range []struct {
		body any
		want int
	}{
		{map[string]any{"job_name": "daily_orders", "datasource_id": dsID, "sql": "insert into dw.fact selec oops"}, 400},
		{map[string]any{"job_name": "x", "dialect": "cobol", "sql": "select 1"}, 400},
		{map[string]any{"job_name": "x", "sql": "select 1"}, 400},
		{map[string]any{"job_name": "", "dialect": "mysql", "sql": "select 1"}, 400},
		{map[string]any{"job_name": "x", "dialect": "mysql", "sql": " "}, 400},
		{map[string]any{"job_name": "x", "datasource_id": "nope", "sql": "select 1"}, 400},
		{map[string]any{"job_name": "x", "dialect": "mysql", "sql": "select 1", "extra": 1}, 400},
	} {
		code, out := s.call("POST", "/api/lineage/etl-logs", admin, bad.body)
		if code != bad.want || out["success"] != false || out["code"] == "" {
			t.Errorf("%v: %d %v", bad.body, code, out)
		}
	}
	if up = graph(url.Values{"node": {"pg.dw.fact"}, "direction": {"up"}}); !slices.Equal(up, []string{"pg.dw.fact", "pg.ods.orders_v2"}) {
		t.Fatalf("after bad input: %v", up)
	}
	for _, q := range []string{"", "node=a&direction=left", "node=a&depth=abc", "node=a&depth=99", "node=a&level=row"} {
		if code, out := s.call("GET", "/api/lineage/graph?"+q, admin, nil); code != 400 || out["success"] != false {
			t.Errorf("graph %q: %d %v", q, code, out)
		}
	}

	// Preview: analysis without recording, errors next to what parsed.
	code, out = s.call("POST", "/api/lineage/parse", admin, map[string]any{"dialect": "hive", "sql": "insert overwrite table t partition (dt='1') select a from s lateral view explode(xs) x as a2"})
	if code != 200 || data(out)["targets"].([]any)[0] != "t" {
		t.Fatalf("preview: %d %v", code, out)
	}
	code, out = s.call("POST", "/api/lineage/parse", admin, map[string]any{"dialect": "postgres", "sql": "insert into t select a from s; selec"})
	if code != 200 || len(data(out)["errors"].([]any)) == 0 || data(out)["targets"].([]any)[0] != "t" {
		t.Fatalf("preview with an error: %d %v", code, out)
	}

	// A viewer reads lineage but cannot ingest.
	if code, out := s.call("POST", "/api/system/users", admin, map[string]any{"username": "lineage_viewer", "password": "Lv-pass-1234", "roles": []string{"viewer"}}); code != 201 {
		t.Fatalf("viewer: %d %v", code, out)
	}
	_, out = s.call("POST", "/api/auth/login", "", map[string]string{"username": "lineage_viewer", "password": "Lv-pass-1234"})
	viewer, _ := data(out)["token"].(string)
	if viewer == "" {
		t.Fatalf("viewer login: %v", out)
	}
	if code, _ := s.call("POST", "/api/lineage/etl-logs", viewer, job); code != 403 {
		t.Fatalf("viewer ingest: %d", code)
	}
	if code, _ := s.call("GET", "/api/lineage/graph?node=pg.dw.fact", viewer, nil); code != 200 {
		t.Fatalf("viewer graph: %d", code)
	}
}

func TestETLLogTopicIntegration(t *testing.T) {
	t.Parallel()
	broker, err := bus.StartEmbedded(freePort(t), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Close)
	s := startServer(t, "ASSETFLOW_DATABASE_URL="+pgtest.NewDatabase(t), "ASSETFLOW_DATA_DIR="+t.TempDir(), "ASSETFLOW_KAFKA_BROKERS="+broker.Addr)
	admin := s.login()
	pub, err := bus.NewPublisher([]string{broker.Addr}, "scheduler")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	send := func(body string) {
		t.Helper()
		msg := message.NewMessage(watermill.NewUUID(), []byte(body))
		msg.Metadata.Set(bus.MetaStreamID, "job")
		if err := pub.Publish(bus.ETLLogsTopic, msg); err != nil {
			t.Fatal(err)
		}
	}
	// A broken message and unparsable SQL are skipped; the good one after them is recorded.
	send(`{not json`)
	send(`{"job_name": "nightly", "dialect": "hive", "sql": "insert overwrite table dw.x selec"}`)
	send(`{"job_name": "nightly", "dialect": "hive", "sql": "insert overwrite table dw.x partition (dt='1') select a, b from ods.y"}`)
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, out := s.call("GET", "/api/lineage/graph?node=dw.x&direction=up", admin, nil)
		if code == 200 && slices.Equal(graphNodes(out), []string{"dw.x", "ods.y"}) {
			edges := data(out)["edges"].([]any)
			if origins := edges[0].(map[string]any)["origins"].([]any); origins[0] != "etl:nightly" {
				t.Fatalf("origin: %v", origins)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ETL log from Kafka not recorded: %d %v\n%s", code, out, s.logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// SELECT * expands through the catalog when the job names a collected datasource.
func TestLineageCatalogStarIntegration(t *testing.T) {
	t.Parallel()
	src := pgtest.NewDatabase(t)
	srcDB := src[strings.LastIndex(src, "/")+1 : strings.Index(src, "?")]
	if _, err := openPool(t, src).Exec(context.Background(), `create schema ods; create table ods.orders (id bigint primary key, amt numeric, uid int);
		create view ods.big_orders as select id, amt * 1.1 as gross from ods.orders where amt > 100`); err != nil {
		t.Fatal(err)
	}
	s := newAPIServer(t)
	admin := s.login()
	_, out := s.call("POST", "/api/datasources", admin, map[string]any{"name": "wh", "type": "postgresql", "host": "127.0.0.1", "port": 5432, "database": srcDB, "username": "postgres"})
	ds := data(out)["id"].(string)
	if run := s.collectNow(t, admin, map[string]any{"datasource_id": ds}); run["collected"].(float64) != 2 {
		t.Fatalf("collect: %v", run)
	}
	code, out := s.call("POST", "/api/lineage/etl-logs", admin, map[string]any{"job_name": "copy", "datasource_id": ds,
		"sql": "insert into dw.orders_copy select * from ods.orders; insert into dw.unknown_copy select * from ods.not_collected"})
	if code != 201 {
		t.Fatalf("ingest: %d %v", code, out)
	}
	var pairs []string
	for _, p := range data(out)["lineage"].(map[string]any)["column_lineage"].([]any) {
		pp := p.([]any)
		pairs = append(pairs, pp[0].(string)+">"+pp[1].(string))
	}
	want := []string{"ods.not_collected.*>dw.unknown_copy.*", "ods.orders.amt>dw.orders_copy.amt", "ods.orders.id>dw.orders_copy.id", "ods.orders.uid>dw.orders_copy.uid"}
	if !slices.Equal(pairs, want) {
		t.Fatalf("column lineage: %v", pairs)
	}
	cols := graphNodes(func() map[string]any {
		_, out := s.call("GET", "/api/lineage/graph?level=column&direction=up&node=wh.dw.orders_copy", admin, nil)
		return out
	}())
	if !slices.Equal(cols, []string{"wh.dw.orders_copy.amt", "wh.dw.orders_copy.id", "wh.dw.orders_copy.uid", "wh.ods.orders.amt", "wh.ods.orders.id", "wh.ods.orders.uid"}) {
		t.Fatalf("column graph: %v", cols)
	}
	// Nodes link to the catalog; a table the catalog does not hold stays an unresolved node.
	_, out = s.call("GET", "/api/lineage/graph?direction=up&node=wh.dw.orders_copy", admin, nil)
	for _, n := range data(out)["nodes"].([]any) {
		node := n.(map[string]any)
		if in := node["catalog_table_id"] != ""; in != (node["id"] == "wh.ods.orders") {
			t.Fatalf("catalog resolution: %v", node)
		}
	}

	// The view's definition, collected with the catalog, is lineage too: ods.orders feeds the
	// view (gross from amt, filtered on amt), and orders_copy through the job.
	viewCols := func() []string {
		_, out := s.call("GET", "/api/lineage/graph?level=column&direction=up&node=wh.ods.big_orders", admin, nil)
		return graphNodes(out)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		got := viewCols()
		if slices.Equal(got, []string{"wh.ods.big_orders.gross", "wh.ods.big_orders.id", "wh.ods.orders.amt", "wh.ods.orders.id"}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("view lineage: %v", got)
		}
	}
	// Dropping the view retires its edges at the next collection.
	if _, err := openPool(t, src).Exec(context.Background(), `drop view ods.big_orders`); err != nil {
		t.Fatal(err)
	}
	s.collectNow(t, admin, map[string]any{"datasource_id": ds})
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if got := viewCols(); len(got) == 1 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("dropped view still has lineage: %v", got)
		}
	}
}

// The platform's own activity feeds lineage: console statements that write, and report APIs
// (whose edges go when the version is deleted).
func TestLineageFromPlatformActivityIntegration(t *testing.T) {
	t.Parallel()
	src := pgtest.NewDatabase(t)
	srcDB := src[strings.LastIndex(src, "/")+1 : strings.Index(src, "?")]
	if _, err := openPool(t, src).Exec(context.Background(), `create table fact_sales (date date, store_id text, order_id int, amount numeric(10,2));
		create table daily (date date, total numeric); insert into fact_sales values ('2025-01-01', 'S1', 1, 9.5)`); err != nil {
		t.Fatal(err)
	}
	s := newAPIServer(t)
	admin := s.login()
	_, out := s.call("POST", "/api/datasources", admin, map[string]any{"name": "dw", "type": "postgresql", "host": "127.0.0.1", "port": 5432,
		"database": srcDB, "username": "postgres", "allow_writes": true})
	ds := data(out)["id"].(string)
	if code, out := s.call("POST", "/api/dataservice/query", admin, map[string]any{"datasource_id": ds,
		"sql": "insert into daily select date, sum(amount) as total from fact_sales group by date"}); code != 200 {
		t.Fatalf("console insert: %d %v", code, out)
	}
	_, out = s.call("POST", "/api/dataservice/reports", admin, map[string]any{"name": "销售日报", "owner": "BI-Team"})
	report := data(out)["id"].(string)
	if code, out := s.call("POST", "/api/dataservice/interfaces", admin, salesDefinition(ds, report, "1.0.0")); code != 201 {
		t.Fatalf("interface: %d %v", code, out)
	}
	await := func(query string, want func([]string) bool) []string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			_, out := s.call("GET", "/api/lineage/graph?"+query, admin, nil)
			nodes := graphNodes(out)
			if want(nodes) {
				return nodes
			}
			if time.Now().After(deadline) {
				t.Fatalf("graph %s: %v", query, nodes)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	await("direction=down&node=dw.public.fact_sales", func(n []string) bool {
		return slices.Equal(n, []string{"api:sales_daily_summary", "dw.public.daily", "dw.public.fact_sales"})
	})
	await("direction=down&level=column&node=dw.public.fact_sales.amount", func(n []string) bool {
		return slices.Contains(n, "api:sales_daily_summary.total_amount") && slices.Contains(n, "dw.public.daily.total")
	})
	// A plain SELECT in the console asserts nothing; the deleted draft's edges are retired.
	s.call("POST", "/api/dataservice/query", admin, map[string]any{"datasource_id": ds, "sql": "select * from daily"})
	if code, out := s.call("DELETE", "/api/dataservice/interfaces/sales_daily_summary?version=1.0.0", admin, nil); code != 200 {
		t.Fatalf("delete interface: %d %v", code, out)
	}
	await("direction=down&node=dw.public.fact_sales", func(n []string) bool {
		return slices.Equal(n, []string{"dw.public.daily", "dw.public.fact_sales"})
	})
}
