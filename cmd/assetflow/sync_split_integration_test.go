package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"assetflow/domain/integration"
)

// splitsOf counts a run's chunk events per split ("" for the closing mark).
func splitsOf(chunks []integration.ChunkCommitted) map[string]int64 {
	out := map[string]int64{}
	for _, c := range chunks {
		out[c.Split] += c.RowsWritten
	}
	return out
}

// A big table is copied as parallel splits in both directions; the target equals the source and
// the table ends with one closing event.
func TestSyncSplitsBothDirectionsIntegration(t *testing.T) {
	r := newSyncRig(t)
	r.svc.MinSplitRows = 1000
	r.mariaExec(`create table wide (id bigint primary key, v varchar(40), n int, d datetime);
		insert into wide select seq * 3, md5(seq), seq % 1000, '2024-01-01' + interval seq minute from seq_1_to_20000;
		insert into wide values (-5, 'negative', 0, null), (999999999, 'far', 1, null)`)
	task := r.create(integration.Spec{Name: "wide", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"wide"},
		TargetDatasourceID: "pg", TargetDatabase: "public", ChunkRows: 1000, Parallelism: 4})
	runID, done := r.mustSucceed(task)
	if done.RowsWritten != 20002 || done.Tables != 1 {
		t.Fatalf("run totals %+v", done)
	}
	chunks := r.chunks(runID)
	per := splitsOf(chunks)
	if len(per) != 5 || per[""] != 0 || per["1/4"] == 0 || per["4/4"] == 0 {
		t.Fatalf("rows per split %v", per)
	}
	last := chunks[len(chunks)-1]
	if !last.TableDone || last.Split != "" {
		t.Fatalf("the last event %+v", last)
	}
	for _, c := range chunks[:len(chunks)-1] {
		if c.TableDone {
			t.Fatalf("a split's chunk ended the table: %+v", c)
		}
	}
	expr := `concat_ws(',', id, v, n)`
	if src, dst := r.mariaChecksum("wide", expr), r.pgChecksum("wide", expr); src != dst {
		t.Fatalf("MariaDB → PostgreSQL differs: %s vs %s", src, dst)
	}
	// And back: the copy, PostgreSQL → MariaDB, into a table of its own.
	back := r.create(integration.Spec{Name: "back", Scope: integration.ScopeSingleTable, SourceDatasourceID: "pg", SourceDatabases: []string{"public"},
		Tables: []string{"wide"}, TargetDatasourceID: "maria", TargetDatabase: r.mdb, TargetTable: "wide_back", WriteMode: integration.WriteOverwrite, ChunkRows: 700, Parallelism: 3})
	runID, done = r.mustSucceed(back)
	if done.RowsWritten != 20002 {
		t.Fatalf("back: run totals %+v", done)
	}
	if per := splitsOf(r.chunks(runID)); len(per) != 4 || per["3/3"] == 0 {
		t.Fatalf("back: rows per split %v", per)
	}
	if src, dst := r.pgChecksum("wide", expr), r.mariaChecksum("wide_back", expr); src != dst {
		t.Fatalf("PostgreSQL → MariaDB differs: %s vs %s", src, dst)
	}
	// Overwrite again over a stale row: the target is emptied once, then equals the source.
	r.mariaExec(`insert into wide_back (id, v) values (5000000000, 'stale')`)
	if _, done = r.mustSucceed(back); done.RowsWritten != 20002 {
		t.Fatalf("back again: run totals %+v", done)
	}
	if src, dst := r.pgChecksum("wide", expr), r.mariaChecksum("wide_back", expr); src != dst {
		t.Fatalf("PostgreSQL → MariaDB after overwriting differs: %s vs %s", src, dst)
	}
	// parallelism 1 copies the same table in one pass.
	one := r.create(integration.Spec{Name: "one", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"wide"},
		TargetDatasourceID: "pg", TargetDatabase: "public", TargetTable: "wide_one", ChunkRows: 5000, Parallelism: 1})
	runID, _ = r.mustSucceed(one)
	if per := splitsOf(r.chunks(runID)); len(per) != 1 || per[""] != 20002 {
		t.Fatalf("one pass: rows per split %v", per)
	}
	// Automatic parallelism (0): the default splits into PostgreSQL, one pass into MariaDB (where
	// concurrent bulk loads into one table are slower than one).
	auto := r.create(integration.Spec{Name: "auto", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"wide"},
		TargetDatasourceID: "pg", TargetDatabase: "public", TargetTable: "wide_auto", ChunkRows: 1000})
	runID, _ = r.mustSucceed(auto)
	if per := splitsOf(r.chunks(runID)); len(per) != integration.DefaultParallelism+1 {
		t.Fatalf("automatic into PostgreSQL: rows per split %v", per)
	}
	autoBack := r.create(integration.Spec{Name: "auto back", Scope: integration.ScopeSingleTable, SourceDatasourceID: "pg", SourceDatabases: []string{"public"},
		Tables: []string{"wide"}, TargetDatasourceID: "maria", TargetDatabase: r.mdb, TargetTable: "wide_auto_back", ChunkRows: 1000})
	runID, _ = r.mustSucceed(autoBack)
	if per := splitsOf(r.chunks(runID)); len(per) != 1 || per[""] != 20002 {
		t.Fatalf("automatic into MariaDB: rows per split %v", per)
	}
	// The server's bound wins over the task's parallelism.
	r.svc.MaxParallelism = 2
	capped := r.create(integration.Spec{Name: "capped", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"wide"},
		TargetDatasourceID: "pg", TargetDatabase: "public", TargetTable: "wide_capped", ChunkRows: 1000, Parallelism: 8})
	runID, _ = r.mustSucceed(capped)
	if per := splitsOf(r.chunks(runID)); len(per) != 3 || per["2/2"] == 0 {
		t.Fatalf("capped: rows per split %v", per)
	}
}

// A run interrupted in one split stops the others after their current chunk; the next run keeps
// the plan, resumes each split after its own last mark, writes no row twice (append would refuse a
// duplicate key) and never clears the target again (overwrite).
func TestSyncSplitsResumeAndOverwriteIntegration(t *testing.T) {
	for _, mode := range []string{integration.WriteAppend, integration.WriteOverwrite} {
		t.Run(mode, func(t *testing.T) {
			r := newSyncRig(t)
			r.svc.MinSplitRows = 1000
			r.mariaExec(`create table s (id int primary key, v varchar(40)); insert into s select seq, md5(seq) from seq_1_to_12000`)
			if mode == integration.WriteOverwrite {
				// Rows the overwrite must remove, outside the source's key range.
				r.pgExec(`create table s (id int primary key, v varchar(40)); insert into s select g, 'stale' from generate_series(100001, 100500) g`)
			}
			task := r.create(integration.Spec{Name: "s", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"s"},
				TargetDatasourceID: "pg", TargetDatabase: "public", WriteMode: mode, ChunkRows: 500, Parallelism: 4})
			crash := errors.New("simulated crash")
			r.svc.AfterChunk = func(_, table string, chunk int) error {
				if strings.HasSuffix(table, "#split-2/4") && chunk == 2 {
					return crash
				}
				return nil
			}
			run1, end := r.run(task)
			r.svc.AfterChunk = nil
			failed, ok := end.(integration.RunFailed)
			if !ok || !strings.Contains(failed.Reason, "simulated crash") {
				t.Fatalf("interrupted run ended with %#v", end)
			}
			committed := r.pgString(`select sum(rows)::text from assetflow_sync_chunks where pass_id = $1`, run1)
			if n := r.pgString(`select count(*)::text from s`); n != committed || n == "12000" || n == "0" {
				t.Fatalf("target has %s rows after the interruption, %s committed", n, committed)
			}
			if n := r.pgString(`select count(*)::text from s where v = 'stale'`); n != "0" {
				t.Fatalf("%s stale rows survived the overwrite", n)
			}
			run2, done := r.mustSucceed(task)
			if fmt.Sprint(done.RowsWritten) != fmt.Sprint(12000-atoi(t, committed)) {
				t.Fatalf("resumed run wrote %d rows, %s were committed before", done.RowsWritten, committed)
			}
			for _, c := range r.chunks(run2) {
				if c.Split == "2/4" && c.FromKey == "" {
					t.Fatalf("split 2 started again: %+v", c)
				}
			}
			if src, dst := r.mariaChecksum("s", "concat(id, v)"), r.pgChecksum("s", "concat(id, v)"); src != dst {
				t.Fatalf("s differs: %s vs %s", src, dst)
			}
			// The pass kept its id, plan and splits: one plan mark, one closing mark, four splits.
			if got := r.pgString(`select count(distinct source_table) || ',' || count(*) filter (where done) from assetflow_sync_chunks where pass_id = $1`, run1); got != "5,5" {
				t.Fatalf("progress of the pass: %s", got)
			}
			// A later overwrite run starts a new pass and clears again.
			if mode == integration.WriteOverwrite {
				r.pgExec(`insert into s values (200000, 'stale')`)
				if _, done := r.mustSucceed(task); done.RowsWritten != 12000 {
					t.Fatalf("second run wrote %d", done.RowsWritten)
				}
				if n := r.pgString(`select count(*)::text from s`); n != "12000" {
					t.Fatalf("after the second overwrite the target has %s rows", n)
				}
			}
		})
	}
}

// Incremental runs split the new key range; their bounds still apply.
func TestSyncSplitsIncrementalIntegration(t *testing.T) {
	r := newSyncRig(t)
	r.svc.MinSplitRows = 500
	r.mariaExec(`create table inc (id bigint primary key auto_increment, v varchar(20), at datetime(3), key (at));
		insert into inc (v, at) select concat('m', seq), '2024-01-01' from seq_1_to_10000`)
	byID := r.create(integration.Spec{Name: "by id", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"inc"},
		TargetDatasourceID: "pg", TargetDatabase: "public", Mode: integration.ModeIncremental, IncrementalColumn: "id", ChunkRows: 250, Parallelism: 4})
	byTime := r.create(integration.Spec{Name: "by time", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"inc"},
		TargetDatasourceID: "pg", TargetDatabase: "public", TargetTable: "inc_upsert", Mode: integration.ModeIncremental, IncrementalColumn: "at",
		WriteMode: integration.WriteUpsert, ChunkRows: 250, Parallelism: 4})
	run1, done := r.mustSucceed(byID)
	if done.RowsWritten != 10000 || len(splitsOf(r.chunks(run1))) != 5 {
		t.Fatalf("first run %+v, splits %v", done, splitsOf(r.chunks(run1)))
	}
	r.mustSucceed(byTime)
	r.mariaExec(`insert into inc (v, at) select concat('n', seq), '2024-01-02' from seq_1_to_3000;
		update inc set v = concat(v, '!'), at = '2024-01-03' where id % 7 = 0`)
	run2, done := r.mustSucceed(byID)
	if done.RowsRead != 3000 {
		t.Fatalf("incremental by id read %d rows, want 3000", done.RowsRead)
	}
	if per := splitsOf(r.chunks(run2)); len(per) != 5 {
		t.Fatalf("second run's splits %v", per)
	}
	changed := r.mariaString(`select count(*) from inc where at > '2024-01-01'`)
	if _, done = r.mustSucceed(byTime); fmt.Sprint(done.RowsRead) != changed {
		t.Fatalf("incremental by time read %d rows, want the %s new or changed", done.RowsRead, changed)
	}
	if src, dst := r.mariaChecksum("inc", "concat(id, v)"), r.pgChecksum("inc_upsert", "concat(id, v)"); src != dst {
		t.Fatalf("upserted copy differs: %s vs %s", src, dst)
	}
	// By id, the updates are not new: the copy holds every id once.
	if got := r.pgString(`select count(*) || ',' || count(distinct id) from inc`); got != "13000,13000" {
		t.Fatalf("appended copy holds %s", got)
	}
	if _, done = r.mustSucceed(byTime); done.RowsRead != 0 {
		t.Fatalf("idle run read %d rows", done.RowsRead)
	}
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}

// The same towards MariaDB: an interrupted split pass resumes from the marks MariaDB keeps.
func TestSyncSplitsResumeIntoMariaDBIntegration(t *testing.T) {
	r := newSyncRig(t)
	r.svc.MinSplitRows = 1000
	r.pgExec(`create table m (id bigint primary key, v text, ok boolean); insert into m select g, md5(g::text) || E'\t', g % 2 = 0 from generate_series(1, 9000) g`)
	task := r.create(integration.Spec{Name: "m", Scope: integration.ScopeSingleTable, SourceDatasourceID: "pg", SourceDatabases: []string{"public"},
		Tables: []string{"m"}, TargetDatasourceID: "maria", TargetDatabase: r.mdb, ChunkRows: 400, Parallelism: 3})
	r.svc.AfterChunk = func(_, table string, chunk int) error {
		if strings.HasSuffix(table, "#split-3/3") && chunk == 3 {
			return errors.New("simulated crash")
		}
		return nil
	}
	_, end := r.run(task)
	r.svc.AfterChunk = nil
	if failed, ok := end.(integration.RunFailed); !ok || !strings.Contains(failed.LastChunk, "#split-") {
		t.Fatalf("interrupted run ended with %#v", end)
	}
	committed := atoi(t, r.mariaString(`select count(*) from m`))
	if committed == 0 || committed == 9000 {
		t.Fatalf("%d rows after the interruption", committed)
	}
	if _, done := r.mustSucceed(task); done.RowsWritten != 9000-committed {
		t.Fatalf("resumed run wrote %d rows, %d were committed before", done.RowsWritten, committed)
	}
	src := r.pgChecksum("m", `concat_ws(',', id, v, case when ok then 1 else 0 end)`)
	if dst := r.mariaChecksum("m", `concat_ws(',', id, v, ok)`); src != dst {
		t.Fatalf("m differs: %s vs %s", src, dst)
	}
}
