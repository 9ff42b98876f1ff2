package main

import (
	"strings"
	"testing"
	"time"

	"assetflow/infrastructure/postgres/pgtest"
)

// TestDemoWorkspaceIntegration starts a server on an empty database with the demo on: the
// workspace appears, the report API answers without credentials, the analyst reads PII masked and
// the failing rule fails; a restart adds nothing twice; removed from the console, it stays away.
func TestDemoWorkspaceIntegration(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("integration")
	}
	env := []string{"ASSETFLOW_DATABASE_URL=" + pgtest.NewDatabase(t), "ASSETFLOW_DATA_DIR=" + t.TempDir(), "ASSETFLOW_EMBEDDED_KAFKA_ADDR=" + freePort(t), "ASSETFLOW_DEMO=true"}
	s := startServer(t, env...)
	admin := s.login()
	ready := func(s *server) {
		t.Helper()
		deadline := time.Now().Add(3 * time.Minute)
		for {
			code, out := s.call("GET", "/api/access/row-filters", admin, nil)
			if list, _ := out["data"].([]any); code == 200 && len(list) > 0 { // the analyst's row filter is the last step
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("demo not ready: %s", s.logs())
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	ready(s)
	counts := func(s *server) string {
		_, ds := s.call("GET", "/api/datasources", admin, nil)
		_, rules := s.call("GET", "/api/quality/rules?page_size=100", admin, nil)
		_, keys := s.call("GET", "/api/system/api-keys", admin, nil)
		return strings.Join([]string{string(mustJSON(ds["meta"].(map[string]any)["total"])), string(mustJSON(rules["meta"].(map[string]any)["total"])),
			string(mustJSON(len(keys["data"].([]any))))}, "/")
	}
	first := counts(s)
	if !strings.HasSuffix(first, "/4/1") {
		t.Fatalf("demo datasources/rules/API keys: %s", first)
	}
	status, out, _ := s.gw(t, "GET", "/data-api/sales_daily_summary?startDate=2025-01-01&endDate=2025-01-31", nil, "")
	if status != 200 || len(out["data"].([]any)) == 0 {
		t.Fatalf("sales_daily_summary: %d %v", status, out)
	}
	_, out = s.call("GET", "/api/quality/rules?page_size=100&status=failed", admin, nil)
	if n := out["meta"].(map[string]any)["total"]; n != float64(1) {
		t.Errorf("failing demo rules: %v", n)
	}
	// The sync task copies the MariaDB tables into the warehouse's ods schema.
	deadline := time.Now().Add(90 * time.Second)
	for {
		_, out := s.call("GET", "/api/integration/tasks?keyword=演示", admin, nil)
		if list, _ := out["data"].([]any); len(list) == 1 {
			if st := list[0].(map[string]any)["last_run_status"]; st == "succeeded" || st == "completed" {
				break
			} else if time.Now().After(deadline) {
				t.Fatalf("demo sync task: %v", list[0])
			}
		} else if time.Now().After(deadline) {
			t.Fatalf("demo sync task missing: %v", out)
		}
		time.Sleep(time.Second)
	}
	_, out = s.call("GET", "/api/catalog/categories", admin, nil)
	if cats := string(mustJSON(out["data"])); !strings.Contains(cats, "销售域") || !strings.Contains(cats, "指标") {
		t.Errorf("demo categories: %s", cats)
	}
	analyst := s.loginAs("analyst", "Analyst-Demo-1")
	_, out = s.call("GET", "/api/system/demo", admin, nil)
	dw := data(out)["datasources"].([]any)[0].(string)
	code, out := s.call("POST", "/api/dataservice/query", analyst, map[string]any{"datasource_id": dw, "sql": "select phone, email from customers where id = 1"})
	if rows := string(mustJSON(data(out)["rows"])); code != 200 || !strings.Contains(rows, `"*******`) || strings.Contains(rows, "@example.cn") {
		t.Errorf("analyst on customers: %d %s", code, rows)
	}

	// A restart adds nothing twice.
	s.stop()
	s = startServer(t, env...)
	admin = s.login()
	time.Sleep(3 * time.Second)
	if again := counts(s); again != first {
		t.Errorf("after a restart: %s, before %s", again, first)
	}

	// Removed, it stays away.
	if code, out := s.call("POST", "/api/system/demo/remove", analyst, nil); code != 401 && code != 403 {
		t.Errorf("an analyst removing the demo: %d %v", code, out)
	}
	if code, out := s.call("POST", "/api/system/demo/remove", admin, nil); code != 200 {
		t.Fatalf("remove: %d %v", code, out)
	}
	if status, _, _ := s.gw(t, "GET", "/data-api/sales_daily_summary?startDate=2025-01-01&endDate=2025-01-31", nil, ""); status != 404 {
		t.Errorf("report API after removal: %d", status)
	}
	s.stop()
	s = startServer(t, env...)
	admin = s.login()
	time.Sleep(3 * time.Second)
	if _, out := s.call("GET", "/api/system/demo", admin, nil); data(out)["present"] != false {
		t.Errorf("the demo came back: %v", out)
	}
}
