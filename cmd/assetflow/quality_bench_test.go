package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"assetflow/infrastructure/postgres/pgtest"
)

// BenchmarkQualitySchedule500 schedules 500 rules every minute on one server and measures, for
// one minute boundary, how long the leader takes to record all 500 checks (events through to the
// results read model). Keeping up means finishing well inside the minute.
func BenchmarkQualitySchedule500(b *testing.B) {
	const rules = 500
	ctx := context.Background()
	src := pgtest.NewDatabase(b)
	srcDB := src[strings.LastIndex(src, "/")+1 : strings.Index(src, "?")]
	srcPool := openPool(b, src)
	if _, err := srcPool.Exec(ctx, "create table orders as select g as id, case when g % 10 = 0 then null else 'S1' end as store from generate_series(1, 10000) g"); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dbURL := pgtest.NewDatabase(b)
		srv := startServer(b, "ASSETFLOW_DATABASE_URL="+dbURL, "ASSETFLOW_DATA_DIR="+b.TempDir(), "ASSETFLOW_EMBEDDED_KAFKA_ADDR="+freePort(b))
		token := srv.login()
		_, out := srv.call("POST", "/api/datasources", token, map[string]any{"name": "pg", "type": "postgresql", "host": "127.0.0.1", "port": 5432,
			"database": srcDB, "username": "postgres"})
		ds := data(out)["id"].(string)
		code, out := srv.call("POST", "/api/catalog/collect", token, map[string]any{"datasource_id": ds})
		if code != 202 {
			b.Fatalf("collect: %d %v", code, out)
		}
		srv.waitRun(b, token, data(out)["run_id"].(string))
		_, out = srv.call("GET", "/api/catalog/tables?name=orders&datasource_id="+ds, token, nil)
		table := out["data"].([]any)[0].(map[string]any)["id"].(string)
		var wg sync.WaitGroup
		jobs := make(chan int)
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range jobs {
					typ, body := "null_rate", map[string]any{"column": "store", "threshold": map[string]any{"max": 0.2}}
					if n%2 == 1 {
						typ, body = "row_count", map[string]any{"threshold": map[string]any{"min": 1}}
					}
					body["name"], body["table_id"], body["type"], body["severity"], body["params"], body["schedule"] =
						fmt.Sprintf("rule %d", n), table, typ, "warning", map[string]any{}, "* * * * *"
					if code, out := srv.call("POST", "/api/quality/rules", token, body); code != 201 {
						b.Errorf("define: %d %v", code, out)
					}
				}
			}()
		}
		for n := 0; n < rules; n++ {
			jobs <- n
		}
		close(jobs)
		wg.Wait()
		pool := openPool(b, dbURL)
		// Every replica syncs its jobs every 10 s; the first boundary after that is measured.
		boundary := time.Now().Add(12 * time.Second).Truncate(time.Minute).Add(time.Minute)
		time.Sleep(time.Until(boundary))
		b.StartTimer()
		var done int
		var last time.Time
		for {
			if err := pool.QueryRow(ctx, `select count(*), coalesce(max(occurred_at), now()) from quality_results where occurred_at >= $1 and occurred_at < $2`,
				boundary, boundary.Add(time.Minute)).Scan(&done, &last); err != nil {
				b.Fatal(err)
			}
			if done >= rules || time.Since(boundary) > 2*time.Minute {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		b.StopTimer()
		if done < rules {
			b.Fatalf("only %d of %d scheduled checks recorded within the minute", done, rules)
		}
		var maxPerRule int
		_ = pool.QueryRow(ctx, `select max(n) from (select count(*) n from quality_results where occurred_at >= $1 and occurred_at < $2 group by rule_id) x`,
			boundary, boundary.Add(time.Minute)).Scan(&maxPerRule)
		b.ReportMetric(last.Sub(boundary).Seconds(), "s-to-record-500")
		b.ReportMetric(float64(rules)/last.Sub(boundary).Seconds(), "checks/s")
		b.ReportMetric(float64(maxPerRule), "max-checks-per-rule")
		srv.stop()
	}
}
