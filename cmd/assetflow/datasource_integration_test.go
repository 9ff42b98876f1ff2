package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"assetflow/infrastructure/postgres/pgtest"
)

func TestDatasourceAPIIntegration(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewDatabase(t)
	s := startServer(t, "ASSETFLOW_DATABASE_URL="+dbURL, "ASSETFLOW_DATA_DIR="+t.TempDir(), "ASSETFLOW_EMBEDDED_KAFKA_ADDR="+freePort(t))
	token := s.login()
	pgDB := dbURL[strings.LastIndex(dbURL, "/")+1 : strings.Index(dbURL, "?")]
	const secret = "pw-" + "never-shown-7f3a"

	// Register PostgreSQL (trust auth accepts any password, so the secret is stored and usable).
	code, out := s.call("POST", "/api/datasources", token, map[string]any{"name": "warehouse", "type": "postgresql", "host": "127.0.0.1",
		"port": 5432, "database": pgDB, "username": "postgres", "password": secret, "params": map[string]string{"application_name": "af-test"}})
	if code != 201 {
		t.Fatalf("create: %d %v", code, out)
	}
	ds := data(out)
	id := ds["id"].(string)
	if ds["password_set"] != true || strings.Contains(fmt.Sprint(out), secret) {
		t.Fatalf("create answer: %v", out)
	}
	// Listed at once (read-your-writes), never with the password.
	_, out = s.call("GET", "/api/datasources?keyword=ware", token, nil)
	if out["meta"].(map[string]any)["total"].(float64) != 1 || strings.Contains(fmt.Sprint(out), secret) {
		t.Fatalf("list: %v", out)
	}
	code, out = s.call("POST", "/api/datasources/"+id+"/test", token, nil)
	if code != 200 || data(out)["ok"] != true || !strings.HasPrefix(data(out)["version"].(string), "PostgreSQL") {
		t.Fatalf("test: %d %v", code, out)
	}
	_, out = s.call("GET", "/api/datasources/"+id, token, nil)
	if lt, _ := data(out)["last_test"].(map[string]any); lt == nil || lt["ok"] != true {
		t.Fatalf("last test not shown: %v", out)
	}
	code, out = s.call("GET", "/api/datasources/"+id+"/databases", token, nil)
	if code != 200 || out["data"] != nil {
		t.Fatalf("postgres databases must be null: %d %v", code, out)
	}
	code, out = s.call("GET", "/api/datasources/"+id+"/tables?database=public", token, nil)
	if code != 200 || !strings.Contains(fmt.Sprint(out["data"]), "name:events") {
		t.Fatalf("tables: %d %v", code, out)
	}
	code, out = s.call("GET", "/api/datasources/"+id+"/tables/events/schema?database=public", token, nil)
	cols, _ := out["data"].([]any)
	if code != 200 || len(cols) < 10 || cols[0].(map[string]any)["order"].(float64) != 1 || cols[0].(map[string]any)["primary_key"] != true {
		t.Fatalf("schema: %d %v", code, out)
	}
	if code, out = s.call("GET", "/api/datasources/"+id+"/tables/"+url.PathEscape("没有这个表")+"/schema", token, nil); code != 400 {
		t.Fatalf("missing table: %d %v", code, out)
	}

	// Bad input: each a clear envelope, never a 500, never a hang.
	bad := []struct {
		name   string
		body   map[string]any
		status int
		field  string
	}{
		{"unknown type", map[string]any{"name": "x", "type": "oracle9", "host": "h", "port": 1}, 400, "type"},
		{"missing host", map[string]any{"name": "x", "type": "mariadb", "port": 3306}, 400, "host"},
		{"port range", map[string]any{"name": "x", "type": "mariadb", "host": "h", "port": 70000}, 400, "port"},
		{"duplicate name", map[string]any{"name": "warehouse", "type": "mariadb", "host": "127.0.0.1", "port": 3306, "username": "root"}, 409, "name"},
		{"pg without database", map[string]any{"name": "y", "type": "postgresql", "host": "h", "username": "u"}, 400, "database"},
	}
	for _, b := range bad {
		code, out := s.call("POST", "/api/datasources", token, b.body)
		if code != b.status || !strings.Contains(fmt.Sprint(out["details"]), "field:"+b.field) {
			t.Fatalf("%s: %d %v", b.name, code, out)
		}
	}
	start := time.Now()
	code, out = s.call("POST", "/api/datasources/test", token, map[string]any{"name": "probe", "type": "mariadb", "host": "127.0.0.1", "port": 1, "username": "root"})
	if code != 200 || data(out)["ok"] != false || data(out)["error_kind"] != "unreachable" || time.Since(start) > 11*time.Second {
		t.Fatalf("unreachable: %d %v", code, out)
	}
	code, out = s.call("POST", "/api/datasources/test", token, map[string]any{"name": "probe", "type": "mariadb", "host": "127.0.0.1", "port": 3306, "username": "nobody_x", "password": "nope"})
	if code != 200 || data(out)["error_kind"] != "auth_failed" {
		t.Fatalf("wrong password: %d %v", code, out)
	}
	code, out = s.call("POST", "/api/datasources/test", token, map[string]any{"name": "probe", "type": "postgresql", "host": "127.0.0.1", "port": 5432, "username": "postgres", "database": "no_db_" + uuid.NewString()[:8]})
	if code != 200 || data(out)["error_kind"] != "unknown_database" {
		t.Fatalf("unknown database: %d %v", code, out)
	}
	if code, _ = s.call("GET", "/api/datasources/datasource-"+uuid.NewString(), token, nil); code != 404 {
		t.Fatalf("missing datasource: %d", code)
	}

	// A failed update changes nothing; a type change is refused.
	code, out = s.call("PUT", "/api/datasources/"+id, token, map[string]any{"name": "warehouse", "type": "mariadb", "host": "127.0.0.1", "port": 3306, "database": pgDB, "username": "postgres"})
	if code != 400 {
		t.Fatalf("type change: %d %v", code, out)
	}
	code, _ = s.call("PUT", "/api/datasources/"+id, token, map[string]any{"name": "warehouse", "type": "postgresql", "host": "", "port": 5432, "database": pgDB, "username": "postgres"})
	if code != 400 {
		t.Fatalf("invalid update: %d", code)
	}
	_, out = s.call("GET", "/api/datasources/"+id, token, nil)
	if data(out)["host"] != "127.0.0.1" {
		t.Fatalf("failed update changed the datasource: %v", out)
	}
	// Rename without a password keeps the stored one, and frees the old name.
	code, out = s.call("PUT", "/api/datasources/"+id, token, map[string]any{"name": "warehouse-2", "type": "postgresql", "host": "127.0.0.1", "port": 5432, "database": pgDB, "username": "postgres"})
	if code != 200 || data(out)["name"] != "warehouse-2" || data(out)["password_set"] != true {
		t.Fatalf("rename: %d %v", code, out)
	}
	code, out = s.call("POST", "/api/datasources/test", token, map[string]any{"id": id, "name": "warehouse-2", "type": "postgresql", "host": "127.0.0.1", "port": 5432, "database": pgDB, "username": "postgres"})
	if code != 200 || data(out)["ok"] != true {
		t.Fatalf("test before save with the stored password: %d %v", code, out)
	}

	// The secret is nowhere in clear: not in events, read models or the operation log.
	pool := openPool(t, dbURL)
	var leaks int
	if err := pool.QueryRow(context.Background(), `select (select count(*) from events where payload::text like '%'||$1||'%' or metadata::text like '%'||$1||'%')
		+ (select count(*) from audit_events where payload::text like '%'||$1||'%')
		+ (select count(*) from datasource_secrets where sealed like '%'||$1||'%')
		+ (select count(*) from monitor_operation_logs where summary like '%'||$1||'%')
		+ (select count(*) from datasources where params::text like '%'||$1||'%')`, secret).Scan(&leaks); err != nil {
		t.Fatal(err)
	}
	if leaks != 0 {
		t.Fatalf("the password appears in clear in %d stored rows", leaks)
	}

	// Delete; the name can be reused; the id is gone.
	if code, out = s.call("DELETE", "/api/datasources/"+id, token, nil); code != 200 {
		t.Fatalf("delete: %d %v", code, out)
	}
	if code, _ = s.call("GET", "/api/datasources/"+id, token, nil); code != 404 {
		t.Fatalf("deleted datasource still readable: %d", code)
	}
	if code, _ = s.call("DELETE", "/api/datasources/"+id, token, nil); code != 404 {
		t.Fatalf("second delete: %d", code)
	}
	if code, out = s.call("POST", "/api/datasources", token, map[string]any{"name": "warehouse-2", "type": "mariadb", "host": "127.0.0.1", "port": 3306, "username": "root"}); code != 201 || data(out)["password_set"] != false {
		t.Fatalf("reuse a freed name (no password): %d %v", code, out)
	}
	maria := data(out)["id"].(string)
	code, out = s.call("PUT", "/api/datasources/"+maria, token, map[string]any{"name": "warehouse-2", "type": "mariadb", "host": "127.0.0.1", "port": 3306, "username": "root", "password": "p"})
	if code != 200 || data(out)["password_set"] != true {
		t.Fatalf("set a password: %d %v", code, out)
	}
	code, out = s.call("PUT", "/api/datasources/"+maria, token, map[string]any{"name": "warehouse-2", "type": "mariadb", "host": "127.0.0.1", "port": 3306, "username": "root", "clear_password": true})
	if code != 200 || data(out)["password_set"] != false {
		t.Fatalf("clear the password: %d %v", code, out)
	}
	if code, out = s.call("POST", "/api/datasources/"+maria+"/test", token, nil); data(out)["ok"] != true {
		t.Fatalf("root without a password connects: %d %v", code, out)
	}

	// Viewers browse but do not manage.
	s.call("POST", "/api/system/users", token, map[string]any{"username": "viewer2", "password": "viewer-pass-1", "roles": []string{"viewer"}})
	_, out = s.call("POST", "/api/auth/login", "", map[string]string{"username": "viewer2", "password": "viewer-pass-1"})
	viewer := data(out)["token"].(string)
	if code, _ = s.call("GET", "/api/datasources", viewer, nil); code != 200 {
		t.Fatalf("viewer list: %d", code)
	}
	if code, _ = s.call("POST", "/api/datasources", viewer, map[string]any{"name": "v", "type": "mariadb", "host": "h"}); code != 403 {
		t.Fatalf("viewer create: %d", code)
	}
}
