package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"assetflow/infrastructure/bus"
	"assetflow/infrastructure/postgres"
	"assetflow/infrastructure/postgres/pgtest"
	"assetflow/projections/audit"
	"assetflow/projections/runner"
)

// Process tests run the real binary: SIGKILL in the middle of a burst, and two replicas sharing
// one database and broker.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func binary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("process test (run without -short)")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "assetflow-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "assetflow")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type server struct {
	t    testing.TB
	cmd  *exec.Cmd
	addr string
	log  *bytes.Buffer
	mu   sync.Mutex
}

func startServer(t testing.TB, env ...string) *server {
	t.Helper()
	s := &server{t: t, addr: freePort(t), log: &bytes.Buffer{}}
	cmd := exec.Command(binary(t), "serve")
	cmd.Env = append(os.Environ(), append([]string{"ASSETFLOW_HTTP_ADDR=" + s.addr, "ASSETFLOW_ADMIN_PASSWORD=Process-Admin-1",
		"ASSETFLOW_BCRYPT_COST=4", "ASSETFLOW_DEMO=false"}, env...)...)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			s.mu.Lock()
			s.log.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
		}
	}()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.cmd = cmd
	t.Cleanup(func() { s.kill() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + s.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready; log:\n%s", s.logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *server) logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.log.String()
	if len(out) > 4000 {
		out = out[len(out)-4000:]
	}
	return out
}

func (s *server) kill() {
	if s.cmd != nil && s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		s.kill()
	}
}

func (s *server) call(method, path, token string, body any) (int, map[string]any) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, "http://"+s.addr+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (s *server) login() string {
	s.t.Helper()
	code, out := s.call("POST", "/api/auth/login", "", map[string]string{"username": "admin", "password": "Process-Admin-1"})
	if code != 200 {
		s.t.Fatalf("login: %d %v", code, out)
	}
	return out["data"].(map[string]any)["token"].(string)
}

func (s *server) metric(name string) float64 {
	resp, err := http.Get("http://" + s.addr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	total := 0.0
	found := false
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, name) {
			var v float64
			fields := strings.Fields(line)
			fmt.Sscan(fields[len(fields)-1], &v)
			total += v
			found = true
		}
	}
	if !found {
		return -1
	}
	return total
}

// replayCmd rebuilds every read model of the database named in env.
func replayCmd(t testing.TB, env ...string) *exec.Cmd {
	cmd := exec.Command(binary(t), "replay", "--all")
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

func openPool(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := postgres.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// waitSettled waits until the audit read model holds every stored event and nothing new arrived
// for longer than the fact batch window (so no sign-in or operation-log fact is still in flight).
func waitSettled(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	last := -1
	for {
		var events, audited int
		var skipped []string
		for t := range audit.Skipped {
			skipped = append(skipped, t)
		}
		_ = pool.QueryRow(context.Background(), `select (select count(*) from events where type <> all($1)), (select count(*) from audit_events)`, skipped).Scan(&events, &audited)
		if events == audited && events > 0 && events == last {
			return
		}
		if events == audited {
			last = events
		} else {
			last = -1
		}
		if time.Now().After(deadline) {
			t.Fatalf("audit holds %d of %d events", audited, events)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func TestCrashDuringBurstIntegration(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewDatabase(t)
	dataDir := t.TempDir()
	env := []string{"ASSETFLOW_DATABASE_URL=" + dbURL, "ASSETFLOW_DATA_DIR=" + dataDir, "ASSETFLOW_EMBEDDED_KAFKA_ADDR=" + freePort(t)}
	srv := startServer(t, env...)
	token := srv.login()

	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("burst-%d-%d", w, i)
				code, _ := srv.call("POST", "/api/system/users", token, map[string]any{"username": name, "password": "burst-pass-1", "roles": []string{"viewer"}})
				if code == 0 {
					return // connection refused: the server is gone
				}
				if code == 201 {
					mu.Lock()
					acked = append(acked, name)
					mu.Unlock()
				}
			}
		}()
	}
	// Kill mid-burst once a fair number of commands were acknowledged (the machine may be busy).
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 40 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = srv.cmd.Process.Signal(syscall.SIGKILL)
	_ = srv.cmd.Wait()
	close(stop)
	wg.Wait()
	if len(acked) < 10 {
		t.Fatalf("only %d commands acknowledged before the kill", len(acked))
	}

	srv2 := startServer(t, env...)
	pool := openPool(t, dbURL)
	for _, name := range acked {
		var n int
		if err := pool.QueryRow(context.Background(), `select count(*) from events where type = 'access.user_created' and payload->>'username' = $1`, name).Scan(&n); err != nil || n != 1 {
			t.Fatalf("acknowledged user %s: %d events (%v)", name, n, err)
		}
	}
	waitSettled(t, pool)
	srv2.stop()
	live, err := runner.Snapshot(context.Background(), pool, projections()...)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := replayCmd(t, env...).CombinedOutput(); err != nil {
		t.Fatalf("replay: %v\n%s", err, out)
	}
	replayed, err := runner.Snapshot(context.Background(), pool, projections()...)
	if err != nil {
		t.Fatal(err)
	}
	if live != replayed {
		t.Fatalf("read models after crash and restart differ from a full replay (%d vs %d bytes)", len(live), len(replayed))
	}
	t.Logf("%d acknowledged commands survived SIGKILL; read models equal a replay", len(acked))
}

func TestTwoReplicasIntegration(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewDatabase(t)
	broker, err := bus.StartEmbedded(freePort(t), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Close)
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	env := []string{"ASSETFLOW_DATABASE_URL=" + dbURL, "ASSETFLOW_KAFKA_BROKERS=" + broker.Addr, "ASSETFLOW_SECRET_KEY=" + key}
	a := startServer(t, append(env, "ASSETFLOW_DATA_DIR="+t.TempDir(), "ASSETFLOW_NODE_ID=a")...)
	b := startServer(t, append(env, "ASSETFLOW_DATA_DIR="+t.TempDir(), "ASSETFLOW_NODE_ID=b")...)
	pool := openPool(t, dbURL)

	waitMetric := func(cond func() bool, what string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s; logs a:\n%s\nb:\n%s", what, a.logs(), b.logs())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitMetric(func() bool { return a.metric("assetflow_relay_active")+b.metric("assetflow_relay_active") == 1 }, "exactly one relay must be active")

	// A token from one replica works on the other (shared key, shared read models).
	token := a.login()
	for i := 0; i < 20; i++ {
		s := a
		if i%2 == 1 {
			s = b
		}
		if code, out := s.call("POST", "/api/system/users", token, map[string]any{"username": fmt.Sprintf("rep%d", i), "password": "replica-pass-1", "roles": []string{"viewer"}}); code != 201 {
			t.Fatalf("create via replica: %d %v", code, out)
		}
	}
	waitSettled(t, pool)
	// Each event applied once per projection across both replicas: the applied counters add up
	// to exactly the number of events each projection follows.
	// The audit log passes over the high-volume facts it skips (heartbeats, sessions seen).
	var skipped []string
	for t := range audit.Skipped {
		skipped = append(skipped, t)
	}
	var events, accessEvents int
	_ = pool.QueryRow(context.Background(), `select count(*) filter (where type <> all($1)), count(*) filter (where type like 'access.%') from events`,
		skipped).Scan(&events, &accessEvents)
	waitMetric(func() bool {
		return a.metric(`assetflow_projection_events_applied_total{projection="audit"}`)+b.metric(`assetflow_projection_events_applied_total{projection="audit"}`) == float64(events)
	}, fmt.Sprintf("audit applied count must equal %d events (a %v + b %v)", events,
		a.metric(`assetflow_projection_events_applied_total{projection="audit"}`), b.metric(`assetflow_projection_events_applied_total{projection="audit"}`)))
	if got := a.metric(`assetflow_projection_events_applied_total{projection="access"}`) + b.metric(`assetflow_projection_events_applied_total{projection="access"}`); got != float64(accessEvents) {
		t.Fatalf("access projection applied %v events across replicas, want %d", got, accessEvents)
	}

	// Fail-over: kill the active relay; the other takes over and new events still flow.
	active, standby := a, b
	if b.metric("assetflow_relay_active") == 1 {
		active, standby = b, a
	}
	active.kill()
	waitMetric(func() bool { return standby.metric("assetflow_relay_active") == 1 }, "standby relay did not take over")
	token = standby.login()
	if code, out := standby.call("POST", "/api/system/users", token, map[string]any{"username": "after-failover", "password": "replica-pass-1", "roles": []string{"viewer"}}); code != 201 {
		t.Fatalf("create after failover: %d %v", code, out)
	}
	waitSettled(t, pool)
}
