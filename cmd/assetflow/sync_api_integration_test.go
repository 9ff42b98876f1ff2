package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"assetflow/infrastructure/postgres/pgtest"
)

func (s *server) waitSyncRun(t *testing.T, token, runID string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, out := s.call("GET", "/api/integration/runs/"+runID, token, nil)
		if run := data(out); run != nil && run["status"] != "running" && run["status"] != "queued" {
			return run
		}
		if time.Now().After(deadline) {
			t.Fatalf("sync run %s still running: %v", runID, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// wantTaskRejected posts a task and expects a 400 INVALID_PARAM envelope with a detail for each
// of fields.
func wantTaskRejected(t *testing.T, s *server, token, name, body string, fields []string) {
	t.Helper()
	code, out := s.raw("POST", "/api/integration/tasks", token, body)
	if code != 400 || out["success"] != false || out["code"] != "INVALID_PARAM" || out["message"] == "" {
		t.Fatalf("%s: %d %v", name, code, out)
	}
	got := map[string]bool{}
	ds, _ := out["details"].([]any)
	for _, d := range ds {
		if m, ok := d.(map[string]any); ok {
			got[fmt.Sprint(m["field"])] = true
		}
	}
	for _, f := range fields {
		if !got[f] {
			t.Errorf("%s: no detail for %s in %v", name, f, out)
		}
	}
}

// The sync API as the console uses it: bad input, a task's life (run, pause, resume, delete) and a
// run's progress read back from the read model.
func TestSyncAPIIntegration(t *testing.T) {
	target := pgtest.NewDatabase(t)
	s := newAPIServer(t)
	token := s.login()
	_, src := mariaDatabase(t, "syncapi", "create table orders (id int primary key, total decimal(10,2), at datetime);"+
		"insert into orders select seq, seq * 1.5, '2024-05-01' + interval seq minute from seq_1_to_3000")
	u, _ := url.Parse(target)
	code, out := s.call("POST", "/api/datasources", token, map[string]any{"name": "sync-src", "type": "mariadb", "host": "127.0.0.1", "port": 3306, "username": "root", "database": src})
	if code != 201 {
		t.Fatalf("register source: %d %v", code, out)
	}
	srcID := data(out)["id"].(string)
	code, out = s.call("POST", "/api/datasources", token, map[string]any{"name": "sync-dst", "type": "postgresql", "host": "127.0.0.1", "port": 5432,
		"username": "postgres", "database": strings.TrimPrefix(u.Path, "/")})
	if code != 201 {
		t.Fatalf("register target: %d %v", code, out)
	}
	dstID := data(out)["id"].(string)

	bad := []struct {
		name   string
		body   string
		fields []string
	}{
		{"unknown field", `{"name":"x","scope":"single_table","colour":"red"}`, nil},
		{"unknown datasources", `{"name":"x","scope":"single_table","tables":["orders"],"source_datasource_id":"datasource-nope","target_datasource_id":"datasource-gone"}`,
			[]string{"source_datasource_id", "target_datasource_id"}},
		{"incremental without column", fmt.Sprintf(`{"name":"x","scope":"single_table","tables":["orders"],"source_datasource_id":%q,"target_datasource_id":%q,"mode":"incremental"}`, srcID, dstID),
			[]string{"incremental_column"}},
		{"invalid cron and unknown table", fmt.Sprintf(`{"name":"x","scope":"single_table","tables":["nope"],"source_datasource_id":%q,"target_datasource_id":%q,"schedule":"soon"}`, srcID, dstID),
			[]string{"schedule", "tables"}},
		{"cluster scope without a cluster target", fmt.Sprintf(`{"name":"x","scope":"db_to_cluster","tables":["orders"],"source_datasource_id":%q,"target_datasource_id":%q}`, srcID, dstID),
			[]string{"target_datasource_id", "partition_column", "partition_value"}},
	}
	for _, b := range bad {
		wantTaskRejected(t, s, token, b.name, b.body, b.fields)
	}

	code, out = s.call("POST", "/api/integration/tasks", token, map[string]any{"name": "orders", "scope": "single_table", "source_datasource_id": srcID,
		"source_databases": []string{src}, "tables": []string{"orders"}, "target_datasource_id": dstID, "target_database": "public",
		"mode": "incremental", "incremental_column": "at", "write_mode": "upsert", "schedule": "0 3 * * *", "chunk_rows": 700})
	if code != 201 {
		t.Fatalf("create task: %d %v", code, out)
	}
	task := data(out)
	id := task["id"].(string)
	if task["status"] != "active" || task["next_run_at"] == nil {
		t.Fatalf("task %v", task)
	}
	code, out = s.call("POST", "/api/integration/tasks/"+id+"/run", token, nil)
	if code != 202 {
		t.Fatalf("run: %d %v", code, out)
	}
	run := s.waitSyncRun(t, token, data(out)["run_id"].(string))
	if run["status"] != "succeeded" || run["rows_written"] != float64(3000) || run["tables_done"] != float64(1) || run["chunks"] != float64(5) {
		t.Fatalf("run %v", run)
	}
	details := run["details"].([]any)[0].(map[string]any)
	if details["created"] != true || details["target_table"] != "orders" || !strings.Contains(details["watermark"].(string), "2024-05-03T02:00:00") {
		t.Fatalf("run details %v", details)
	}
	// The completed run is lineage: table and column edges from the source to the target.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, out = s.call("GET", "/api/lineage/graph?direction=up&level=column&node="+url.QueryEscape("sync-dst.public.orders"), token, nil)
		if g := fmt.Sprint(data(out)); strings.Contains(g, "sync-src."+src+".orders.total") && strings.Contains(g, "sync:"+id) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no lineage for the synced table: %v", out)
		}
	}
	_, out = s.call("GET", "/api/integration/tasks?keyword=ord", token, nil)
	if items := out["data"].([]any); len(items) != 1 || items[0].(map[string]any)["last_run_status"] != "succeeded" {
		t.Fatalf("task list %v", out)
	}
	if code, out = s.call("GET", "/api/integration/tasks/"+id+"/runs", token, nil); code != 200 || out["meta"].(map[string]any)["total"] != float64(1) {
		t.Fatalf("runs of the task: %d %v", code, out)
	}

	if code, out = s.call("DELETE", "/api/datasources/"+srcID, token, nil); code != 409 || !strings.Contains(fmt.Sprint(out["details"]), "sync task orders") {
		t.Fatalf("removing a datasource a task reads: %d %v", code, out)
	}
	if code, out = s.call("POST", "/api/integration/tasks/"+id+"/pause", token, nil); code != 200 || data(out)["status"] != "paused" || data(out)["next_run_at"] != nil {
		t.Fatalf("pause: %d %v", code, out)
	}
	if code, out = s.call("POST", "/api/integration/tasks/"+id+"/run", token, nil); code != 409 {
		t.Fatalf("run of a paused task: %d %v", code, out)
	}
	if code, out = s.call("POST", "/api/integration/tasks/"+id+"/resume", token, nil); code != 200 || data(out)["status"] != "active" {
		t.Fatalf("resume: %d %v", code, out)
	}
	if code, out = s.call("DELETE", "/api/integration/tasks/"+id, token, nil); code != 200 {
		t.Fatalf("delete: %d %v", code, out)
	}
	if code, _ = s.call("GET", "/api/integration/tasks/"+id, token, nil); code != 404 {
		t.Fatalf("deleted task: %d", code)
	}
	if code, _ = s.call("POST", "/api/integration/tasks/"+id+"/run", token, nil); code != 404 {
		t.Fatalf("run of a deleted task: %d", code)
	}
	if code, _ = s.call("GET", "/api/integration/runs/syncrun-nope", token, nil); code != 404 {
		t.Fatalf("unknown run: %d", code)
	}
}

// kill -9 of the server mid-run: after a restart the next run resumes after the last chunk the
// target committed, and the target ends equal to the source, with no row written twice.
func TestSyncKilledServerResumesIntegration(t *testing.T) {
	dbURL, target := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	env := []string{"ASSETFLOW_DATABASE_URL=" + dbURL, "ASSETFLOW_DATA_DIR=" + t.TempDir()}
	s := startServer(t, append(env, "ASSETFLOW_EMBEDDED_KAFKA_ADDR="+freePort(t))...)
	token := s.login()
	root, src := mariaDatabase(t, "synckill", "create table big (id int primary key, v char(32), n decimal(12,2));"+
		"insert into big select seq, md5(seq), seq / 4 from seq_1_to_300000")
	u, _ := url.Parse(target)
	_, out := s.call("POST", "/api/datasources", token, map[string]any{"name": "kill-src", "type": "mariadb", "host": "127.0.0.1", "port": 3306, "username": "root", "database": src})
	srcID := data(out)["id"].(string)
	_, out = s.call("POST", "/api/datasources", token, map[string]any{"name": "kill-dst", "type": "postgresql", "host": "127.0.0.1", "port": 5432,
		"username": "postgres", "database": strings.TrimPrefix(u.Path, "/")})
	dstID := data(out)["id"].(string)
	code, out := s.call("POST", "/api/integration/tasks", token, map[string]any{"name": "big", "scope": "single_table", "source_datasource_id": srcID,
		"tables": []string{"big"}, "target_datasource_id": dstID, "target_database": "public", "chunk_rows": 500})
	if code != 201 {
		t.Fatalf("create task: %d %v", code, out)
	}
	id := data(out)["id"].(string)
	_, out = s.call("POST", "/api/integration/tasks/"+id+"/run", token, nil)
	first := data(out)["run_id"].(string)

	pg, err := pgxpool.New(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	count := func(q string) int64 {
		var n int64
		_ = pg.QueryRow(context.Background(), q).Scan(&n)
		return n
	}
	for deadline := time.Now().Add(30 * time.Second); count("select count(*) from assetflow_sync_chunks") < 10; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no chunks committed")
		}
	}
	s.kill()
	// A commit the killed server had already sent still lands: count once its connections are gone.
	for deadline := time.Now().Add(30 * time.Second); count(`select count(*) from pg_stat_activity
		where datname = current_database() and pid <> pg_backend_pid()`) > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the killed server's connections did not end")
		}
	}
	committed := count("select count(*) from big")
	if committed == 0 || committed >= 300000 {
		t.Fatalf("%d rows when the server was killed", committed)
	}

	s = startServer(t, append(env, "ASSETFLOW_EMBEDDED_KAFKA_ADDR="+freePort(t))...)
	token = s.login()
	code, out = s.call("POST", "/api/integration/tasks/"+id+"/run", token, nil)
	if code != 202 {
		t.Fatalf("run after restart: %d %v", code, out)
	}
	run := s.waitSyncRun(t, token, data(out)["run_id"].(string))
	if run["status"] != "succeeded" || run["rows_written"].(float64) != float64(300000-committed) {
		t.Fatalf("resumed run %v (the killed one had committed %d rows)", run, committed)
	}
	_, out = s.call("GET", "/api/integration/runs/"+first, token, nil)
	if r := data(out); r["status"] != "failed" || !strings.Contains(r["error"].(string), "interrupted") {
		t.Fatalf("the killed run reads %v", r)
	}
	var srcSum, dstSum string
	if err := root.QueryRow("select concat(count(*), ':', sum(n)) from " + src + ".big").Scan(&srcSum); err != nil {
		t.Fatal(err)
	}
	if err := pg.QueryRow(context.Background(), "select count(*) || ':' || sum(n) || ':' || count(distinct id) from big").Scan(&dstSum); err != nil {
		t.Fatal(err)
	}
	if want := srcSum + ":300000"; dstSum != want {
		t.Fatalf("target %s, want %s", dstSum, want)
	}
	if n := count("select count(*) from (select 1 from big group by v having count(*) > 1) d"); n != 0 {
		t.Fatalf("%d duplicated values", n)
	}
}
