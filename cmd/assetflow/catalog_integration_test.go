package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/google/uuid"

	"assetflow/infrastructure/postgres/pgtest"
	"assetflow/projections/runner"
)

func (s *server) waitRun(t testing.TB, token, runID string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, out := s.call("GET", "/api/catalog/runs/"+runID, token, nil)
		run := data(out)
		if run != nil && run["status"] != "running" {
			return run
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s still running: %v", runID, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *server) collectNow(t *testing.T, token string, body map[string]any) map[string]any {
	t.Helper()
	code, out := s.call("POST", "/api/catalog/collect", token, body)
	if code != 202 {
		t.Fatalf("collect: %d %v", code, out)
	}
	return s.waitRun(t, token, data(out)["run_id"].(string))
}

func TestCatalogCollectionIntegration(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("integration")
	}
	// A MariaDB source with awkward names.
	srcDB := "cat_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	maria, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/?multiStatements=true")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = maria.Exec("drop database if exists " + srcDB); maria.Close() })
	if _, err := maria.Exec("create database " + srcDB + " character set utf8mb4; use " + srcDB + ";" +
		"create table orders (id bigint primary key, amount decimal(10,2), note varchar(20)) comment='订单';" +
		"create table `select` (`from` int primary key comment 'reserved words');" +
		"create table `it's` (`col\"q` int);" +
		"create table `客户` (`编号` int primary key comment '客户编号', `名称` varchar(40));"); err != nil {
		t.Fatal(err)
	}
	dbURL := pgtest.NewDatabase(t)
	s := startServer(t, "ASSETFLOW_DATABASE_URL="+dbURL, "ASSETFLOW_DATA_DIR="+t.TempDir(), "ASSETFLOW_EMBEDDED_KAFKA_ADDR="+freePort(t))
	token := s.login()
	_, out := s.call("POST", "/api/datasources", token, map[string]any{"name": "shop", "type": "mariadb", "host": "127.0.0.1", "port": 3306, "database": srcDB, "username": "root"})
	ds := data(out)["id"].(string)

	run := s.collectNow(t, token, map[string]any{"datasource_id": ds, "database": srcDB})
	if run["status"] != "succeeded" || run["collected"].(float64) != 4 || run["total"].(float64) != 4 {
		t.Fatalf("first run: %v", run)
	}
	list := func(query string) (float64, []any) {
		_, out := s.call("GET", "/api/catalog/tables?"+query, token, nil)
		items, _ := out["data"].([]any)
		return out["meta"].(map[string]any)["total"].(float64), items
	}
	if n, _ := list("datasource_id=" + ds); n != 4 {
		t.Fatalf("catalog holds %v tables", n)
	}
	_, items := list("name=orders&datasource_id=" + ds)
	orders := items[0].(map[string]any)
	tid := orders["id"].(string)
	if orders["comment"] != "订单" || orders["column_count"].(float64) != 3 || orders["collected_by"] != "admin" || orders["last_synced_at"] == nil {
		t.Fatalf("orders entry: %v", orders)
	}
	if n, _ := list("q=" + url.QueryEscape("客户编号")); n != 1 {
		t.Fatalf("full-text on a column comment found %v", n)
	}
	if n, _ := list("q=reserved"); n != 1 {
		t.Fatalf("full-text found %v", n)
	}
	if n, items := list("page=2&page_size=3&datasource_id=" + ds); n != 4 || len(items) != 1 {
		t.Fatalf("pagination: %v %d", n, len(items))
	}
	future := url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	if n, _ := list("updated_from=" + future); n != 0 {
		t.Fatalf("updated_from in the future matched %v", n)
	}

	// Unchanged source: nothing new.
	run = s.collectNow(t, token, map[string]any{"datasource_id": ds, "database": srcDB})
	if run["unchanged"].(float64) != 4 || run["changed"].(float64) != 0 {
		t.Fatalf("idle recollection: %v", run)
	}

	// Drift: add, drop and retype columns; drop a table.
	if _, err := maria.Exec("use " + srcDB + "; alter table orders add column region varchar(10), drop column note, modify amount decimal(12,2); drop table `it's`"); err != nil {
		t.Fatal(err)
	}
	run = s.collectNow(t, token, map[string]any{"datasource_id": ds, "database": srcDB})
	if run["changed"].(float64) != 1 || run["dropped"].(float64) != 1 {
		t.Fatalf("drift run: %v", run)
	}
	pool := openPool(t, dbURL)
	var changes int
	var payload string
	if err := pool.QueryRow(context.Background(), `select count(*), max(payload::text) from events where stream_id = $1 and type = 'catalog.columns_changed'`, tid).Scan(&changes, &payload); err != nil {
		t.Fatal(err)
	}
	if changes != 1 || !strings.Contains(payload, `"added":[{"order":3,"name":"region"`) || !strings.Contains(payload, `"removed":[{"order":3,"name":"note"`) ||
		!strings.Contains(payload, `"before":{"order":2,"name":"amount","type":"decimal(10,2)"`) {
		t.Fatalf("columns_changed events %d: %s", changes, payload)
	}
	_, out = s.call("GET", "/api/catalog/tables/"+tid+"/history", token, nil)
	if !strings.Contains(fmt.Sprint(out["data"]), "added region; removed note; amount decimal(10,2) → decimal(12,2)") {
		t.Fatalf("history: %v", out["data"])
	}
	_, out = s.call("GET", "/api/catalog/tables/"+tid+"/columns", token, nil)
	if cols := out["data"].([]any); len(cols) != 3 || cols[2].(map[string]any)["name"] != "region" {
		t.Fatalf("columns after drift: %v", cols)
	}
	if n, items := list("status=dropped&datasource_id=" + ds); n != 1 || items[0].(map[string]any)["name"] != "it's" {
		t.Fatalf("dropped table: %v %v", n, items)
	}

	// Curation: tags must exist; description, owner, category; delete and restore.
	if code, out := s.call("PUT", "/api/catalog/tables/"+tid+"/tags", token, map[string]any{"tags": []string{"PII"}}); code != 400 {
		t.Fatalf("undefined tag: %d %v", code, out)
	}
	s.call("POST", "/api/catalog/tags", token, map[string]any{"name": "PII", "color": "#d03050", "sensitive": true})
	if code, out := s.call("PUT", "/api/catalog/tables/"+tid+"/columns/region/tags", token, map[string]any{"tags": []string{"PII"}}); code != 200 {
		t.Fatalf("tag column: %d %v", code, out)
	}
	code, out := s.call("POST", "/api/catalog/categories", token, map[string]any{"name": "销售"})
	if code != 201 {
		t.Fatalf("category: %d %v", code, out)
	}
	cat := data(out)["id"].(string)
	s.call("PUT", "/api/catalog/tables/"+tid+"/category", token, map[string]any{"category_id": cat})
	s.call("PUT", "/api/catalog/tables/"+tid, token, map[string]any{"description": "all orders", "owner": "sales-team"})
	if n, _ := list("tag=PII"); n != 1 {
		t.Fatalf("tag filter found %v", n)
	}
	if n, _ := list("category_id=" + cat); n != 1 {
		t.Fatalf("category filter found %v", n)
	}
	if code, _ := s.call("DELETE", "/api/catalog/tables/"+tid, token, nil); code != 200 {
		t.Fatalf("delete: %d", code)
	}
	if n, _ := list("name=orders&datasource_id=" + ds); n != 0 {
		t.Fatal("deleted table still listed")
	}
	_, out = s.call("POST", "/api/catalog/tables/"+tid+"/restore", token, nil)
	if data(out)["table"].(map[string]any)["status"] != "active" || data(out)["table"].(map[string]any)["owner"] != "sales-team" {
		t.Fatalf("restore: %v", out)
	}

	// Profiles: counts for every column, values masked for the PII-tagged one.
	maria.Exec("use " + srcDB + "; insert into orders (id, amount, region) values (1, 10, 'north'), (2, 20, 'south'), (3, null, 'north')")
	code, out = s.call("POST", "/api/catalog/tables/"+tid+"/profile", token, nil)
	if code != 200 {
		t.Fatalf("profile: %d %v", code, out)
	}
	prof := data(out)
	cols := prof["columns"].([]any)
	amount, region := cols[1].(map[string]any), cols[2].(map[string]any)
	if prof["rows"].(float64) != 3 || amount["null_ratio"].(float64) < 0.33 || amount["distinct_count"].(float64) != 2 || *strp(amount["max"]) != "20.00" {
		t.Fatalf("profile: %v", prof)
	}
	if region["masked"] != true || region["max"] != nil || region["top_values"] != nil || region["distinct_count"].(float64) != 2 {
		t.Fatalf("sensitive column leaked values: %v", region)
	}
	if top := cols[0].(map[string]any)["top_values"].([]any); len(top) != 3 {
		t.Fatalf("top values of id: %v", top)
	}
	_, out = s.call("GET", "/api/catalog/tables/"+tid, token, nil)
	if data(out)["table"].(map[string]any)["profile"] == nil {
		t.Fatal("profile not stored on the table")
	}

	// Schedules: validated cron, listed.
	if code, out := s.call("PUT", "/api/catalog/schedules/"+ds, token, map[string]any{"cron": "every day", "enabled": true}); code != 400 {
		t.Fatalf("bad cron: %d %v", code, out)
	}
	if code, out := s.call("PUT", "/api/catalog/schedules/"+ds, token, map[string]any{"cron": "0 2 * * *", "profile_cron": "bad", "enabled": true}); code != 400 {
		t.Fatalf("bad profile cron: %d %v", code, out)
	}
	if code, out := s.call("PUT", "/api/catalog/schedules/"+ds, token, map[string]any{"cron": "0 2 * * *", "profile_cron": "0 3 * * 0", "enabled": true}); code != 200 {
		t.Fatalf("schedule: %d %v", code, out)
	}
	if code, _ := s.call("PUT", "/api/catalog/schedules/datasource-missing", token, map[string]any{"cron": "0 2 * * *", "enabled": true}); code != 404 {
		t.Fatalf("schedule of a missing datasource: %d", code)
	}
	if _, out := s.call("GET", "/api/catalog/schedules", token, nil); !strings.Contains(fmt.Sprint(out["data"]), "cron:0 2 * * *") {
		t.Fatalf("schedules: %v", out)
	}

	// A failed run (unreachable source) leaves what was collected intact.
	_, out = s.call("POST", "/api/datasources", token, map[string]any{"name": "gone", "type": "mariadb", "host": "127.0.0.1", "port": 1, "username": "root"})
	gone := data(out)["id"].(string)
	run = s.collectNow(t, token, map[string]any{"datasource_id": gone})
	if run["status"] != "failed" || !strings.Contains(run["error"].(string), "unreachable") {
		t.Fatalf("unreachable run: %v", run)
	}
	run = s.collectNow(t, token, map[string]any{"datasource_id": ds, "database": srcDB, "tables": []string{"orders", "vanished"}})
	if run["status"] != "failed" || run["failed"].(float64) != 1 || !strings.Contains(run["error"].(string), "vanished") {
		t.Fatalf("vanished table: %v", run)
	}
	if n, _ := list("datasource_id=" + ds + "&status=all"); n != 4 {
		t.Fatalf("failed runs changed the catalog: %v", n)
	}

	// The catalog read model equals a replay of the store.
	waitSettled(t, pool)
	s.stop()
	live, err := runner.Snapshot(context.Background(), pool, projections()...)
	if err != nil {
		t.Fatal(err)
	}
	cmd := replayCmd(t, "ASSETFLOW_DATABASE_URL="+dbURL)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("replay: %v %s", err, out)
	}
	replayed, _ := runner.Snapshot(context.Background(), pool, projections()...)
	if live != replayed {
		t.Fatalf("catalog after replay differs:\n%s", firstDiff(live, replayed))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			x, y := al[i], bl[i]
			j := 0
			for j < len(x) && j < len(y) && x[j] == y[j] {
				j++
			}
			from := max(0, j-80)
			return "live:    …" + x[from:min(len(x), j+120)] + "\nreplay:  …" + y[from:min(len(y), j+120)]
		}
	}
	return fmt.Sprintf("lengths %d vs %d", len(al), len(bl))
}

func strp(v any) *string {
	s, ok := v.(string)
	if !ok {
		return new(string)
	}
	return &s
}

// The same drift detection against PostgreSQL, where one connection spans every schema.
func TestCatalogPostgresDriftIntegration(t *testing.T) {
	t.Parallel()
	src := pgtest.NewDatabase(t)
	srcDB := src[strings.LastIndex(src, "/")+1 : strings.Index(src, "?")]
	ctx := context.Background()
	srcPool := openPool(t, src)
	if _, err := srcPool.Exec(ctx, `create schema sales; create table sales.orders (id bigint primary key, amount numeric(10,2), note text);
		create table public.items (sku text primary key); comment on table sales.orders is '订单'`); err != nil {
		t.Fatal(err)
	}
	dbURL := pgtest.NewDatabase(t)
	s := startServer(t, "ASSETFLOW_DATABASE_URL="+dbURL, "ASSETFLOW_DATA_DIR="+t.TempDir(), "ASSETFLOW_EMBEDDED_KAFKA_ADDR="+freePort(t))
	token := s.login()
	_, out := s.call("POST", "/api/datasources", token, map[string]any{"name": "pg", "type": "postgresql", "host": "127.0.0.1", "port": 5432, "database": srcDB, "username": "postgres"})
	ds := data(out)["id"].(string)
	if run := s.collectNow(t, token, map[string]any{"datasource_id": ds}); run["collected"].(float64) != 2 {
		t.Fatalf("first run: %v", run)
	}
	_, out = s.call("GET", "/api/catalog/tables?name=orders&datasource_id="+ds, token, nil)
	orders := out["data"].([]any)[0].(map[string]any)
	if orders["schema"] != "sales" || orders["database"] != srcDB || orders["comment"] != "订单" {
		t.Fatalf("orders: %v", orders)
	}
	if _, err := srcPool.Exec(ctx, `alter table sales.orders add column region text, drop column note, alter column amount type numeric(12,2); drop table public.items`); err != nil {
		t.Fatal(err)
	}
	run := s.collectNow(t, token, map[string]any{"datasource_id": ds})
	if run["changed"].(float64) != 1 || run["dropped"].(float64) != 1 {
		t.Fatalf("drift run: %v", run)
	}
	pool := openPool(t, dbURL)
	var n int
	var payload string
	if err := pool.QueryRow(ctx, `select count(*), max(payload::text) from events where stream_id = $1 and type = 'catalog.columns_changed'`, orders["id"]).Scan(&n, &payload); err != nil {
		t.Fatal(err)
	}
	if n != 1 || !strings.Contains(payload, `"name":"region"`) || !strings.Contains(payload, `"type":"numeric(12,2)"`) || !strings.Contains(payload, `"removed":[{"order":3,"name":"note"`) {
		t.Fatalf("columns_changed %d: %s", n, payload)
	}
}

// Two schemas holding tables of one name: each catalog entry gets its own columns.
func TestCatalogSameNameInTwoSchemasIntegration(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("integration")
	}
	src := pgtest.NewDatabase(t)
	srcDB := src[strings.LastIndex(src, "/")+1 : strings.Index(src, "?")]
	if _, err := openPool(t, src).Exec(context.Background(), `create table customers (id int primary key, name text);
		create schema ods; create table ods.customers (id int primary key, name text, phone text)`); err != nil {
		t.Fatal(err)
	}
	s := newAPIServer(t)
	token := s.login()
	_, out := s.call("POST", "/api/datasources", token, map[string]any{"name": "pg", "type": "postgresql", "host": "127.0.0.1", "port": 5432, "database": srcDB, "username": "postgres"})
	ds := data(out)["id"].(string)
	if run := s.collectNow(t, token, map[string]any{"datasource_id": ds}); run["status"] != "succeeded" {
		t.Fatalf("collect: %v\n%s", run, s.logs())
	}
	_, out = s.call("GET", "/api/catalog/tables?name=customers&datasource_id="+ds, token, nil)
	got := map[string]float64{}
	for _, it := range out["data"].([]any) {
		m := it.(map[string]any)
		got[m["schema"].(string)] = m["column_count"].(float64)
	}
	if got["public"] != 2 || got["ods"] != 3 {
		t.Fatalf("columns per schema: %v", got)
	}
}
