package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"assetflow/infrastructure/postgres/pgtest"
)

func (s *server) gw(t *testing.T, method, path string, headers map[string]string, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+s.addr+path, strings.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = jsonUnmarshal(b, &out)
	return resp.StatusCode, out, resp.Header
}

func salesDefinition(ds, report, version string) map[string]any {
	return map[string]any{
		"code": "sales_daily_summary", "name": "每日销售汇总", "description": "按日期和门店汇总", "version": version, "report_id": report,
		"tags": []string{"sales"}, "owner": "BI-Team", "visibility": "internal", "method": "GET", "auth_required": true,
		"rate_limit": map[string]any{"rps": 100, "burst": 200},
		"parameters": []map[string]any{
			{"name": "startDate", "in": "query", "type": "date", "required": true, "format": "yyyy-MM-dd"},
			{"name": "endDate", "in": "query", "type": "date", "required": true},
			{"name": "storeId", "in": "query", "type": "string", "required": false, "max_length": 40},
			{"name": "page", "in": "query", "type": "integer", "default": 1, "minimum": 1},
			{"name": "pageSize", "in": "query", "type": "integer", "default": 5, "maximum": 100},
		},
		"fields": []map[string]any{{"name": "date", "title": "日期", "data_type": "string", "display": true, "export": true},
			{"name": "total_amount", "title": "销售额", "data_type": "decimal", "display": true, "export": true}},
		"datasource_id": ds, "query_type": "sql", "safe_mode": true, "timeout_ms": 5000,
		"query_template": `select to_char(date, 'YYYY-MM-DD') as date, store_id, sum(amount) as total_amount, count(order_id) as order_count
			from fact_sales where date between :startDate and :endDate and (:storeId::text is null or store_id = :storeId)
			group by date, store_id order by date, store_id`,
		"pagination":    map[string]any{"enabled": true, "default_page_size": 5, "max_page_size": 100},
		"total_enabled": true, "total_sql": `select count(*) from (select 1 from fact_sales where date between :startDate and :endDate
			and (:storeId::text is null or store_id = :storeId) group by date, store_id) x`,
		"cache": map[string]any{"enabled": true, "ttl_seconds": 30}, "audit": true,
	}
}

func TestReportAPIGatewayIntegration(t *testing.T) {
	t.Parallel()
	src := pgtest.NewDatabase(t)
	srcDB := src[strings.LastIndex(src, "/")+1 : strings.Index(src, "?")]
	if _, err := openPool(t, src).Exec(context.Background(), `create table fact_sales (date date, store_id text, order_id int, amount numeric(10,2));
		insert into fact_sales select date '2025-01-01' + (g % 31), 'S' || (g % 3), g, (g % 100) + 0.5 from generate_series(1, 3000) g`); err != nil {
		t.Fatal(err)
	}
	dbURL := pgtest.NewDatabase(t)
	s := startServer(t, "ASSETFLOW_DATABASE_URL="+dbURL, "ASSETFLOW_DATA_DIR="+t.TempDir(), "ASSETFLOW_EMBEDDED_KAFKA_ADDR="+freePort(t))
	token := s.login()
	bearer := map[string]string{"Authorization": "Bearer " + token}
	_, out := s.call("POST", "/api/datasources", token, map[string]any{"name": "dw", "type": "postgresql", "host": "127.0.0.1", "port": 5432, "database": srcDB, "username": "postgres"})
	ds := data(out)["id"].(string)
	code, out := s.call("POST", "/api/dataservice/reports", token, map[string]any{"name": "销售日报", "owner": "BI-Team"})
	if code != 201 {
		t.Fatalf("report: %d %v", code, out)
	}
	report := data(out)["id"].(string)

	code, out = s.call("POST", "/api/dataservice/interfaces", token, salesDefinition(ds, report, "1.0.0"))
	if code != 201 || data(out)["status"] != "draft" || data(out)["report_name"] != "销售日报" {
		t.Fatalf("create: %d %v", code, out)
	}
	if code, _ := s.call("POST", "/api/dataservice/interfaces", token, salesDefinition(ds, report, "1.0.0")); code != 409 {
		t.Fatalf("duplicate version: %d", code)
	}
	// A draft is invisible to callers; it can be try-run.
	q := "/data-api/sales_daily_summary?startDate=2025-01-01&endDate=2025-01-10"
	if code, _, _ := s.gw(t, "GET", q, bearer, ""); code != 404 {
		t.Fatalf("draft called: %d", code)
	}
	code, out = s.call("POST", "/api/dataservice/interfaces/sales_daily_summary/test", token, map[string]any{"params": map[string]any{"startDate": "2025-01-01", "endDate": "2025-01-02"}})
	if code != 200 || len(data(out)["data"].([]any)) != 5 || !strings.Contains(data(out)["statement"].(string), "$1") ||
		fmt.Sprint(data(out)["columns"]) != "[date store_id total_amount order_count]" {
		t.Fatalf("try-run (rows, bound statement, columns in the query's order): %d %v", code, out)
	}
	// An unsaved definition with header and path parameters try-runs with them given as params.
	withHeader := salesDefinition(ds, report, "9.0.0")
	withHeader["code"], withHeader["pagination"], withHeader["total_enabled"], withHeader["cache"] = "hdr_try", nil, false, nil
	withHeader["parameters"] = []map[string]any{{"name": "store", "in": "header", "type": "string", "required": true},
		{"name": "day", "in": "path", "type": "date", "required": true}}
	withHeader["query_template"] = "select count(*) as n from fact_sales where store_id = :store and date = :day"
	code, out = s.call("POST", "/api/dataservice/interfaces/test", token, map[string]any{"definition": withHeader, "params": map[string]any{"store": "S1", "day": "2025-01-02"}})
	if code != 200 || len(data(out)["data"].([]any)) != 1 {
		t.Fatalf("try-run with header and path parameters: %d %v", code, out)
	}
	if code, out = s.call("POST", "/api/dataservice/interfaces/sales_daily_summary/publish", token, nil); code != 200 || data(out)["status"] != "active" {
		t.Fatalf("publish: %d %v", code, out)
	}

	// Calls: data, pagination meta from the 合计sql, cache hit on repeat.
	code, out, hdr := s.gw(t, "GET", q+"&page=2", bearer, "")
	meta, _ := out["meta"].(map[string]any)
	if code != 200 || len(out["data"].([]any)) != 5 || meta["total"].(float64) != 30 || meta["page"].(float64) != 2 || meta["hasNext"] != true || hdr.Get("X-Cache") != "MISS" {
		t.Fatalf("call: %d %v %v", code, out, hdr)
	}
	row := out["data"].([]any)[0].(map[string]any)
	if row["date"] != "2025-01-02" || row["store_id"] == nil {
		t.Fatalf("row: %v", row)
	}
	if _, _, hdr = s.gw(t, "GET", q+"&page=2", bearer, ""); hdr.Get("X-Cache") != "HIT" {
		t.Fatal("no cache hit on a repeated call")
	}
	code, out, _ = s.gw(t, "GET", q+"&storeId=S1&pageSize=100", bearer, "")
	if code != 200 || out["meta"].(map[string]any)["total"].(float64) != 10 {
		t.Fatalf("filtered: %d %v", code, out)
	}
	// Injection attempts stay values.
	code, out, _ = s.gw(t, "GET", q+"&storeId="+url.QueryEscape("S1' or '1'='1"), bearer, "")
	if code != 200 || len(out["data"].([]any)) != 0 {
		t.Fatalf("injection: %d %v", code, out)
	}
	code, out, _ = s.gw(t, "GET", "/data-api/sales_daily_summary?startDate="+url.QueryEscape("2025-01-01'); drop table fact_sales; --")+"&endDate=2025-01-10", bearer, "")
	if code != 400 || !strings.Contains(fmt.Sprint(out["details"]), "startDate") {
		t.Fatalf("injection in a date: %d %v", code, out)
	}

	// Bad input and security.
	cases := []struct {
		name, path string
		headers    map[string]string
		status     int
		code       string
	}{
		{"missing required", "/data-api/sales_daily_summary?startDate=2025-01-01", bearer, 400, "INVALID_PARAM"},
		{"wrong type", q + "&page=abc", bearer, 400, "INVALID_PARAM"},
		{"above maximum", q + "&pageSize=1000", bearer, 400, "INVALID_PARAM"},
		{"unknown code", "/data-api/no_such_api", bearer, 404, "NOT_FOUND"},
		{"no credentials", q, nil, 401, "UNAUTHORIZED"},
		{"wrong key", q, map[string]string{"X-API-Key": "af_nope_nope"}, 401, "UNAUTHORIZED"},
		{"unknown version", q + "&version=9.9.9", bearer, 404, "NOT_FOUND"},
	}
	for _, tc := range cases {
		code, out, _ := s.gw(t, "GET", tc.path, tc.headers, "")
		if code != tc.status || out["code"] != tc.code || out["success"] != false {
			t.Fatalf("%s: %d %v", tc.name, code, out)
		}
	}

	// An API key works; a version 1.1.0 lives beside 1.0.0.
	_, out = s.call("POST", "/api/system/api-keys", token, map[string]any{"name": "caller"})
	key := map[string]string{"X-API-Key": data(out)["key"].(string)}
	if code, _, _ := s.gw(t, "GET", q, key, ""); code != 200 {
		t.Fatalf("api key call: %d", code)
	}
	v2 := salesDefinition(ds, report, "1.1.0")
	v2["transform"] = map[string]any{"rename": map[string]string{"total_amount": "amount"}}
	v2["ip_whitelist"] = []string{"10.0.0.0/8"}
	v2["rate_limit"] = map[string]any{"rps": 1, "burst": 2}
	v2["cache"] = map[string]any{"enabled": false}
	s.call("POST", "/api/dataservice/interfaces", token, v2)
	s.call("POST", "/api/dataservice/interfaces/sales_daily_summary/publish?version=1.1.0", token, nil)
	code, out, hdr = s.gw(t, "GET", q, bearer, "")
	if code != 403 || hdr.Get("X-Interface-Version") != "" {
		t.Fatalf("1.1.0 is the default and whitelists 10/8 only: %d %v", code, out)
	}
	code, out, hdr = s.gw(t, "GET", q+"&version=1.0.0", bearer, "")
	if code != 200 || hdr.Get("X-Interface-Version") != "1.0.0" {
		t.Fatalf("explicit 1.0.0: %d %v", code, out)
	}
	v2["ip_whitelist"] = []string{"127.0.0.1"}
	if code, out := s.call("PUT", "/api/dataservice/interfaces/sales_daily_summary?version=1.1.0", token, v2); code != 200 {
		t.Fatalf("update 1.1.0: %d %v", code, out)
	}
	code, out, hdr = s.gw(t, "GET", q, bearer, "")
	if code != 200 || hdr.Get("X-Interface-Version") != "1.1.0" || out["data"].([]any)[0].(map[string]any)["amount"] == nil {
		t.Fatalf("1.1.0 with a rename: %d %v", code, out)
	}
	limited := 0
	for i := 0; i < 6; i++ {
		if code, out, _ := s.gw(t, "GET", q, bearer, ""); code == 429 && out["code"] == "RATE_LIMITED" {
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("a burst beyond the limit was never refused")
	}
	// Deprecate 1.0.0: still reachable by explicit version; disable: gone.
	s.call("POST", "/api/dataservice/interfaces/sales_daily_summary/deprecate?version=1.0.0", token, nil)
	if code, _, _ := s.gw(t, "GET", q+"&version=1.0.0", bearer, ""); code != 200 {
		t.Fatalf("deprecated explicit: %d", code)
	}
	s.call("POST", "/api/dataservice/interfaces/sales_daily_summary/disable?version=1.0.0", token, nil)
	if code, _, _ := s.gw(t, "GET", q+"&version=1.0.0", bearer, ""); code != 404 {
		t.Fatalf("disabled: %d", code)
	}

	// Role restrictions, slow queries, a datasource that is down.
	slow := map[string]any{"code": "slow_api", "name": "slow", "datasource_id": ds, "query_template": "select pg_sleep(2)", "timeout_ms": 300,
		"allowed_roles": []string{"developer"}}
	s.call("POST", "/api/dataservice/interfaces", token, slow)
	s.call("POST", "/api/dataservice/interfaces/slow_api/publish", token, nil)
	if code, out, _ := s.gw(t, "GET", "/data-api/slow_api", bearer, ""); code != 403 {
		t.Fatalf("forbidden role: %d %v", code, out)
	}
	slow["allowed_roles"] = []string{"admin"}
	s.call("PUT", "/api/dataservice/interfaces/slow_api", token, slow)
	if code, out, _ := s.gw(t, "GET", "/data-api/slow_api", bearer, ""); code != 504 || out["code"] != "TIMEOUT" {
		t.Fatalf("slow query: %d %v", code, out)
	}
	_, out = s.call("POST", "/api/datasources", token, map[string]any{"name": "down", "type": "postgresql", "host": "127.0.0.1", "port": 1, "database": "x", "username": "postgres"})
	down := data(out)["id"].(string)
	s.call("POST", "/api/dataservice/interfaces", token, map[string]any{"code": "down_api", "name": "down", "datasource_id": down, "query_template": "select 1", "visibility": "public"})
	s.call("POST", "/api/dataservice/interfaces/down_api/publish", token, nil)
	if code, out, _ := s.gw(t, "GET", "/data-api/down_api", nil, ""); code != 502 || out["code"] != "DATASOURCE_ERROR" {
		t.Fatalf("datasource down (public, no auth): %d %v", code, out)
	}

	// Call log and metrics.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, out = s.call("GET", "/api/dataservice/calls?code=sales_daily_summary&page_size=200", token, nil)
		if out["meta"].(map[string]any)["total"].(float64) >= 20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("call log: %v", out["meta"])
		}
		time.Sleep(100 * time.Millisecond)
	}
	calls := fmt.Sprint(out["data"])
	for _, want := range []string{"status:429", "status:401", "status:400", "cache_hit:true", "RATE_LIMITED"} {
		if !strings.Contains(calls, want) {
			t.Fatalf("call log lacks %s", want)
		}
	}
	_, out = s.call("GET", "/api/dataservice/interfaces/sales_daily_summary/metrics", token, nil)
	if pts := out["data"].([]any); len(pts) == 0 || pts[0].(map[string]any)["calls"].(float64) < 20 {
		t.Fatalf("metrics: %v", out)
	}
	// Refused calls (400, 401, 429) are client errors; errors are what alarms count (5xx).
	var serverErrs, clientErrs float64
	for _, p := range out["data"].([]any) {
		serverErrs += p.(map[string]any)["errors"].(float64)
		clientErrs += p.(map[string]any)["client_errors"].(float64)
	}
	if serverErrs != 0 || clientErrs < 3 {
		t.Fatalf("metrics errors %v, client errors %v", serverErrs, clientErrs)
	}
	// OpenAPI lists active interfaces; export/import round trip.
	_, out, _ = s.gw(t, "GET", "/data-api/openapi.json", nil, "")
	if paths := out["paths"].(map[string]any); paths["/data-api/sales_daily_summary"] == nil || paths["/data-api/down_api"] == nil {
		t.Fatalf("openapi: %v", out)
	}
	code, _, hdr = s.gw(t, "GET", "/api/dataservice/interfaces/export?format=xlsx", bearer, "")
	if code != 200 || !strings.Contains(hdr.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("excel export: %d %v", code, hdr)
	}
	// Import: each definition's outcome with the field details of a refusal; the imported ones
	// are readable as soon as the answer arrives.
	good := salesDefinition(ds, report, "1.0.0")
	good["code"] = "imported_api"
	bad := salesDefinition(ds, report, "1.0.0")
	bad["code"] = "Bad Code"
	code, out = s.call("POST", "/api/dataservice/interfaces/import", token, []any{good, bad})
	results := out["data"].([]any)
	if code != 200 || results[0].(map[string]any)["created"] != true || results[1].(map[string]any)["created"] != false ||
		!strings.Contains(fmt.Sprint(results[1].(map[string]any)["details"]), "field:code") {
		t.Fatalf("import: %d %v", code, out)
	}
	if code, out := s.call("GET", "/api/dataservice/interfaces/imported_api", token, nil); code != 200 {
		t.Fatalf("imported interface not readable at once: %d %v", code, out)
	}
}

// The gateway on MariaDB: "?" placeholders, list parameters expanded for IN, POST bodies.
func TestReportAPIMariaDBIntegration(t *testing.T) {
	t.Parallel()
	maria, err := sqlOpenMaria()
	if err != nil {
		t.Fatal(err)
	}
	db := "api_" + strings.ReplaceAll(uuidString(), "-", "")[:12]
	t.Cleanup(func() { _, _ = maria.Exec("drop database if exists " + db); maria.Close() })
	if _, err := maria.Exec("create database " + db + "; use " + db + "; create table orders (id int primary key, store varchar(10), amount decimal(10,2));" +
		"insert into orders values (1,'A',10),(2,'B',20),(3,'A',30),(4,'C',40)"); err != nil {
		t.Fatal(err)
	}
	s := newAPIServer(t)
	token := s.login()
	bearer := map[string]string{"Authorization": "Bearer " + token}
	_, out := s.call("POST", "/api/datasources", token, map[string]any{"name": "m", "type": "mariadb", "host": "127.0.0.1", "port": 3306, "database": db, "username": "root"})
	ds := data(out)["id"].(string)
	def := map[string]any{"code": "orders_by_store", "name": "按门店", "datasource_id": ds, "method": "POST", "safe_mode": true,
		"parameters":     []map[string]any{{"name": "stores", "in": "body", "type": "array", "required": true}, {"name": "minAmount", "in": "body", "type": "number", "default": 0}},
		"query_template": "select id, store, amount from orders where store in (:stores) and amount >= :minAmount order by id",
		"pagination":     map[string]any{"enabled": true, "default_page_size": 2}}
	if code, out := s.call("POST", "/api/dataservice/interfaces", token, def); code != 201 {
		t.Fatalf("create: %d %v", code, out)
	}
	s.call("POST", "/api/dataservice/interfaces/orders_by_store/publish", token, nil)
	code, out, _ := s.gw(t, "POST", "/data-api/orders_by_store", bearer, `{"stores": ["A", "B"], "minAmount": 15}`)
	meta, _ := out["meta"].(map[string]any)
	if code != 200 || len(out["data"].([]any)) != 2 || meta["total"].(float64) != 2 || meta["hasNext"] != false {
		t.Fatalf("post call: %d %v", code, out)
	}
	code, out, _ = s.gw(t, "POST", "/data-api/orders_by_store", bearer, `{"stores": ["A' or 1=1 -- "]}`)
	if code != 200 || len(out["data"].([]any)) != 0 {
		t.Fatalf("injection in a list: %d %v", code, out)
	}
	if code, out, _ := s.gw(t, "POST", "/data-api/orders_by_store", bearer, `{"minAmount": "lots"}`); code != 400 || len(out["details"].([]any)) != 2 {
		t.Fatalf("two problems at once: %d %v", code, out)
	}
	if code, _, _ := s.gw(t, "POST", "/data-api/orders_by_store", bearer, `not json`); code != 400 {
		t.Fatalf("malformed body: %d", code)
	}
	req, _ := http.NewRequest("POST", "http://"+s.addr+"/data-api/orders_by_store?format=csv", strings.NewReader(`{"stores": ["A", "C"]}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	csv, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(csv) != "\ufeffid,store,amount\n1,A,10.00\n3,A,30.00\n" {
		t.Fatalf("csv export: %q", csv)
	}
}
