package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"assetflow/infrastructure/postgres/pgtest"
)

// The gateway under wrk, beside a bare Fiber + pgx handler running the same SQL in this process.
// Needs wrk (Debian package); skipped without it.

const gatewaySQL = `select g as id, 'row ' || g as name from generate_series(1, 20) g where g >= $1`

var wrkRate = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
var wrkP50 = regexp.MustCompile(`\s50%\s+([\d.]+)(us|ms|s)`)

// cpuUse is the CPU time a wrk phase cost per request, in microseconds: in the AssetFlow server
// process, in this test process (the bare handler) and in PostgreSQL's processes.
type cpuUse struct{ server, test, pg float64 }

// runWrk drives url with conns connections (two threads, or one for a single connection) for 5s.
func runWrk(b *testing.B, conns int, url string, headers ...string) (rps, p50ms float64) {
	rps, p50ms, _ = runWrkCPU(b, 0, conns, url, headers...)
	return rps, p50ms
}

// runWrkCPU is runWrk that also measures where the CPU went (serverPid 0: not measured).
func runWrkCPU(b *testing.B, serverPid, conns int, url string, headers ...string) (rps, p50ms float64, use cpuUse) {
	b.Helper()
	args := []string{"-t" + strconv.Itoa(min(2, conns)), "-c" + strconv.Itoa(conns), "-d5s", "--latency"}
	for _, h := range headers {
		args = append(args, "-H", h)
	}
	server, self, pg := cpuTicks(serverPid), cpuTicks(os.Getpid()), postgresTicks()
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
	perRequest := func(ticks int64) float64 { return float64(ticks) * 1e6 / clockTicks / (rps * 5) }
	use = cpuUse{server: perRequest(cpuTicks(serverPid) - server), test: perRequest(cpuTicks(os.Getpid()) - self), pg: perRequest(postgresTicks() - pg)}
	return rps, p50ms, use
}

// clockTicks is Linux's USER_HZ, the unit of /proc/<pid>/stat times.
const clockTicks = 100

// cpuTicks is the user+system CPU a process has used (0 when it cannot be read).
func cpuTicks(pid int) int64 {
	if pid == 0 {
		return 0
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	user, _ := strconv.ParseInt(f[11], 10, 64)
	sys, _ := strconv.ParseInt(f[12], 10, 64)
	return user + sys
}

// postgresTicks sums cpuTicks over the machine's PostgreSQL processes.
func postgresTicks() int64 {
	var total int64
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); strings.HasPrefix(string(comm), "postgres") {
			total += cpuTicks(pid)
		}
	}
	return total
}

func BenchmarkGatewayWrk(b *testing.B) {
	if _, err := exec.LookPath("wrk"); err != nil {
		b.Skip("wrk is not installed (apt-get install -y wrk)")
	}
	// Bare handler: Fiber + pgx, same statement, same parameter.
	// As many connections as the gateway keeps per datasource (8), so both run as many
	// statements at once.
	pool, err := pgxpool.New(context.Background(), pgtest.ServerURL()+"/postgres?sslmode=disable&pool_max_conns=8")
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
	// The report query: the design spec's sales_daily_summary over a year of sales.
	salesURL := pgtest.NewDatabase(b)
	sales, err := pgxpool.New(context.Background(), salesURL+"&pool_max_conns=8")
	if err != nil {
		b.Fatal(err)
	}
	defer sales.Close()
	if _, err := sales.Exec(context.Background(), salesSetup); err != nil {
		b.Fatal(err)
	}
	bare.Get("/report", func(c *fiber.Ctx) error {
		rows, err := sales.Query(c.Context(), reportSQL, c.Query("startDate"), c.Query("endDate"))
		if err != nil {
			return err
		}
		defer rows.Close()
		var data []map[string]any
		for rows.Next() {
			var day time.Time
			var store string
			var total pgtype.Numeric
			var orders int64
			if err := rows.Scan(&day, &store, &total, &orders); err != nil {
				return err
			}
			amount, _ := total.Float64Value()
			data = append(data, map[string]any{"date": day.Format(time.DateOnly), "store_id": store, "total_amount": amount.Float64, "order_count": orders})
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return c.JSON(fiber.Map{"code": "OK", "success": true, "data": data})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = bare.Listener(ln) }()
	defer bare.Shutdown()

	srv := newAPIServer(b)
	token := srv.login()
	addSource := func(name, database string) string {
		code, out := srv.call("POST", "/api/datasources", token, map[string]any{"name": name, "type": "postgresql", "host": "127.0.0.1",
			"port": 5432, "database": database, "username": "postgres"})
		if code != 201 {
			b.Fatalf("datasource: %d %v", code, out)
		}
		return data(out)["id"].(string)
	}
	publish := func(d map[string]any) {
		if code, out := srv.call("POST", "/api/dataservice/interfaces", token, d); code != 201 {
			b.Fatalf("create: %d %v", code, out)
		}
		srv.call("POST", "/api/dataservice/interfaces/"+d["code"].(string)+"/publish", token, nil)
	}
	ds := addSource("pg", "postgres")
	for _, cache := range []bool{false, true} {
		code := map[bool]string{false: "bench_uncached", true: "bench_cached"}[cache]
		publish(map[string]any{"code": code, "name": code, "datasource_id": ds, "audit": true,
			"parameters":     []map[string]any{{"name": "min", "type": "integer", "default": 1, "minimum": 1}},
			"query_template": strings.Replace(gatewaySQL, "$1", ":min", 1),
			"cache":          map[string]any{"enabled": cache, "ttl_seconds": 60}})
	}
	salesDS := addSource("sales", salesURL[strings.LastIndexByte(salesURL, '/')+1:strings.IndexByte(salesURL, '?')])
	for _, cache := range []bool{false, true} {
		code := map[bool]string{false: "report_uncached", true: "report_cached"}[cache]
		publish(map[string]any{"code": code, "name": code, "datasource_id": salesDS, "audit": true,
			"parameters": []map[string]any{{"name": "startDate", "type": "date", "required": true},
				{"name": "endDate", "type": "date", "required": true}},
			"query_template": strings.NewReplacer("$1", ":startDate", "$2", ":endDate", "::date", "").Replace(reportSQL),
			"cache":          map[string]any{"enabled": cache, "ttl_seconds": 60}})
	}
	_, out := srv.call("POST", "/api/system/api-keys", token, map[string]any{"name": "wrk"})
	key := "X-API-Key: " + data(out)["key"].(string)
	pid := srv.cmd.Process.Pid

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bareURL, gwURL := fmt.Sprintf("http://%s/bare?min=3", ln.Addr()), "http://"+srv.addr+"/data-api/bench_uncached?min=3"
		const reportArgs = "?startDate=2026-03-01&endDate=2026-03-10"
		if constant == nil {
			resp, err := http.Get(bareURL)
			if err != nil {
				b.Fatal(err)
			}
			constant, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		// Warm up both sides first: connection pools, caches, and the call log's first rows (a
		// new table is analysed by autovacuum again and again while it is small).
		runWrk(b, 32, bareURL)
		runWrk(b, 32, gwURL, key)
		ceilingRPS, _ := runWrk(b, 32, fmt.Sprintf("http://%s/constant", ln.Addr()))
		bareRPS, bareP50, bareUse := runWrkCPU(b, pid, 32, bareURL)
		gwRPS, gwP50, gwUse := runWrkCPU(b, pid, 32, gwURL, key)
		cachedRPS, _, cachedUse := runWrkCPU(b, pid, 32, "http://"+srv.addr+"/data-api/bench_cached?min=3", key)
		// One connection: the latency a call adds without queueing behind 31 others (under
		// saturation the p50 difference is mostly the throughput difference: 32 / req/s).
		_, bareP50c1 := runWrk(b, 1, bareURL)
		_, gwP50c1 := runWrk(b, 1, gwURL, key)
		reportBareRPS, _ := runWrk(b, 32, fmt.Sprintf("http://%s/report%s", ln.Addr(), reportArgs))
		reportRPS, _ := runWrk(b, 32, "http://"+srv.addr+"/data-api/report_uncached"+reportArgs, key)
		reportCachedRPS, _ := runWrk(b, 32, "http://"+srv.addr+"/data-api/report_cached"+reportArgs, key)
		b.ReportMetric(bareRPS, "bare-req/s")
		b.ReportMetric(gwRPS, "gateway-req/s")
		b.ReportMetric(gwRPS/bareRPS, "gateway/bare")
		b.ReportMetric(gwP50-bareP50, "p50-overhead-ms")
		b.ReportMetric(gwP50c1-bareP50c1, "p50-overhead-c1-ms")
		b.ReportMetric(cachedRPS, "cached-req/s")
		b.ReportMetric(cachedRPS/gwRPS, "cached/uncached")
		b.ReportMetric(ceilingRPS, "ceiling-req/s")
		b.ReportMetric(bareUse.test, "bare-handler-us/req")
		b.ReportMetric(bareUse.pg, "bare-pg-us/req")
		b.ReportMetric(gwUse.server, "gateway-server-us/req")
		b.ReportMetric(gwUse.pg, "gateway-pg-us/req")
		b.ReportMetric(cachedUse.server, "cached-server-us/req")
		b.ReportMetric(cachedUse.pg, "cached-pg-us/req")
		b.ReportMetric(reportRPS/reportBareRPS, "report-gateway/bare")
		b.ReportMetric(reportCachedRPS/reportRPS, "report-cached/uncached")
		b.ReportMetric(reportRPS, "report-req/s")
	}
}

// reportSQL is the design spec's sales_daily_summary statement; salesSetup gives it a year of
// sales in 20 stores (200,000 orders) with an index on the date.
const (
	reportSQL = `select date, store_id, sum(amount) as total_amount, count(order_id) as order_count from fact_sales
		where date between $1::date and $2::date group by date, store_id order by date, store_id`
	salesSetup = `create table fact_sales (order_id int primary key, date date not null, store_id text not null, amount numeric(12,2) not null);
		insert into fact_sales select g, date '2026-01-01' + (g % 365), 'store-' || (g % 20), (g % 997) / 10.0 from generate_series(1, 200000) g;
		create index on fact_sales (date); analyze fact_sales`
)
