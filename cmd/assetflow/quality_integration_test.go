package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"assetflow/infrastructure/postgres/pgtest"
	"assetflow/projections/runner"
)

// qualitySeed creates customers and orders with known defects: order 100 points at a missing
// customer, every tenth store is null, order 2 repeats order 1's key, order 7 has a negative
// amount, order 9 an unknown status, order 50 a malformed code.
func qualitySeed(exec func(string) error, mysql bool) error {
	text, ts := "text", "timestamp"
	if mysql {
		text = "varchar(32)"
	}
	stmts := []string{
		"create table customers (id int primary key, email " + text + ")",
		"create table orders (id int primary key, customer_id int, store " + text + ", dup_key int, amount decimal(10,2), status " + text +
			", code " + text + ", created_at " + ts + " null)",
	}
	var cust, ord []string
	for i := 1; i <= 10; i++ {
		cust = append(cust, fmt.Sprintf("(%d, 'c%d@example.com')", i, i))
	}
	for i := 1; i <= 100; i++ {
		customer, store, dup, amount, status, code := i%10+1, "'S1'", i, i, "'new'", fmt.Sprintf("'A-%03d'", i)
		if i == 100 {
			customer = 999
		}
		if i%10 == 0 {
			store = "null"
		}
		if i == 2 {
			dup = 1
		}
		if i == 7 {
			amount = -5
		}
		if i == 9 {
			status = "'lost'"
		}
		if i == 50 {
			code = "'bad'"
		}
		ord = append(ord, fmt.Sprintf("(%d, %d, %s, %d, %d, %s, %s)", i, customer, store, dup, amount, status, code))
	}
	stmts = append(stmts, "insert into customers values "+strings.Join(cust, ", "),
		"insert into orders (id, customer_id, store, dup_key, amount, status, code) values "+strings.Join(ord, ", "))
	if mysql {
		stmts = append(stmts, "update orders set created_at = now() - interval id minute")
	} else {
		stmts = append(stmts, "update orders set created_at = now() - make_interval(mins => id)")
	}
	for _, s := range stmts {
		if err := exec(s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

type qualityCase struct {
	name, column, typ string
	params            map[string]any
	threshold         map[string]any
	want              string
}

// qualityCases are each rule type once passing and once failing (or erroring) on the seed.
func qualityCases(customersID string) []qualityCase {
	none := map[string]any{}
	return []qualityCase{
		{"rows pass", "", "row_count", none, map[string]any{"min": 1}, "passed"},
		{"rows fail", "", "row_count", none, map[string]any{"min": 1000}, "failed"},
		{"null pass", "store", "null_rate", none, map[string]any{"max": 0.2}, "passed"},
		{"null fail", "store", "null_rate", none, map[string]any{"max": 0.01}, "failed"},
		{"null sampled", "store", "null_rate", map[string]any{"sample_rows": 5}, map[string]any{"max": 0}, "passed"},
		{"unique pass", "id", "unique", none, nil, "passed"},
		{"unique fail", "dup_key", "unique", none, nil, "failed"},
		{"range pass", "id", "range", map[string]any{"min": 1, "max": 100}, nil, "passed"},
		{"range fail", "amount", "range", map[string]any{"min": 0}, nil, "failed"},
		{"allowed pass", "status", "allowed_values", map[string]any{"values": []string{"new", "lost"}}, nil, "passed"},
		{"allowed fail", "status", "allowed_values", map[string]any{"values": []string{"new", "paid"}}, nil, "failed"},
		{"regex pass", "code", "regex", map[string]any{"pattern": "^[A-Za-z-]+[0-9]*$"}, nil, "passed"},
		{"regex fail", "code", "regex", map[string]any{"pattern": "^[A-Z]-[0-9]{3}$"}, nil, "failed"},
		{"fresh pass", "created_at", "freshness", none, map[string]any{"max": 86400}, "passed"},
		{"fresh fail", "created_at", "freshness", none, map[string]any{"max": 5}, "failed"},
		{"fk fail", "customer_id", "referential", map[string]any{"ref_table_id": customersID, "ref_column": "id"}, nil, "failed"},
		{"schema pass", "", "schema", map[string]any{"columns": []map[string]any{{"name": "id"}, {"name": "store"}}}, nil, "passed"},
		{"schema fail", "", "schema", map[string]any{"columns": []map[string]any{{"name": "id"}, {"name": "region"}}}, nil, "failed"},
		{"sql pass", "", "custom_sql", map[string]any{"sql": "select count(*) from orders"}, map[string]any{"min": 1}, "passed"},
		{"sql fail", "", "custom_sql", map[string]any{"sql": "select count(*) from orders where amount < 0"}, map[string]any{"max": 0}, "failed"},
		{"sql no number", "", "custom_sql", map[string]any{"sql": "select 'abc'"}, map[string]any{"max": 0}, "errored"},
		{"sql errors", "", "custom_sql", map[string]any{"sql": "select count(*) from no_such_table"}, map[string]any{"max": 0}, "errored"},
	}
}

func (s *server) tableID(t *testing.T, token, ds, name string) string {
	t.Helper()
	_, out := s.call("GET", "/api/catalog/tables?name="+name+"&datasource_id="+ds, token, nil)
	items, _ := out["data"].([]any)
	for _, it := range items {
		if m := it.(map[string]any); m["name"] == name {
			return m["id"].(string)
		}
	}
	t.Fatalf("table %s not in the catalog: %v", name, out)
	return ""
}

func (s *server) defineRule(t *testing.T, token string, body map[string]any) string {
	t.Helper()
	code, out := s.call("POST", "/api/quality/rules", token, body)
	if code != 201 {
		t.Fatalf("define %v: %d %v", body["name"], code, out)
	}
	return data(out)["id"].(string)
}

func (s *server) runRule(t *testing.T, token, id string) map[string]any {
	t.Helper()
	code, out := s.call("POST", "/api/quality/rules/"+id+"/run", token, nil)
	if code != 200 {
		t.Fatalf("run %s: %d %v", id, code, out)
	}
	return data(out)
}

// Every rule type passes and fails as it should against seeded MariaDB and PostgreSQL data; a
// reconciliation across the two finds a row missing from one; samples mask sensitive columns;
// bad input is refused field by field; and the read model equals a replay of the store.
func TestQualityRulesIntegration(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("integration")
	}
	ctx := context.Background()
	src := pgtest.NewDatabase(t)
	srcDB := src[strings.LastIndex(src, "/")+1 : strings.Index(src, "?")]
	srcPool := openPool(t, src)
	if err := qualitySeed(func(q string) error { _, err := srcPool.Exec(ctx, q); return err }, false); err != nil {
		t.Fatal(err)
	}
	mariaDB := "dq_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	maria, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = maria.Exec("drop database if exists " + mariaDB); maria.Close() })
	if _, err := maria.Exec("create database " + mariaDB); err != nil {
		t.Fatal(err)
	}
	mdb, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/"+mariaDB)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mdb.Close() })
	if err := qualitySeed(func(q string) error { _, err := mdb.Exec(q); return err }, true); err != nil {
		t.Fatal(err)
	}

	dbURL := pgtest.NewDatabase(t)
	s := startServer(t, "ASSETFLOW_DATABASE_URL="+dbURL, "ASSETFLOW_DATA_DIR="+t.TempDir(), "ASSETFLOW_EMBEDDED_KAFKA_ADDR="+freePort(t))
	token := s.login()
	_, out := s.call("POST", "/api/datasources", token, map[string]any{"name": "pg", "type": "postgresql", "host": "127.0.0.1", "port": 5432, "database": srcDB, "username": "postgres"})
	pgDS := data(out)["id"].(string)
	_, out = s.call("POST", "/api/datasources", token, map[string]any{"name": "maria", "type": "mariadb", "host": "127.0.0.1", "port": 3306, "database": mariaDB, "username": "root"})
	mariaDS := data(out)["id"].(string)
	s.collectNow(t, token, map[string]any{"datasource_id": pgDS})
	s.collectNow(t, token, map[string]any{"datasource_id": mariaDS, "database": mariaDB})
	s.call("POST", "/api/catalog/tags", token, map[string]any{"name": "PII", "color": "#d03050", "sensitive": true})

	tables := map[string]string{}
	for _, ds := range []struct{ name, id string }{{"pg", pgDS}, {"maria", mariaDS}} {
		orders, customers := s.tableID(t, token, ds.id, "orders"), s.tableID(t, token, ds.id, "customers")
		tables[ds.name] = orders
		if code, out := s.call("PUT", "/api/catalog/tables/"+orders+"/columns/code/tags", token, map[string]any{"tags": []string{"PII"}}); code != 200 {
			t.Fatalf("tag: %d %v", code, out)
		}
		for _, c := range qualityCases(customers) {
			body := map[string]any{"name": ds.name + " " + c.name, "table_id": orders, "type": c.typ, "params": c.params, "severity": "warning"}
			if c.column != "" {
				body["column"] = c.column
			}
			if c.threshold != nil {
				body["threshold"] = c.threshold
			}
			id := s.defineRule(t, token, body)
			res := s.runRule(t, token, id)
			if res["status"] != c.want {
				t.Errorf("%s %s: got %v (metric %v, error %v), want %s", ds.name, c.name, res["status"], res["metric"], res["error"], c.want)
				continue
			}
			samples, _ := res["samples"].([]any)
			if c.want == "failed" && c.typ != "row_count" && c.typ != "freshness" && c.typ != "custom_sql" && len(samples) == 0 {
				t.Errorf("%s %s: failed without samples: %v", ds.name, c.name, res)
			}
			for _, sm := range samples {
				if v, ok := sm.(map[string]any)["code"]; ok && v != "***" && v != nil {
					t.Errorf("%s %s: sensitive column leaked in samples: %v", ds.name, c.name, sm)
				}
			}
			if c.want == "errored" && res["error"] == "" {
				t.Errorf("%s %s: errored without a reason", ds.name, c.name)
			}
		}
		// A check that outlives its timeout is errored with the reason.
		slow := map[string]string{"pg": "select 1 from pg_sleep(3)", "maria": "select sleep(3)"}[ds.name]
		id := s.defineRule(t, token, map[string]any{"name": ds.name + " slow", "table_id": orders, "type": "custom_sql", "severity": "warning",
			"params": map[string]any{"sql": slow, "timeout_seconds": 1}, "threshold": map[string]any{"max": 10}})
		if res := s.runRule(t, token, id); res["status"] != "errored" || !strings.Contains(fmt.Sprint(res["error"]), "did not finish within 1s") {
			t.Errorf("%s timeout: %v", ds.name, res)
		}
		// A referential rule that holds: every customer has orders.
		id = s.defineRule(t, token, map[string]any{"name": ds.name + " fk pass", "table_id": customers, "column": "id", "type": "referential",
			"params": map[string]any{"ref_table_id": orders, "ref_column": "customer_id"}, "severity": "critical"})
		if res := s.runRule(t, token, id); res["status"] != "passed" {
			t.Errorf("%s fk pass: %v", ds.name, res)
		}
	}

	// Reconciliation: the same orders in both databases agree, then one loses a row.
	rec := s.defineRule(t, token, map[string]any{"name": "orders copy", "table_id": tables["pg"], "type": "reconciliation",
		"params": map[string]any{"ref_table_id": tables["maria"], "compare": []string{"id", "amount", "status"}}, "severity": "critical"})
	if res := s.runRule(t, token, rec); res["status"] != "passed" {
		t.Fatalf("reconciliation of equal tables: %v", res)
	}
	if _, err := maria.Exec("delete from " + mariaDB + ".orders where id = 42"); err != nil {
		t.Fatal(err)
	}
	res := s.runRule(t, token, rec)
	if res["status"] != "failed" || len(res["samples"].([]any)) == 0 {
		t.Fatalf("reconciliation after a lost row: %v", res)
	}

	// A column dropped after the rule was saved: the check errors with the reason.
	drop := s.defineRule(t, token, map[string]any{"name": "amount range", "table_id": tables["pg"], "column": "amount", "type": "range",
		"params": map[string]any{"max": 1000}, "severity": "warning"})
	if _, err := srcPool.Exec(ctx, "alter table orders drop column amount"); err != nil {
		t.Fatal(err)
	}
	if res := s.runRule(t, token, drop); res["status"] != "errored" || !strings.Contains(fmt.Sprint(res["error"]), "amount") {
		t.Fatalf("dropped column: %v", res)
	}

	// Bad input.
	valid := func(mod func(m map[string]any)) map[string]any {
		m := map[string]any{"name": "x", "table_id": tables["pg"], "column": "store", "type": "null_rate", "params": map[string]any{},
			"threshold": map[string]any{"max": 0.1}, "severity": "warning"}
		mod(m)
		return m
	}
	for _, c := range []struct {
		name  string
		body  any
		field string
	}{
		{"unknown type", valid(func(m map[string]any) { m["type"] = "magic" }), "type"},
		{"threshold not a number", `{"name":"x","table_id":"` + tables["pg"] + `","column":"store","type":"null_rate","params":{},"threshold":{"max":"low"},"severity":"warning"}`, "threshold.max"},
		{"no threshold", valid(func(m map[string]any) { delete(m, "threshold") }), "threshold"},
		{"bad cron", valid(func(m map[string]any) { m["schedule"] = "every minute" }), "schedule"},
		{"missing column", valid(func(m map[string]any) { m["column"] = "nope" }), "column"},
		{"unknown table", valid(func(m map[string]any) { m["table_id"] = "table-nope" }), "table_id"},
		{"bad severity", valid(func(m map[string]any) { m["severity"] = "meh" }), "severity"},
		{"writing sql", valid(func(m map[string]any) {
			m["type"], m["column"], m["params"] = "custom_sql", "", map[string]any{"sql": "delete from orders"}
		}), "params.sql"},
		{"bad regex", valid(func(m map[string]any) {
			m["type"], m["params"], m["threshold"] = "regex", map[string]any{"pattern": "("}, nil
		}), "params.pattern"},
		{"unknown field", valid(func(m map[string]any) { m["colour"] = "red" }), "colour"},
	} {
		var code int
		var out map[string]any
		if raw, ok := c.body.(string); ok {
			code, out = s.raw("POST", "/api/quality/rules", token, raw)
		} else {
			code, out = s.call("POST", "/api/quality/rules", token, c.body)
		}
		details, _ := out["details"].([]any)
		found := false
		for _, d := range details {
			found = found || d.(map[string]any)["field"] == c.field
		}
		if code != 400 || out["code"] != "INVALID_PARAM" || !found {
			t.Errorf("%s: %d %v", c.name, code, out)
		}
	}
	for _, c := range []struct{ method, path string }{{"GET", "/api/quality/rules/qrule-nope"}, {"POST", "/api/quality/rules/qrule-nope/run"},
		{"PUT", "/api/quality/rules/qrule-nope"}, {"DELETE", "/api/quality/rules/qrule-nope"}, {"GET", "/api/quality/rules/qrule-nope/results"}} {
		var body any
		if c.method == "PUT" {
			body = valid(func(map[string]any) {})
		}
		if code, out := s.call(c.method, c.path, token, body); code != 404 || out["code"] != "NOT_FOUND" {
			t.Errorf("%s %s: %d %v", c.method, c.path, code, out)
		}
	}

	// Viewers read rules and results but neither define nor run them.
	if code, out := s.call("POST", "/api/system/users", token, map[string]any{"username": "dqviewer", "password": "viewer-pass-1", "roles": []string{"viewer"}}); code != 201 {
		t.Fatalf("viewer: %d %v", code, out)
	}
	_, out = s.call("POST", "/api/auth/login", "", map[string]string{"username": "dqviewer", "password": "viewer-pass-1"})
	viewer := data(out)["token"].(string)
	for _, c := range []struct {
		method, path string
		body         any
		status       int
	}{{"GET", "/api/quality/rules", nil, 200}, {"GET", "/api/quality/rules/" + rec + "/results", nil, 200}, {"POST", "/api/quality/rules/" + rec + "/run", nil, 403},
		{"POST", "/api/quality/rules", valid(func(map[string]any) {}), 403}, {"DELETE", "/api/quality/rules/" + rec, nil, 403}} {
		if code, out := s.call(c.method, c.path, viewer, c.body); code != c.status {
			t.Errorf("viewer %s %s: %d %v", c.method, c.path, code, out)
		}
	}

	// Impact: a job writes a summary of orders; a failure of orders reaches it.
	if code, out := s.call("POST", "/api/lineage/etl-logs", token, map[string]any{"job_name": "daily_summary", "datasource_id": pgDS,
		"sql": "insert into orders_summary select store, count(*) from orders group by store"}); code != 201 {
		t.Fatalf("etl log: %d %v", code, out)
	}
	_, out = s.call("GET", "/api/quality/rules/"+rec+"/impact", token, nil)
	if imp := data(out); imp == nil || len(imp["tables"].([]any)) != 1 || imp["tables"].([]any)[0].(map[string]any)["id"] != "pg.public.orders_summary" {
		t.Fatalf("impact: %v", out)
	}

	// Lists, history, score.
	code, out := s.call("GET", "/api/quality/rules?table_id="+tables["pg"]+"&status=failed&page_size=5", token, nil)
	if meta := out["meta"].(map[string]any); code != 200 || meta["total"].(float64) < 8 || len(out["data"].([]any)) != 5 {
		t.Fatalf("failed rules: %d %v", code, meta)
	}
	if code, out := s.call("GET", "/api/quality/rules?status=broken", token, nil); code != 400 {
		t.Fatalf("bad status filter: %d %v", code, out)
	}
	_, out = s.call("GET", "/api/quality/rules/"+rec+"/results", token, nil)
	if hist := out["data"].([]any); len(hist) != 2 || hist[0].(map[string]any)["status"] != "failed" || hist[0].(map[string]any)["previous"] != "passed" {
		t.Fatalf("history: %v", out)
	}
	_, out = s.call("GET", "/api/quality/tables/"+tables["pg"]+"/score", token, nil)
	if sc := data(out); sc["score"] == nil || sc["score"].(float64) <= 0 || sc["score"].(float64) >= 100 || sc["failed"].(float64) < 8 {
		t.Fatalf("score: %v", out)
	}
	if code, out := s.call("PUT", "/api/quality/rules/"+drop, token, valid(func(m map[string]any) { m["name"] = "renamed" })); code != 200 || data(out)["name"] != "renamed" {
		t.Fatalf("update: %d %v", code, out)
	}
	if code, _ := s.call("DELETE", "/api/quality/rules/"+drop, token, nil); code != 200 {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := s.call("GET", "/api/quality/rules/"+drop, token, nil); code != 404 {
		t.Fatalf("deleted rule still answers: %d", code)
	}
	if _, out := s.call("GET", "/api/quality/results?rule_id="+drop, token, nil); len(out["data"].([]any)) != 1 {
		t.Fatalf("a deleted rule's results are kept: %v", out)
	}

	// The quality read model equals a replay of the store.
	pool := openPool(t, dbURL)
	waitSettled(t, pool)
	s.stop()
	live, err := runner.Snapshot(ctx, pool, projections()...)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := replayCmd(t, "ASSETFLOW_DATABASE_URL="+dbURL).CombinedOutput(); err != nil {
		t.Fatalf("replay: %v %s", err, out)
	}
	if replayed, _ := runner.Snapshot(ctx, pool, projections()...); live != replayed {
		t.Fatalf("read models after replay differ:\n%s", firstDiff(live, replayed))
	}
}

// webhookReceiver records the alerts posted to it.
type webhookReceiver struct {
	mu     sync.Mutex
	alerts []map[string]any
}

func (w *webhookReceiver) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	w.mu.Lock()
	w.alerts = append(w.alerts, m)
	w.mu.Unlock()
}

func (w *webhookReceiver) kinds() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, a := range w.alerts {
		out = append(out, fmt.Sprint(a["kind"]))
	}
	return out
}

// Two replicas share one database and broker: a rule scheduled every minute is checked once per
// minute, not once per replica; its failures alert a webhook once per incident, and recovery once.
func TestQualitySchedulesAndAlertsIntegration(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("integration")
	}
	ctx := context.Background()
	src := pgtest.NewDatabase(t)
	srcDB := src[strings.LastIndex(src, "/")+1 : strings.Index(src, "?")]
	srcPool := openPool(t, src)
	if _, err := srcPool.Exec(ctx, "create table orders as select g as id, case when g % 10 = 0 then null else 'S1' end as store from generate_series(1, 100) g"); err != nil {
		t.Fatal(err)
	}
	hook := &webhookReceiver{}
	receiver := httptest.NewServer(hook)
	t.Cleanup(receiver.Close)

	dbURL := pgtest.NewDatabase(t)
	broker := freePort(t)
	a := startServer(t, "ASSETFLOW_DATABASE_URL="+dbURL, "ASSETFLOW_DATA_DIR="+t.TempDir(), "ASSETFLOW_EMBEDDED_KAFKA_ADDR="+broker, "ASSETFLOW_NODE_ID=a")
	b := startServer(t, "ASSETFLOW_DATABASE_URL="+dbURL, "ASSETFLOW_DATA_DIR="+t.TempDir(), "ASSETFLOW_KAFKA_BROKERS="+broker, "ASSETFLOW_NODE_ID=b")
	token := a.login()
	_, out := a.call("POST", "/api/datasources", token, map[string]any{"name": "pg", "type": "postgresql", "host": "127.0.0.1", "port": 5432, "database": srcDB, "username": "postgres"})
	ds := data(out)["id"].(string)
	a.collectNow(t, token, map[string]any{"datasource_id": ds})
	orders := a.tableID(t, token, ds, "orders")

	// Alerts: fail, fail again (same incident), recover.
	alerted := a.defineRule(t, token, map[string]any{"name": "store filled", "table_id": orders, "column": "store", "type": "null_rate",
		"threshold": map[string]any{"max": 0.01}, "severity": "critical", "params": map[string]any{},
		"alert": map[string]any{"types": []string{"dingtalk"}, "webhook_url": receiver.URL}})
	first, second := a.runRule(t, token, alerted), b.runRule(t, b.login(), alerted)
	if first["status"] != "failed" || second["status"] != "failed" || first["incident"] == "" || second["incident"] != first["incident"] {
		t.Fatalf("one incident: %v / %v", first, second)
	}
	if _, err := srcPool.Exec(ctx, "update orders set store = 'S2' where store is null"); err != nil {
		t.Fatal(err)
	}
	if res := a.runRule(t, token, alerted); res["status"] != "passed" {
		t.Fatalf("recovery: %v", res)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(hook.kinds()) < 2 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // nothing more may arrive
	if k := hook.kinds(); len(k) != 2 || k[0] != "failure" || k[1] != "recovery" {
		t.Fatalf("alerts: %v", k)
	}

	// Schedules: one check per minute across both replicas.
	scheduled := a.defineRule(t, token, map[string]any{"name": "rows", "table_id": orders, "type": "row_count",
		"threshold": map[string]any{"min": 1}, "severity": "warning", "params": map[string]any{}, "schedule": "* * * * *"})
	// A scheduled rule whose SQL fails is errored each minute and holds up nothing.
	broken := a.defineRule(t, token, map[string]any{"name": "broken", "table_id": orders, "type": "custom_sql", "threshold": map[string]any{"max": 0},
		"severity": "warning", "params": map[string]any{"sql": "select count(*) from no_such_table"}, "schedule": "* * * * *"})
	start := time.Now()
	// Wait until two minute boundaries have passed after both replicas have synced the job.
	time.Sleep(time.Until(start.Truncate(time.Minute).Add(2*time.Minute + 15*time.Second)))
	_, out = a.call("GET", "/api/quality/rules/"+scheduled+"/results", token, nil)
	hist := out["data"].([]any)
	perMinute := map[string]int{}
	for _, h := range hist {
		r := h.(map[string]any)
		if r["trigger"] != "schedule" {
			t.Fatalf("unexpected trigger: %v", r)
		}
		at, _ := time.Parse(time.RFC3339Nano, r["checked_at"].(string))
		perMinute[at.Truncate(time.Minute).Format("15:04")]++
	}
	if len(hist) < 1 || len(hist) > 2 {
		t.Fatalf("scheduled checks over two minutes: %d %v", len(hist), perMinute)
	}
	for m, n := range perMinute {
		if n != 1 {
			t.Fatalf("minute %s ran %d checks", m, n)
		}
	}
	_, out = a.call("GET", "/api/quality/rules/"+broken+"/results", token, nil)
	bad := out["data"].([]any)
	if len(bad) == 0 || len(bad) > 2 {
		t.Fatalf("broken scheduled rule: %d checks: %v", len(bad), out)
	}
	for _, h := range bad {
		if r := h.(map[string]any); r["status"] != "errored" || r["trigger"] != "schedule" || r["error"] == "" {
			t.Fatalf("broken scheduled rule: %v", r)
		}
	}
}
