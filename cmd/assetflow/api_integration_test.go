package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"assetflow/infrastructure/postgres/pgtest"
)

func newAPIServer(t testing.TB) *server {
	t.Helper()
	return startServer(t, "ASSETFLOW_DATABASE_URL="+pgtest.NewDatabase(t), "ASSETFLOW_DATA_DIR="+t.TempDir(),
		"ASSETFLOW_EMBEDDED_KAFKA_ADDR="+freePort(t))
}

func (s *server) raw(method, path, token, body string) (int, map[string]any) {
	req, _ := http.NewRequest(method, "http://"+s.addr+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := jsonUnmarshal(b, &out); err != nil {
		s.t.Fatalf("%s %s: body is not JSON: %q", method, path, b)
	}
	return resp.StatusCode, out
}

func data(out map[string]any) map[string]any {
	d, _ := out["data"].(map[string]any)
	return d
}

// Bad input gets the error envelope with the right status, and nothing stored changes.
func TestAPIBadInputIntegration(t *testing.T) {
	t.Parallel()
	s := newAPIServer(t)
	token := s.login()
	huge := `{"username":"` + strings.Repeat("a", 5<<20) + `"}`
	cases := []struct {
		name, method, path, body string
		auth                     bool
		status                   int
		code                     string
		field                    string
	}{
		{"malformed json", "POST", "/api/auth/login", `{"username":`, false, 400, "INVALID_PARAM", ""},
		{"empty body", "POST", "/api/auth/login", ``, false, 400, "INVALID_PARAM", ""},
		{"trailing data", "POST", "/api/auth/login", `{"username":"a","password":"b"} {}`, false, 400, "INVALID_PARAM", ""},
		{"unknown field", "POST", "/api/system/users", `{"username":"bob","password":"password-1","roles":["viewer"],"admin":true}`, true, 400, "INVALID_PARAM", "admin"},
		{"wrong type", "POST", "/api/system/users", `{"username":"bob","password":"password-1","roles":"viewer"}`, true, 400, "INVALID_PARAM", "roles"},
		{"validation", "POST", "/api/system/users", `{"username":"b","password":"short","roles":[]}`, true, 400, "INVALID_PARAM", "username"},
		{"oversize", "POST", "/api/auth/login", huge, false, 400, "INVALID_PARAM", ""},
		{"bad id", "GET", "/api/system/users/%2e%2e%2fetc", "", true, 404, "NOT_FOUND", ""},
		{"unknown route", "GET", "/api/nope", "", true, 404, "NOT_FOUND", ""},
		{"bad page", "GET", "/api/audit/events?page=0", "", true, 400, "INVALID_PARAM", "page"},
		{"bad page size", "GET", "/api/audit/events?page_size=x", "", true, 400, "INVALID_PARAM", "page_size"},
		{"bad time", "GET", "/api/audit/events?from=yesterday", "", true, 400, "INVALID_PARAM", "from"},
		{"no token", "GET", "/api/audit/events", "", false, 401, "UNAUTHORIZED", ""},
		{"wrong password", "POST", "/api/auth/login", `{"username":"admin","password":"nope"}`, false, 401, "UNAUTHORIZED", ""},
		{"revoke unknown key", "DELETE", "/api/system/api-keys/apikey-missing", "", true, 404, "NOT_FOUND", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := ""
			if tc.auth {
				tok = token
			}
			status, out := s.raw(tc.method, tc.path, tok, tc.body)
			if status != tc.status || out["code"] != tc.code || out["success"] != false {
				t.Fatalf("got %d %v, want %d %s", status, out, tc.status, tc.code)
			}
			if _, ok := out["details"].([]any); !ok {
				t.Fatalf("details missing or not a list: %v", out)
			}
			if tc.field != "" && !strings.Contains(fmt.Sprint(out["details"]), "field:"+tc.field) {
				t.Fatalf("details do not name %s: %v", tc.field, out["details"])
			}
		})
	}
	// None of the rejected requests created a user.
	_, out := s.call("GET", "/api/system/users", token, nil)
	if total := out["meta"].(map[string]any)["total"].(float64); total != 1 {
		t.Fatalf("users after bad input: %v, want only admin", total)
	}
}

func TestAPIAccessFlowsIntegration(t *testing.T) {
	t.Parallel()
	s := newAPIServer(t)
	admin := s.login()

	code, out := s.call("POST", "/api/system/users", admin, map[string]any{"username": "viewer1", "password": "viewer-pass-1", "roles": []string{"viewer"}, "email": "v@example.com"})
	if code != 201 {
		t.Fatalf("create: %d %v", code, out)
	}
	id := data(out)["id"].(string)
	// Read-your-writes: the list shows the new user immediately.
	_, out = s.call("GET", "/api/system/users?keyword=viewer1", admin, nil)
	if out["meta"].(map[string]any)["total"].(float64) != 1 {
		t.Fatalf("new user not listed: %v", out)
	}
	if code, out = s.call("POST", "/api/system/users", admin, map[string]any{"username": "viewer1", "password": "viewer-pass-1", "roles": []string{"viewer"}}); code != 409 || out["code"] != "CONFLICT" {
		t.Fatalf("duplicate username: %d %v", code, out)
	}

	code, out = s.call("POST", "/api/auth/login", "", map[string]string{"username": "viewer1", "password": "viewer-pass-1"})
	if code != 200 {
		t.Fatalf("viewer login: %d %v", code, out)
	}
	viewer := data(out)["token"].(string)
	if code, out = s.call("GET", "/api/system/users", viewer, nil); code != 403 || out["code"] != "FORBIDDEN" {
		t.Fatalf("viewer listing users: %d %v", code, out)
	}

	// Password change: wrong old password is a field error; the right one works.
	if code, out = s.call("POST", "/api/auth/password", viewer, map[string]string{"oldPassword": "nope", "newPassword": "viewer-pass-2"}); code != 400 {
		t.Fatalf("wrong old password: %d %v", code, out)
	}
	if code, out = s.call("POST", "/api/auth/password", viewer, map[string]string{"oldPassword": "viewer-pass-1", "newPassword": "viewer-pass-2"}); code != 200 {
		t.Fatalf("change password: %d %v", code, out)
	}
	if code, _ = s.call("POST", "/api/auth/login", "", map[string]string{"username": "viewer1", "password": "viewer-pass-2"}); code != 200 {
		t.Fatalf("login with new password: %d", code)
	}

	// API keys: shown once, work as X-API-Key, stop after revocation.
	code, out = s.call("POST", "/api/system/api-keys", viewer, map[string]any{"name": "ci", "expiresInDays": 30})
	if code != 201 {
		t.Fatalf("create key: %d %v", code, out)
	}
	key, keyID := data(out)["key"].(string), data(out)["id"].(string)
	req, _ := http.NewRequest("GET", "http://"+s.addr+"/api/auth/me", nil)
	req.Header.Set("X-API-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("api key auth: %v %v", err, resp)
	}
	resp.Body.Close()
	_, out = s.call("GET", "/api/system/api-keys", admin, nil)
	if strings.Contains(fmt.Sprint(out), key) || strings.Contains(fmt.Sprint(out), "hash") {
		t.Fatalf("key list leaks the secret or its hash: %v", out)
	}
	if code, out = s.call("DELETE", "/api/system/api-keys/"+keyID, viewer, nil); code != 200 {
		t.Fatalf("revoke: %d %v", code, out)
	}
	resp, _ = http.DefaultClient.Do(req)
	if resp.StatusCode != 401 {
		t.Fatalf("revoked key still works: %d", resp.StatusCode)
	}
	resp.Body.Close()

	// Disabling a user stops its existing token at once.
	if code, out = s.call("POST", "/api/system/users/"+id+"/disable", admin, nil); code != 200 || data(out)["status"] != "disabled" {
		t.Fatalf("disable: %d %v", code, out)
	}
	if code, _ = s.call("GET", "/api/auth/me", viewer, nil); code != 401 {
		t.Fatalf("disabled user's token: %d", code)
	}
	if code, out = s.call("POST", "/api/system/users/"+id+"/enable", admin, nil); code != 200 {
		t.Fatalf("enable: %d %v", code, out)
	}
	// Logout ends the session.
	if code, _ = s.call("POST", "/api/auth/logout", viewer, nil); code != 200 {
		t.Fatalf("logout: %d", code)
	}
	if code, _ = s.call("GET", "/api/auth/me", viewer, nil); code != 401 {
		t.Fatalf("token after logout: %d", code)
	}
	// The admin cannot lock itself out.
	_, me := s.call("GET", "/api/auth/me", admin, nil)
	if code, _ = s.call("POST", "/api/system/users/"+data(me)["id"].(string)+"/disable", admin, nil); code != 400 {
		t.Fatalf("admin disabling itself: %d", code)
	}

	// Audit and operation log saw it all, with who and from where; secrets are masked.
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, out = s.call("GET", "/api/monitor/operation-logs?path=/api/auth/password&page_size=50", admin, nil)
		if list, _ := out["data"].([]any); len(list) >= 2 {
			if strings.Contains(fmt.Sprint(list), "viewer-pass") {
				t.Fatalf("operation log leaks a password: %v", list)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("operation log misses password changes: %v", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, out = s.call("GET", "/api/audit/events?type=access.*&actor=admin&page_size=100", admin, nil)
	if out["meta"].(map[string]any)["total"].(float64) < 4 {
		_, all := s.call("GET", "/api/audit/events?page_size=100", admin, nil)
		t.Fatalf("audit by admin: %v\nall: %v\nlog: %s", out["meta"], all, s.logs())
	}
	_, out = s.call("GET", "/api/dashboard/summary", admin, nil)
	if d := data(out); d["users"].(float64) != 2 || len(d["eventsByDay"].([]any)) != 14 {
		t.Fatalf("dashboard: %v", d)
	}
}
