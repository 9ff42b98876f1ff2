package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"assetflow/infrastructure/postgres/pgtest"
)

func (s *server) export(t *testing.T, token string, body map[string]any) (int, http.Header, []byte) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", "http://"+s.addr+"/api/dataservice/query/export", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, out
}

func TestQueryConsoleIntegration(t *testing.T) {
	t.Parallel()
	src := pgtest.NewDatabase(t)
	srcDB := src[strings.LastIndex(src, "/")+1 : strings.Index(src, "?")]
	ctx := context.Background()
	pg := openPool(t, src)
	if _, err := pg.Exec(ctx, `create table t as select g as id, 'name ' || g as name, (g % 7) as k,
		case when g % 10 = 0 then null else 'x,"y"' || g end as tricky, decode('00ff' || lpad(to_hex(g), 4, '0'), 'hex') as bin
		from generate_series(1, 2500) g; create schema other; create table other.o (v int); insert into other.o values (42);
		create table big (txt text); insert into big values (repeat('长', 200000))`); err != nil {
		t.Fatal(err)
	}
	maria, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/?multiStatements=true")
	if err != nil {
		t.Fatal(err)
	}
	mdb := "q_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	t.Cleanup(func() { _, _ = maria.Exec("drop database if exists " + mdb); maria.Close() })
	if _, err := maria.Exec("create database " + mdb + "; use " + mdb + "; create table m (id int primary key, label varchar(20)); insert into m values (1,'a'),(2,'b'),(3,'c')"); err != nil {
		t.Fatal(err)
	}
	dbURL := pgtest.NewDatabase(t)
	s := startServer(t, "ASSETFLOW_DATABASE_URL="+dbURL, "ASSETFLOW_DATA_DIR="+t.TempDir(), "ASSETFLOW_EMBEDDED_KAFKA_ADDR="+freePort(t))
	token := s.login()
	_, out := s.call("POST", "/api/datasources", token, map[string]any{"name": "pg", "type": "postgresql", "host": "127.0.0.1", "port": 5432,
		"database": srcDB, "username": "postgres", "query_timeout_seconds": 2, "max_rows": 2000})
	pgID := data(out)["id"].(string)
	_, out = s.call("POST", "/api/datasources", token, map[string]any{"name": "maria", "type": "mariadb", "host": "127.0.0.1", "port": 3306,
		"database": mdb, "username": "root", "allow_writes": true})
	mID := data(out)["id"].(string)
	q := func(body map[string]any) (int, map[string]any) {
		return s.call("POST", "/api/dataservice/query", token, body)
	}

	// Templates: variables, if, for; rendered SQL in the answer; pages of 50.
	code, out := q(map[string]any{"datasource_id": pgID, "sql": "select {% for c in cols %}{{ c }}{% if not forloop.Last %}, {% endif %}{% endfor %} from t where k = {{ k }} {% if big %}and id > 100{% endif %} order by id",
		"params": map[string]any{"cols": []string{"id", "name"}, "k": 3, "big": true}, "page": 2, "page_size": 50})
	d := data(out)
	if code != 200 || len(d["rows"].([]any)) != 50 || d["has_next"] != true || !strings.Contains(d["rendered_sql"].(string), "select id, name from t where k = 3 and id > 100") {
		t.Fatalf("template page: %d %v", code, out)
	}
	if first := d["rows"].([]any)[0].([]any); first[0].(float64) != 451 { // ids > 100 with id % 7 = 3: 101, 108, ... page 2 starts at the 51st
		t.Fatalf("page 2 starts at %v", first)
	}
	// The last page: no next.
	code, out = q(map[string]any{"datasource_id": pgID, "sql": "select id from t where id <= 120 order by id", "page": 3, "page_size": 50})
	if d = data(out); code != 200 || len(d["rows"].([]any)) != 20 || d["has_next"] != false {
		t.Fatalf("last page: %v", out)
	}
	// The datasource's row cap: past it, truncated.
	code, out = q(map[string]any{"datasource_id": pgID, "sql": "select id from t order by id", "page": 20, "page_size": 100})
	if d = data(out); code != 200 || d["truncated"] != true || d["has_next"] != false {
		t.Fatalf("row cap: %v", out)
	}
	// A statement with its own LIMIT is paged within it; NULLs come as null; binary as hex.
	code, out = q(map[string]any{"datasource_id": pgID, "sql": "select id, tricky, bin from t order by id limit 12;", "page": 1, "page_size": 10})
	rows := data(out)["rows"].([]any)
	if code != 200 || len(rows) != 10 || rows[9].([]any)[1] != nil || rows[0].([]any)[2] != "0x00FF0001" || data(out)["has_next"] != true {
		t.Fatalf("limited/null/binary: %v", out)
	}
	// Huge cells are cut.
	code, out = q(map[string]any{"datasource_id": pgID, "sql": "select txt from big"})
	if cell := data(out)["rows"].([]any)[0].([]any)[0].(string); code != 200 || len(cell) > 70000 || !strings.HasSuffix(cell, "…") {
		t.Fatalf("huge cell: %d %d", code, len(cell))
	}
	// Database/schema switch per statement.
	code, out = q(map[string]any{"datasource_id": pgID, "database": "other", "sql": "select v from o"})
	if code != 200 || data(out)["rows"].([]any)[0].([]any)[0].(float64) != 42 {
		t.Fatalf("schema switch: %d %v", code, out)
	}
	// SHOW-like statements page in memory.
	code, out = q(map[string]any{"datasource_id": mID, "sql": "show tables"})
	if code != 200 || len(data(out)["rows"].([]any)) != 1 {
		t.Fatalf("show tables: %d %v", code, out)
	}

	// Guard rails.
	bad := []struct {
		name   string
		body   map[string]any
		status int
		part   string
	}{
		{"write on read-only", map[string]any{"datasource_id": pgID, "sql": "delete from t"}, 403, "read-only"},
		{"cte write", map[string]any{"datasource_id": pgID, "sql": "with d as (delete from t returning *) select * from d"}, 403, "WITH clause"},
		{"two statements", map[string]any{"datasource_id": pgID, "sql": "select 1; select 2"}, 400, "one statement"},
		{"syntax", map[string]any{"datasource_id": pgID, "sql": "selec 1"}, 400, "syntax"},
		{"unknown table", map[string]any{"datasource_id": pgID, "sql": "select * from nope"}, 400, "nope"},
		{"undefined var", map[string]any{"datasource_id": pgID, "sql": "select 1\nwhere x = {{ startDate }}"}, 400, `line 2: undefined variable "startDate"`},
		{"broken template", map[string]any{"datasource_id": pgID, "sql": "select * from {{ missing.x }"}, 400, "template line 1"},
		{"timeout", map[string]any{"datasource_id": pgID, "sql": "select pg_sleep(5)"}, 504, "time limit"},
		{"no datasource", map[string]any{"datasource_id": "datasource-" + uuid.NewString(), "sql": "select 1"}, 404, "not found"},
		{"bad page size", map[string]any{"datasource_id": pgID, "sql": "select 1", "page_size": 5000}, 400, "page_size"},
	}
	for _, b := range bad {
		code, out := q(b.body)
		if code != b.status || !strings.Contains(fmt.Sprint(out), b.part) {
			t.Fatalf("%s: %d %v", b.name, code, out)
		}
	}
	big := strings.Repeat("-- padding\n", 1<<20) + "select 1"
	if code, out := s.raw("POST", "/api/dataservice/query", token, `{"datasource_id":"`+pgID+`","sql":`+string(mustJSON(big))+`}`); code != 400 {
		t.Fatalf("10 MB SQL: %d %v", code, out)
	}
	// Writes are allowed where the datasource allows them.
	if code, out := q(map[string]any{"datasource_id": mID, "sql": "insert into m values (4, 'd')"}); code != 200 {
		t.Fatalf("allowed write: %d %v", code, out)
	}

	// Cancel a running query by its id.
	qid := uuid.NewString()
	var wg sync.WaitGroup
	wg.Add(1)
	var cancelCode int
	var cancelOut map[string]any
	go func() {
		defer wg.Done()
		cancelCode, cancelOut = q(map[string]any{"datasource_id": mID, "sql": "select sleep(20)", "query_id": qid})
	}()
	time.Sleep(500 * time.Millisecond)
	if code, out := s.call("POST", "/api/dataservice/query/cancel", token, map[string]any{"query_id": qid}); code != 200 || data(out)["cancelled"] != true {
		t.Fatalf("cancel: %d %v", code, out)
	}
	wg.Wait()
	if cancelCode == 200 || !strings.Contains(fmt.Sprint(cancelOut), "cancel") {
		t.Fatalf("cancelled query answered %d %v", cancelCode, cancelOut)
	}

	// Export: byte-for-byte what psql writes, after the BOM; capped; streamed as text/csv.
	code, hdr, body := s.export(t, token, map[string]any{"datasource_id": pgID, "sql": "select id, name, k, tricky from t order by id"})
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.Contains(hdr.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v %s", code, hdr, body[:min(len(body), 200)])
	}
	want, err := exec.Command("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", srcDB, "-c",
		`\copy (select id, name, k, tricky from t order by id limit 10000) to stdout csv header`).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) || !bytes.Equal(body[3:], want) {
		t.Fatalf("export differs from psql (%d vs %d bytes)", len(body)-3, len(want))
	}
	if code, _, body := s.export(t, token, map[string]any{"datasource_id": pgID, "sql": "delete from t"}); code != 403 || !bytes.Contains(body, []byte(`"success":false`)) {
		t.Fatalf("export of a write: %d %s", code, body)
	}
	if code, _, _ := s.export(t, token, map[string]any{"datasource_id": pgID, "sql": "select 1", "max_rows": 2000000}); code != 400 {
		t.Fatalf("export cap: %d", code)
	}

	// Background export: started, finished, downloadable, byte-identical to the streamed one.
	code, out = s.call("POST", "/api/dataservice/exports", token, map[string]any{"datasource_id": pgID, "sql": "select id, name, k, tricky from t order by id"})
	if code != 202 {
		t.Fatalf("background export: %d %v", code, out)
	}
	exportID := data(out)["export_id"].(string)
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, out = s.call("GET", "/api/dataservice/exports/"+exportID, token, nil)
		if st := data(out)["status"]; st == "succeeded" {
			break
		} else if st == "failed" || time.Now().After(deadline) {
			t.Fatalf("background export: %v", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	req, _ := http.NewRequest("GET", "http://"+s.addr+"/api/dataservice/exports/"+exportID+"/download", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	file, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(file[3:], want) {
		t.Fatalf("download: %d, %d bytes", resp.StatusCode, len(file))
	}

	// The log has every run; an analyst sees only their own.
	deadline = time.Now().Add(10 * time.Second)
	for {
		_, out = s.call("GET", "/api/dataservice/query-log?page_size=100", token, nil)
		entries := out["data"].([]any)
		statuses := map[string]int{}
		for _, e := range entries {
			statuses[e.(map[string]any)["status"].(string)]++
		}
		if statuses["succeeded"] >= 8 && statuses["failed"] >= 9 && statuses["cancelled"] >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("query log: %v", statuses)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, out = s.call("GET", "/api/dataservice/query-log?status=failed&q=pg_sleep", token, nil)
	if entries := out["data"].([]any); len(entries) != 1 || !strings.Contains(entries[0].(map[string]any)["error"].(string), "time limit") {
		t.Fatalf("log filter: %v", out)
	}
	s.call("POST", "/api/system/users", token, map[string]any{"username": "ana", "password": "analyst-pass-1", "roles": []string{"analyst"}})
	_, out = s.call("POST", "/api/auth/login", "", map[string]string{"username": "ana", "password": "analyst-pass-1"})
	ana := data(out)["token"].(string)
	if code, _ := s.call("POST", "/api/dataservice/query", ana, map[string]any{"datasource_id": pgID, "sql": "select 1"}); code != 200 {
		t.Fatalf("analyst query: %d", code)
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		_, out = s.call("GET", "/api/dataservice/query-log", ana, nil)
		if n := out["meta"].(map[string]any)["total"].(float64); n == 1 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("analyst sees %v entries", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.call("POST", "/api/system/users", token, map[string]any{"username": "vic", "password": "viewer-pass-1", "roles": []string{"viewer"}})
	_, out = s.call("POST", "/api/auth/login", "", map[string]string{"username": "vic", "password": "viewer-pass-1"})
	if code, _ := s.call("POST", "/api/dataservice/query", data(out)["token"].(string), map[string]any{"datasource_id": pgID, "sql": "select 1"}); code != 403 {
		t.Fatalf("viewer query: %d", code)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
