package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"assetflow/infrastructure/bus"
	"assetflow/infrastructure/postgres/pgtest"
)

func TestMonitorIntegration(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewDatabase(t)
	broker, err := bus.StartEmbedded(freePort(t), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Close)
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	env := []string{"ASSETFLOW_DATABASE_URL=" + dbURL, "ASSETFLOW_KAFKA_BROKERS=" + broker.Addr, "ASSETFLOW_SECRET_KEY=" + key}
	a := startServer(t, append(env, "ASSETFLOW_DATA_DIR="+t.TempDir(), "ASSETFLOW_NODE_ID=replica-a")...)
	b := startServer(t, append(env, "ASSETFLOW_DATA_DIR="+t.TempDir(), "ASSETFLOW_NODE_ID=replica-b")...)
	admin := a.login()

	code, out := a.call("GET", "/api/monitor/server", admin, nil)
	d := data(out)
	if code != 200 || d["cpu"].(map[string]any)["cores"].(float64) < 1 || d["memory"].(map[string]any)["total"].(float64) <= 0 ||
		d["database"].(map[string]any)["size_bytes"].(float64) <= 0 || len(d["kafka"].(map[string]any)["topics"].([]any)) < 9 {
		t.Fatalf("server info: %d %v", code, out)
	}
	// Both replicas report themselves.
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, out = a.call("GET", "/api/monitor/server", admin, nil)
		if reps, _ := data(out)["replicas"].([]any); len(reps) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replicas: %v", data(out)["replicas"])
		}
		time.Sleep(200 * time.Millisecond)
	}

	a.call("POST", "/api/system/users", admin, map[string]any{"username": "opx", "password": "Opx-pass-123", "roles": []string{"viewer"}})
	_, out = b.call("POST", "/api/auth/login", "", map[string]string{"username": "opx", "password": "Opx-pass-123"})
	viewer := data(out)["token"].(string)
	if code, _ := b.call("GET", "/api/monitor/server", viewer, nil); code != 403 {
		t.Fatalf("viewer on monitor: %d", code)
	}
	// The operation log: administrators see everyone's entries, others only their own.
	for deadline := time.Now().Add(10 * time.Second); ; {
		_, out := a.call("GET", "/api/monitor/operation-logs?user=admin", admin, nil)
		if entries, _ := out["data"].([]any); len(entries) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("admin's operations not logged: %v", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, out := b.call("GET", "/api/monitor/operation-logs?user=admin", viewer, nil); len(out["data"].([]any)) != 0 {
		t.Fatalf("a viewer sees the admin's operations: %v", out["data"])
	}
	_, out = a.call("GET", "/api/monitor/online", admin, nil)
	var sid, ownSid string
	for _, s := range out["data"].([]any) {
		m := s.(map[string]any)
		switch m["username"] {
		case "opx":
			sid = m["session_id"].(string)
		case "admin":
			ownSid = m["session_id"].(string)
		}
	}
	if sid == "" || ownSid == "" {
		t.Fatalf("online: %v", out)
	}
	if code, _ := a.call("DELETE", "/api/monitor/online/"+ownSid, admin, nil); code != 400 {
		t.Fatalf("forcing oneself out: %d", code)
	}
	if code, _ := a.call("DELETE", "/api/monitor/online/no-such-session", admin, nil); code != 404 {
		t.Fatalf("unknown session: %d", code)
	}
	if code, out := a.call("DELETE", "/api/monitor/online/"+sid, admin, nil); code != 200 {
		t.Fatalf("force logout: %d %v", code, out)
	}
	start := time.Now()
	for {
		code, _ := b.call("GET", "/api/auth/me", viewer, nil)
		if code == 401 {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("the token still works on the other replica after %s", time.Since(start))
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Lockout after five failures, login log with reasons.
	for i := 0; i < 5; i++ {
		a.call("POST", "/api/auth/login", "", map[string]string{"username": "opx", "password": fmt.Sprintf("wrong-%d", i)})
	}
	// No waiting: a refused sign-in answers once it counts, and the next attempt is on the other replica.
	if code, out := b.call("POST", "/api/auth/login", "", map[string]string{"username": "opx", "password": "Opx-pass-123"}); code != 429 || !strings.Contains(fmt.Sprint(out), "locked") {
		t.Fatalf("lockout: %d %v", code, out)
	}
	_, out = a.call("GET", "/api/monitor/loginlog?user=opx&status=failure", admin, nil)
	if n := out["meta"].(map[string]any)["total"].(float64); n < 5 || !strings.Contains(fmt.Sprint(out["data"]), "wrong password") {
		t.Fatalf("login log: %v", out)
	}
	// Operation log keeps the request without its password; absurd ranges are refused. Entries
	// are facts appended in batches and projected: they arrive within moments, not at once.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, out = a.call("GET", "/api/monitor/operlog?module=system&page_size=50", admin, nil)
		s := fmt.Sprint(out["data"])
		if strings.Contains(s, "Opx-pass-123") {
			t.Fatalf("operation log holds a password: %v", out)
		}
		if strings.Contains(s, "/api/system/users") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("operation log: %v", out)
		}
	}
	if code, _ := a.call("GET", "/api/monitor/operlog?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", admin, nil); code != 400 {
		t.Fatalf("inverted range: %d", code)
	}
	if code, _ := a.call("GET", "/api/monitor/loginlog?from=2000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", admin, nil); code != 400 {
		t.Fatalf("absurd range: %d", code)
	}

	// Jobs: a schedule appears, pauses and resumes; unknown jobs are 404.
	_, out = a.call("POST", "/api/datasources", admin, map[string]any{"name": "pg", "type": "postgresql", "host": "127.0.0.1", "port": 5432, "database": "postgres", "username": "postgres"})
	ds := data(out)["id"].(string)
	a.call("PUT", "/api/catalog/schedules/"+ds, admin, map[string]any{"cron": "0 3 * * *", "enabled": true})
	_, out = a.call("GET", "/api/monitor/jobs", admin, nil)
	if jobs := out["data"].([]any); len(jobs) != 1 || jobs[0].(map[string]any)["next_run"] == nil {
		t.Fatalf("jobs: %v", out)
	}
	if code, _ := a.call("POST", "/api/monitor/jobs/collect:"+ds+"/pause", admin, nil); code != 200 {
		t.Fatalf("pause: %d", code)
	}
	deadline = time.Now().Add(5 * time.Second)
	for {
		_, out = a.call("GET", "/api/monitor/jobs", admin, nil)
		if out["data"].([]any)[0].(map[string]any)["enabled"] == false {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("paused job: %v", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, _ := a.call("POST", "/api/monitor/jobs/nope/run", admin, nil); code != 404 {
		t.Fatalf("unknown job: %d", code)
	}
}
