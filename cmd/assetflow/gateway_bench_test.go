package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"assetflow/infrastructure/postgres/pgtest"
)

// The gateway under wrk, beside a bare Fiber + pgx handler running the same SQL in this process.
// Needs wrk (Debian package); skipped without it.

const gatewaySQL = `select g as id, 'row ' || g as name from generate_series(1, 20) g where g >= $1`

var wrkRate = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
var wrkP50 = regexp.MustCompile(`\s50%\s+([\d.]+)(us|ms|s)`)

// runWrk drives url with conns connections (two threads, or one for a single connection) for 5s.
func runWrk(b *testing.B, conns int, url string, headers ...string) (rps, p50ms float64) {
	b.Helper()
	args := []string{"-t" + strconv.Itoa(min(2, conns)), "-c" + strconv.Itoa(conns), "-d5s", "--latency"}
	for _, h := range headers {
		args = append(args, "-H", h)
	}
	out, err := exec.Command("wrk", append(args, url)...).CombinedOutput()
	if err != nil {
		b.Fatalf("wrk: %v %s", err, out)
	}
	if strings.Contains(string(out), "Non-2xx") {
		b.Fatalf("wrk saw errors:\n%s", out)
	}
	m := wrkRate.FindSubmatch(out)
	l := wrkP50.FindSubmatch(out)
	if m == nil || l == nil {
		b.Fatalf("wrk output: %s", out)
	}
	rps, _ = strconv.ParseFloat(string(m[1]), 64)
	p50ms, _ = strconv.ParseFloat(string(l[1]), 64)
	switch string(l[2]) {
	case "us":
		p50ms /= 1000
	case "s":
		p50ms *= 1000
	}
	return rps, p50ms
}

func BenchmarkGatewayWrk(b *testing.B) {
	if _, err := exec.LookPath("wrk"); err != nil {
		b.Skip("wrk is not installed (apt-get install -y wrk)")
	}
	// Bare handler: Fiber + pgx, same statement, same parameter.
	pool, err := pgxpool.New(context.Background(), pgtest.ServerURL()+"/postgres?sslmode=disable")
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	bare.Get("/bare", func(c *fiber.Ctx) error {
		rows, err := pool.Query(c.Context(), gatewaySQL, c.QueryInt("min", 1))
		if err != nil {
			return err
		}
		defer rows.Close()
		var data []map[string]any
		for rows.Next() {
			var id int
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				return err
			}
			data = append(data, map[string]any{"id": id, "name": name})
		}
		return c.JSON(fiber.Map{"code": "OK", "success": true, "data": data})
	})
	// The ceiling: the same answer as constant bytes, no work at all; what this machine's HTTP
	// stack and wrk allow, which bounds any cached answer.
	var constant []byte
	bare.Get("/constant", func(c *fiber.Ctx) error {
		c.Set("Content-Type", "application/json")
		return c.Send(constant)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = bare.Listener(ln) }()
	defer bare.Shutdown()

	srv := newAPIServer(b)
	token := srv.login()
	_, out := srv.call("POST", "/api/datasources", token, map[string]any{"name": "pg", "type": "postgresql", "host": "127.0.0.1", "port": 5432,
		"database": "postgres", "username": "postgres"})
	ds := data(out)["id"].(string)
	def := func(code string, cache bool) map[string]any {
		return map[string]any{"code": code, "name": code, "datasource_id": ds, "audit": true,
			"parameters":     []map[string]any{{"name": "min", "type": "integer", "default": 1, "minimum": 1}},
			"query_template": strings.Replace(gatewaySQL, "$1", ":min", 1),
			"cache":          map[string]any{"enabled": cache, "ttl_seconds": 60}}
	}
	for _, d := range []map[string]any{def("bench_uncached", false), def("bench_cached", true)} {
		if code, out := srv.call("POST", "/api/dataservice/interfaces", token, d); code != 201 {
			b.Fatalf("create: %d %v", code, out)
		}
		srv.call("POST", "/api/dataservice/interfaces/"+d["code"].(string)+"/publish", token, nil)
	}
	_, out = srv.call("POST", "/api/system/api-keys", token, map[string]any{"name": "wrk"})
	key := "X-API-Key: " + data(out)["key"].(string)

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bareURL, gwURL := fmt.Sprintf("http://%s/bare?min=3", ln.Addr()), "http://"+srv.addr+"/data-api/bench_uncached?min=3"
		if constant == nil {
			resp, err := http.Get(bareURL)
			if err != nil {
				b.Fatal(err)
			}
			constant, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		ceilingRPS, _ := runWrk(b, 32, fmt.Sprintf("http://%s/constant", ln.Addr()))
		bareRPS, bareP50 := runWrk(b, 32, bareURL)
		gwRPS, gwP50 := runWrk(b, 32, gwURL, key)
		cachedRPS, _ := runWrk(b, 32, "http://"+srv.addr+"/data-api/bench_cached?min=3", key)
		// One connection: the latency a call adds without queueing behind 31 others (under
		// saturation the p50 difference is mostly the throughput difference: 32 / req/s).
		_, bareP50c1 := runWrk(b, 1, bareURL)
		_, gwP50c1 := runWrk(b, 1, gwURL, key)
		b.ReportMetric(bareRPS, "bare-req/s")
		b.ReportMetric(gwRPS, "gateway-req/s")
		b.ReportMetric(gwRPS/bareRPS, "gateway/bare")
		b.ReportMetric(gwP50-bareP50, "p50-overhead-ms")
		b.ReportMetric(gwP50c1-bareP50c1, "p50-overhead-c1-ms")
		b.ReportMetric(cachedRPS, "cached-req/s")
		b.ReportMetric(cachedRPS/gwRPS, "cached/uncached")
		b.ReportMetric(ceilingRPS, "ceiling-req/s")
	}
}
