package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"assetflow/infrastructure/postgres/pgtest"
)

// The sync benchmarks copy 1,000,000 rows × 10 columns MariaDB → PostgreSQL and PostgreSQL →
// MariaDB through a sync task of a real server (overwrite; chunks of 10,000 rows into PostgreSQL,
// 50,000 into MariaDB, whose per-chunk commit and progress mark cost more; the default
// parallelism unless ASSETFLOW_BENCH_PARALLELISM says otherwise), each next to the shell pipeline
// doing the same copy in the same run, pair after pair (syncPairs):
//   mariadb --batch -e 'SELECT ...' | psql -c '\copy ... from stdin'
//   psql -c '\copy (...) to stdout' | mariadb -e 'LOAD DATA LOCAL INFILE ...'

const (
	syncBenchMaria = "afbench_sync"
	syncBenchPG    = "afbench_sync"
	syncBenchCols  = "id, a, b, c, d, e, f, g, h, i"
)

var syncBenchOnce = struct {
	sync.Once
	err error
}{}

// syncBenchSource creates the MariaDB source (1,000,000 rows), the PostgreSQL database and the
// pipelines' target tables, once.
func syncBenchSource(b *testing.B) {
	pgtest.NewDatabase(b) // skips under -short
	syncBenchOnce.Do(func() {
		syncBenchOnce.err = func() error {
			maria, err := sqlOpenMaria()
			if err != nil {
				return err
			}
			defer maria.Close()
			if _, err := maria.Exec(`drop database if exists ` + syncBenchMaria + `; create database ` + syncBenchMaria + `; use ` + syncBenchMaria + `;
				create table src (id bigint primary key, a int, b bigint, c decimal(12,2), d varchar(40), e text, f datetime, g date, h tinyint(1), i double);
				insert into src select seq, seq % 1000, seq * 7, seq / 100, md5(seq), concat('text, with "quotes" and a tab	', seq), '2024-01-01' + interval seq second,
					'2000-01-01' + interval (seq % 9000) day, seq % 2, seq / 3 from seq_1_to_1000000;
				create table back_pipe like src; create table back_sync like src`); err != nil {
				return err
			}
			ctx := context.Background()
			admin, err := pgx.Connect(ctx, pgtest.ServerURL()+"/postgres?sslmode=disable")
			if err != nil {
				return err
			}
			defer admin.Close(ctx)
			_, _ = admin.Exec(ctx, "drop database if exists "+syncBenchPG+" with (force)")
			if _, err := admin.Exec(ctx, "create database "+syncBenchPG); err != nil {
				return err
			}
			conn, err := pgx.Connect(ctx, pgtest.ServerURL()+"/"+syncBenchPG+"?sslmode=disable")
			if err != nil {
				return err
			}
			defer conn.Close(ctx)
			_, err = conn.Exec(ctx, `create table pipe (id bigint primary key, a int, b bigint, c numeric(12,2), d varchar(40), e text, f timestamp, g date, h boolean, i double precision)`)
			return err
		}()
	})
	if syncBenchOnce.err != nil {
		b.Fatal(syncBenchOnce.err)
	}
}

func sh(b *testing.B, script string) {
	b.Helper()
	out, err := exec.Command("bash", "-o", "pipefail", "-c", script).CombinedOutput()
	if err != nil {
		b.Fatalf("%s: %v\n%s", script, err, out)
	}
}

func syncBenchTask(b *testing.B, srv *server, token string, body map[string]any) string {
	b.Helper()
	code, out := srv.call("POST", "/api/integration/tasks", token, body)
	if code != 201 {
		b.Fatalf("create task: %d %v", code, out)
	}
	return data(out)["id"].(string)
}

func syncBenchRun(b *testing.B, srv *server, token, task string) {
	b.Helper()
	_, out := srv.call("POST", "/api/integration/tasks/"+task+"/run", token, nil)
	runID, _ := data(out)["run_id"].(string)
	if runID == "" {
		b.Fatalf("run: %v", out)
	}
	run := srv.waitSyncRunFor(b, token, runID)
	if run["status"] != "succeeded" || run["rows_written"] != float64(1000000) {
		b.Fatalf("run %v", run)
	}
}

func (s *server) waitSyncRunFor(b *testing.B, token, runID string) map[string]any {
	for {
		_, out := s.call("GET", "/api/integration/runs/"+runID, token, nil)
		if run := data(out); run != nil && run["status"] != "running" && run["status"] != "queued" {
			return run
		}
		sleepBrief()
	}
}

// BenchmarkSyncMariaDBToPostgres: a sync task, 1,000,000 rows, MariaDB → PostgreSQL.
func BenchmarkSyncMariaDBToPostgres(b *testing.B) {
	syncBenchSource(b)
	srv := newAPIServer(b)
	token := srv.login()
	_, out := srv.call("POST", "/api/datasources", token, map[string]any{"name": "bench-maria", "type": "mariadb", "host": "127.0.0.1", "port": 3306, "username": "root", "database": syncBenchMaria})
	src := data(out)["id"].(string)
	_, out = srv.call("POST", "/api/datasources", token, map[string]any{"name": "bench-pg", "type": "postgresql", "host": "127.0.0.1", "port": 5432, "username": "postgres", "database": syncBenchPG})
	dst := data(out)["id"].(string)
	task := syncBenchTask(b, srv, token, map[string]any{"name": "bench", "scope": "single_table", "source_datasource_id": src, "tables": []string{"src"},
		"target_datasource_id": dst, "target_database": "public", "target_table": "synced", "write_mode": "overwrite", "chunk_rows": 10000,
		"parallelism": benchParallelism()})
	syncPairs(b, srv, func() { syncBenchRun(b, srv, token, task) }, func() { pipelineMariaDBToPostgres(b) })
}

// syncPairs runs the sync task and its shell pipeline one after the other, b.N times, and reports
// both rates and the median of the per-pair ratios: on a shared machine the rate of either moves by
// a quarter from one minute to the next, so a ratio is only meaningful between neighbours.
func syncPairs(b *testing.B, srv *server, task, pipeline func()) {
	b.Helper()
	var ours, theirs time.Duration
	var ratios []float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		task()
		mid := time.Now()
		b.StopTimer()
		pipeline()
		b.StartTimer()
		ours, theirs = ours+mid.Sub(start), theirs+time.Since(mid)
		ratios = append(ratios, time.Since(mid).Seconds()/mid.Sub(start).Seconds())
		b.Logf("pair %d: %.0f rows/s, pipeline %.0f rows/s", i+1, 1e6/mid.Sub(start).Seconds(), 1e6/time.Since(mid).Seconds())
	}
	b.StopTimer()
	slices.Sort(ratios)
	b.ReportMetric(float64(b.N)*1e6/ours.Seconds(), "rows/s")
	b.ReportMetric(float64(b.N)*1e6/theirs.Seconds(), "pipeline-rows/s")
	b.ReportMetric(ratios[len(ratios)/2], "of-pipeline-median")
	b.ReportMetric(float64(peakRSS(b, srv.cmd.Process.Pid))/(1<<20), "peak-RSS-MB")
}

// BenchmarkSyncMariaDBToPostgresPipelineBaseline: mariadb --batch | psql \copy.
func BenchmarkSyncMariaDBToPostgresPipelineBaseline(b *testing.B) {
	syncBenchSource(b)
	for i := 0; i < b.N; i++ {
		pipelineMariaDBToPostgres(b)
	}
	b.ReportMetric(float64(b.N)*1e6/b.Elapsed().Seconds(), "rows/s")
}

func pipelineMariaDBToPostgres(b *testing.B) {
	sh(b, fmt.Sprintf(`psql -h 127.0.0.1 -U postgres -qc 'truncate pipe' %[2]s && mariadb -h 127.0.0.1 -uroot --batch --skip-column-names -e 'SELECT %[3]s FROM src' %[1]s |
		psql -h 127.0.0.1 -U postgres -qc "\copy pipe from stdin with (null 'NULL')" %[2]s`, syncBenchMaria, syncBenchPG, syncBenchCols))
}

// BenchmarkSyncPostgresToMariaDB: a sync task, 1,000,000 rows, PostgreSQL → MariaDB (the table the
// pipeline baseline above filled).
func BenchmarkSyncPostgresToMariaDB(b *testing.B) {
	syncBenchSource(b)
	sh(b, fmt.Sprintf(`n=$(psql -h 127.0.0.1 -U postgres -Atc 'select count(*) from pipe' %[2]s); [ "$n" = 1000000 ] || { psql -h 127.0.0.1 -U postgres -qc 'truncate pipe' %[2]s &&
		mariadb -h 127.0.0.1 -uroot --batch --skip-column-names -e 'SELECT %[3]s FROM src' %[1]s | psql -h 127.0.0.1 -U postgres -qc "\copy pipe from stdin with (null 'NULL')" %[2]s; }`,
		syncBenchMaria, syncBenchPG, syncBenchCols))
	srv := newAPIServer(b)
	token := srv.login()
	_, out := srv.call("POST", "/api/datasources", token, map[string]any{"name": "bench-pg", "type": "postgresql", "host": "127.0.0.1", "port": 5432, "username": "postgres", "database": syncBenchPG})
	src := data(out)["id"].(string)
	_, out = srv.call("POST", "/api/datasources", token, map[string]any{"name": "bench-maria", "type": "mariadb", "host": "127.0.0.1", "port": 3306, "username": "root", "database": syncBenchMaria})
	dst := data(out)["id"].(string)
	task := syncBenchTask(b, srv, token, map[string]any{"name": "bench-back", "scope": "single_table", "source_datasource_id": src, "source_databases": []string{"public"},
		"tables": []string{"pipe"}, "target_datasource_id": dst, "target_database": syncBenchMaria, "target_table": "back_sync", "write_mode": "overwrite", "chunk_rows": 50000,
		"parallelism": benchParallelism()})
	syncPairs(b, srv, func() { syncBenchRun(b, srv, token, task) }, func() { pipelinePostgresToMariaDB(b) })
}

// BenchmarkSyncPostgresToMariaDBPipelineBaseline: psql \copy to stdout | mariadb LOAD DATA LOCAL INFILE.
func BenchmarkSyncPostgresToMariaDBPipelineBaseline(b *testing.B) {
	syncBenchSource(b)
	for i := 0; i < b.N; i++ {
		pipelinePostgresToMariaDB(b)
	}
	b.ReportMetric(float64(b.N)*1e6/b.Elapsed().Seconds(), "rows/s")
}

func pipelinePostgresToMariaDB(b *testing.B) {
	cols := strings.ReplaceAll(syncBenchCols, " h,", " h::int,")
	sh(b, fmt.Sprintf(`mariadb -h 127.0.0.1 -uroot -e 'truncate back_pipe' %[1]s && psql -h 127.0.0.1 -U postgres -qc '\copy (select %[3]s from pipe) to stdout' %[2]s |
		mariadb -h 127.0.0.1 -uroot --local-infile=1 -e "LOAD DATA LOCAL INFILE '/dev/stdin' INTO TABLE back_pipe" %[1]s`, syncBenchMaria, syncBenchPG, cols))
}

// benchParallelism is the tasks' parallelism: ASSETFLOW_BENCH_PARALLELISM, or 0 (the default).
func benchParallelism() int {
	n, _ := strconv.Atoi(os.Getenv("ASSETFLOW_BENCH_PARALLELISM"))
	return n
}

func sleepBrief() { time.Sleep(200 * time.Millisecond) }
