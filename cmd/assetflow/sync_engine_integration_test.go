package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
	"assetflow/domain/integration"
)

// One table with every mapped type, MariaDB → PostgreSQL, renamed, in chunks smaller than the table.
func TestSyncSingleTableMariaDBToPostgresIntegration(t *testing.T) {
	r := newSyncRig(t)
	r.mariaExec(`create table items (id int primary key, big bigint, amt decimal(12,3), name varchar(40), body text,
		made datetime, stamped timestamp null, day date, flag tinyint(1), raw blob, ratio double, small smallint, mood enum('a','b'))`)
	r.mariaExec(`insert into items select seq, seq * 1000000007, seq / 7, concat('name ', seq, ' 名'), repeat('x\tline\n', seq % 5),
		'2024-02-29 13:14:15' + interval seq second, '2024-01-01 00:00:00' + interval seq minute, '2024-03-01' + interval seq day,
		seq % 2, unhex(concat('00ff', hex(seq))), seq / 3, seq % 100, if(seq % 2, 'a', 'b') from seq_1_to_2345`)
	r.mariaExec(`insert into items (id) values (9999)`) // nulls everywhere
	task := r.create(integration.Spec{Name: "items", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", SourceDatabases: []string{r.mdb},
		Tables: []string{"items"}, TargetDatasourceID: "pg", TargetDatabase: "public", TargetTable: "items_copy", ChunkRows: 500})
	runID, done := r.mustSucceed(task)
	if done.RowsRead != 2346 || done.RowsWritten != 2346 || done.Tables != 1 {
		t.Fatalf("run totals %+v", done)
	}
	chunks := r.chunks(runID)
	if len(chunks) != 5 || !chunks[0].Created || !chunks[4].TableDone || chunks[4].RowsRead != 346 {
		t.Fatalf("chunks %+v", chunks)
	}
	types := r.pgString(`select string_agg(column_name || ' ' || data_type || coalesce('(' || character_maximum_length || ')', '') ||
		coalesce('(' || numeric_precision || ',' || numeric_scale || ')', ''), ', ' order by ordinal_position)
		from information_schema.columns where table_name = 'items_copy' and data_type <> 'integer' and data_type not like '%int' and data_type <> 'double precision'`)
	want := "amt numeric(12,3), name character varying(40), body text, made timestamp without time zone, stamped timestamp without time zone, day date, flag boolean, raw bytea, mood character varying(255)"
	if types != want {
		t.Fatalf("target types\n got %s\nwant %s", types, want)
	}
	if pk := r.pgString(`select string_agg(a.attname, ',') from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
		where i.indrelid = 'items_copy'::regclass and i.indisprimary`); pk != "id" {
		t.Fatalf("primary key %q", pk)
	}
	src := r.mariaChecksum("items", `concat_ws(',', id, big, amt, name, body, date_format(made, '%Y-%m-%d %H:%i:%s'), date_format(stamped, '%Y-%m-%d %H:%i:%s'), day, if(flag, 't', 'f'), hex(raw), small, mood, ifnull(ratio, 'N'))`)
	dst := r.pgChecksum("items_copy", `concat_ws(',', id, big, amt, name, body, to_char(made, 'YYYY-MM-DD HH24:MI:SS'), to_char(stamped, 'YYYY-MM-DD HH24:MI:SS'), day, case when flag then 't' else 'f' end, upper(encode(raw, 'hex')), small, mood, coalesce((ratio - ratio + id / 3.0)::text, 'N'))`)
	if strings.Split(src, ":")[0] != "2346" || src[:5] != dst[:5] {
		t.Fatalf("counts differ: %s vs %s", src, dst)
	}
	// ratio is compared separately (float text forms differ between engines).
	if n := r.pgString(`select count(*)::text from items_copy where ratio is not null and abs(ratio - id / 3.0) > 1e-9`); n != "0" {
		t.Fatalf("%s doubles differ", n)
	}
	srcNoRatio := r.mariaChecksum("items", `concat_ws(',', id, big, amt, name, body, date_format(made, '%Y-%m-%d %H:%i:%s'), date_format(stamped, '%Y-%m-%d %H:%i:%s'), day, if(flag, 't', 'f'), hex(raw), small, mood)`)
	dstNoRatio := r.pgChecksum("items_copy", `concat_ws(',', id, big, amt, name, body, to_char(made, 'YYYY-MM-DD HH24:MI:SS'), to_char(stamped, 'YYYY-MM-DD HH24:MI:SS'), day, case when flag then 't' else 'f' end, upper(encode(raw, 'hex')), small, mood)`)
	if srcNoRatio != dstNoRatio {
		t.Fatalf("checksums differ: source %s, target %s", srcNoRatio, dstNoRatio)
	}
}

// PostgreSQL → MariaDB: every mapped PostgreSQL type lands in a MariaDB column that holds it.
func TestSyncPostgresToMariaDBTypesIntegration(t *testing.T) {
	r := newSyncRig(t)
	r.pgExec(`create table events (id bigint primary key, n integer, s smallint, amount numeric(14,4), label varchar(30), note text,
		at timestamp, at_tz timestamptz, day date, ok boolean, payload bytea, doc jsonb, ref uuid, score double precision, code char(3))`)
	r.pgExec(`insert into events select g, g * 3, g % 1000, g / 9.0, 'label ' || g, repeat('ü\\', g % 4),
		timestamp '2023-12-31 23:59:58' + g * interval '1 second', timestamptz '2024-06-01 12:00:00+00' + g * interval '1 hour',
		date '2020-01-01' + g, g % 3 = 0, decode(lpad(to_hex(g), 8, '0'), 'hex'), jsonb_build_object('g', g), md5(g::text)::uuid, g * 0.5, 'c' || (g % 10)
		from generate_series(1, 1500) g`)
	r.pgExec(`insert into events (id) values (100000)`)
	task := r.create(integration.Spec{Name: "events", Scope: integration.ScopeSingleTable, SourceDatasourceID: "pg", SourceDatabases: []string{"public"},
		Tables: []string{"events"}, TargetDatasourceID: "maria", TargetDatabase: r.mdb, ChunkRows: 400})
	if _, done := r.mustSucceed(task); done.RowsWritten != 1501 {
		t.Fatalf("run totals %+v", done)
	}
	types := r.mariaString(`select group_concat(column_name, ' ', column_type order by ordinal_position separator ', ')
		from information_schema.columns where table_schema = ? and table_name = 'events'`, r.mdb)
	want := "id bigint(20), n int(11), s smallint(6), amount decimal(14,4), label varchar(30), note longtext, at datetime(6), at_tz datetime(6), day date, ok tinyint(1), payload longblob, doc longtext, ref varchar(36), score double, code char(3)"
	if types != want {
		t.Fatalf("target types\n got %s\nwant %s", types, want)
	}
	src := r.pgChecksum("events", `concat_ws(',', id, n, s, amount, label, note, to_char(at, 'YYYY-MM-DD HH24:MI:SS'), to_char(at_tz at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'), day, case when ok then 1 when not ok then 0 end, encode(payload, 'hex'), doc->>'g', ref, score, rtrim(code))`)
	dst := r.mariaChecksum("events", `concat_ws(',', id, n, s, amount, label, note, date_format(at, '%Y-%m-%d %H:%i:%s'), date_format(at_tz, '%Y-%m-%d %H:%i:%s'), day, ok, lower(hex(payload)), json_value(doc, '$.g'), ref, score, code)`)
	if src != dst {
		t.Fatalf("checksums differ: source %s, target %s", src, dst)
	}
}

// Whole database: a table created between runs is picked up, a new source column is added to the
// target, and overwrite replaces the target's rows.
func TestSyncWholeDatabaseTableAddedIntegration(t *testing.T) {
	r := newSyncRig(t)
	r.mariaExec(`create table a (id int primary key, v varchar(10)); create table b (id int primary key, w int);
		insert into a select seq, concat('a', seq) from seq_1_to_300; insert into b select seq, seq from seq_1_to_70;
		create view va as select * from a`)
	task := r.create(integration.Spec{Name: "whole", Scope: integration.ScopeWholeDatabase, SourceDatasourceID: "maria", SourceDatabases: []string{r.mdb},
		TargetDatasourceID: "pg", TargetDatabase: "public", TablePrefix: "ods_", WriteMode: integration.WriteOverwrite, ChunkRows: 100})
	runID, _ := r.mustSucceed(task)
	if got := r.pgString(`select string_agg(table_name, ',' order by table_name) from information_schema.tables where table_schema = 'public'`); got != "assetflow_sync_chunks,ods_a,ods_b" {
		t.Fatalf("target tables %s", got)
	}
	if n := len(r.chunks(runID)); n != 5 { // a: 100,100,100,0(done) ; b: 70
		t.Fatalf("%d chunks", n)
	}
	r.mariaExec(`create table c (id int primary key, z text); insert into c select seq, 'c' from seq_1_to_10;
		alter table a add column extra int; update a set extra = id * 2, v = 'changed' where id <= 5; delete from b where id > 50`)
	runID, done := r.mustSucceed(task)
	if done.Tables != 3 {
		t.Fatalf("second run copied %d tables", done.Tables)
	}
	var added []string
	for _, c := range r.chunks(runID) {
		added = append(added, c.AddedColumns...)
	}
	if strings.Join(added, ",") != "extra" {
		t.Fatalf("added columns %v", added)
	}
	if got := r.pgString(`select (select count(*) from ods_a) || ',' || (select count(*) from ods_b) || ',' || (select count(*) from ods_c) || ',' ||
		(select sum(extra) from ods_a) || ',' || (select count(*) from ods_a where v = 'changed')`); got != "300,50,10,30,5" {
		t.Fatalf("after the second run the target has %s", got)
	}
}

// Incremental by id (append) and by timestamp (upsert), with inserts and updates between runs.
func TestSyncIncrementalIntegration(t *testing.T) {
	r := newSyncRig(t)
	r.mariaExec(`create table logs (id bigint primary key auto_increment, msg varchar(20));
		insert into logs (msg) select concat('m', seq) from seq_1_to_1000;
		create table accounts (id int primary key, balance decimal(10,2), updated_at datetime(3), key (updated_at));
		insert into accounts select seq, seq, '2024-01-01 00:00:00' from seq_1_to_800`)
	byID := r.create(integration.Spec{Name: "logs", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"logs"},
		TargetDatasourceID: "pg", TargetDatabase: "public", Mode: integration.ModeIncremental, IncrementalColumn: "id", ChunkRows: 300})
	byTime := r.create(integration.Spec{Name: "accounts", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"accounts"},
		TargetDatasourceID: "pg", TargetDatabase: "public", Mode: integration.ModeIncremental, IncrementalColumn: "updated_at",
		WriteMode: integration.WriteUpsert, ChunkRows: 300})
	r.mustSucceed(byID)
	r.mustSucceed(byTime)
	r.mariaExec(`insert into logs (msg) select concat('n', seq) from seq_1_to_250;
		update accounts set balance = balance + 1000, updated_at = '2024-01-02 00:00:00' where id % 10 = 0;
		insert into accounts select seq, seq, '2024-01-02 00:00:01' from seq_801_to_850`)
	run2, done := r.mustSucceed(byID)
	if done.RowsRead != 250 {
		t.Fatalf("incremental by id read %d rows, want 250", done.RowsRead)
	}
	if c := r.chunks(run2); c[0].FromKey != "" || c[len(c)-1].Watermark != "["+r.mariaString("select max(id) from logs")+"]" {
		t.Fatalf("chunks %+v", c)
	}
	if _, done = r.mustSucceed(byTime); done.RowsRead != 130 {
		t.Fatalf("incremental by timestamp read %d rows, want 80 updated + 50 new", done.RowsRead)
	}
	if src, dst := r.mariaChecksum("logs", "concat(id, msg)"), r.pgChecksum("logs", "concat(id, msg)"); src != dst {
		t.Fatalf("logs differ: %s vs %s", src, dst)
	}
	if src, dst := r.mariaChecksum("accounts", "concat(id, ',', balance)"), r.pgChecksum("accounts", "concat(id, ',', balance)"); src != dst {
		t.Fatalf("accounts differ: %s vs %s", src, dst)
	}
	// Nothing new: a run reads nothing and writes nothing.
	if _, done = r.mustSucceed(byTime); done.RowsRead != 0 {
		t.Fatalf("idle run read %d rows", done.RowsRead)
	}
}

// A run interrupted after a chunk reached the target but before its event was stored is resumed by
// the next run after that chunk: no row is written twice and the target equals the source.
func TestSyncResumeAfterInterruptIntegration(t *testing.T) {
	r := newSyncRig(t)
	r.mariaExec(`create table big (id int primary key, v varchar(40)); insert into big select seq, md5(seq) from seq_1_to_5000`)
	task := r.create(integration.Spec{Name: "big", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"big"},
		TargetDatasourceID: "pg", TargetDatabase: "public", ChunkRows: 1000})
	crash := errors.New("simulated crash")
	r.svc.AfterChunk = func(_, _ string, chunk int) error {
		if chunk == 3 {
			return crash
		}
		return nil
	}
	run1, end := r.run(task)
	failed, ok := end.(integration.RunFailed)
	if !ok || !strings.Contains(failed.Reason, "simulated crash") || failed.LastChunk != "big#3" {
		t.Fatalf("interrupted run ended with %#v", end)
	}
	if n := len(r.chunks(run1)); n != 2 { // the third chunk's event was never stored
		t.Fatalf("%d chunk events", n)
	}
	if n := r.pgString(`select count(*)::text from big`); n != "3000" {
		t.Fatalf("target has %s rows after the interruption", n)
	}
	r.svc.AfterChunk = nil
	run2, done := r.mustSucceed(task)
	if done.RowsWritten != 2000 {
		t.Fatalf("resumed run wrote %d rows, want 2000", done.RowsWritten)
	}
	if c := r.chunks(run2); c[0].Chunk != 4 || c[0].FromKey != "[3000]" {
		t.Fatalf("resumed chunks %+v", c)
	}
	if src, dst := r.mariaChecksum("big", "concat(id, v)"), r.pgChecksum("big", "concat(id, v)"); src != dst {
		t.Fatalf("big differs: %s vs %s", src, dst)
	}
	if n := r.pgString(`select count(*)::text from assetflow_sync_chunks where pass_id = $1`, run1); n != "6" {
		t.Fatalf("the resumed pass has %s progress rows, want 6 (5 chunks and the closing empty one)", n)
	}
}

// Sharded: db_0..db_3 × t_00..t_07 into one target table.
func TestSyncShardedIntegration(t *testing.T) {
	r := newSyncRig(t)
	prefix := r.mdb + "_db_"
	for d := range 4 {
		db := prefix + string(rune('0'+d))
		r.mariaExec("create database " + db)
		t.Cleanup(func() { _, _ = r.maria.Exec("drop database if exists " + db) })
		for tb := range 8 {
			name := db + ".t_0" + string(rune('0'+tb))
			r.mariaExec("create table " + name + " (id bigint primary key, shard varchar(80))")
			r.mariaExec("insert into "+name+" select ? * 1000 + seq, ? from seq_1_to_25", d*8+tb, name)
		}
		r.mariaExec("create table " + db + ".other (id int primary key)")
	}
	task := r.create(integration.Spec{Name: "shards", Scope: integration.ScopeSharded, SourceDatasourceID: "maria",
		DatabasePattern: "^" + prefix + "[0-3]$", TablePattern: `^t_0[0-7]$`, TargetDatasourceID: "pg", TargetDatabase: "public",
		TargetTable: "all_shards", WriteMode: integration.WriteUpsert})
	_, done := r.mustSucceed(task)
	if done.Tables != 32 || done.RowsWritten != 800 {
		t.Fatalf("run totals %+v", done)
	}
	if got := r.pgString(`select count(*) || ',' || count(distinct shard) from all_shards`); got != "800,32" {
		t.Fatalf("target holds %s", got)
	}
}

// Bad input is refused with every problem named; runs that cannot finish fail with the reason and
// the last committed chunk, and never write a chunk twice.
func TestSyncBadInputIntegration(t *testing.T) {
	r := newSyncRig(t)
	r.mariaExec(`create table t (id int primary key, v varchar(50), ts datetime); insert into t select seq, repeat('v', seq % 50), now() from seq_1_to_900;
		create table nokey (v int)`)
	ctx := context.Background()
	cases := []struct {
		name   string
		spec   integration.Spec
		fields []string
	}{
		{"unknown datasources", integration.Spec{Name: "x", Scope: integration.ScopeSingleTable, SourceDatasourceID: "nope", Tables: []string{"t"}, TargetDatasourceID: "gone"},
			[]string{"source_datasource_id", "target_datasource_id"}},
		{"scope fields", integration.Spec{Name: "x", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", TargetDatasourceID: "pg"}, []string{"tables"}},
		{"unknown scope", integration.Spec{Name: "x", Scope: "everything", SourceDatasourceID: "maria", TargetDatasourceID: "pg"}, []string{"scope"}},
		{"cluster scope without a cluster target", integration.Spec{Name: "x", Scope: integration.ScopeDBToCluster, SourceDatasourceID: "maria", TargetDatasourceID: "pg", Tables: []string{"t"}},
			[]string{"target_datasource_id", "partition_column", "partition_value"}},
		{"incremental without column", integration.Spec{Name: "x", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"t"},
			TargetDatasourceID: "pg", Mode: integration.ModeIncremental}, []string{"incremental_column"}},
		{"incremental column missing", integration.Spec{Name: "x", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"t"},
			TargetDatasourceID: "pg", Mode: integration.ModeIncremental, IncrementalColumn: "nope"}, []string{"incremental_column"}},
		{"invalid cron", integration.Spec{Name: "x", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"t"},
			TargetDatasourceID: "pg", Schedule: "every day"}, []string{"schedule"}},
		{"unknown table", integration.Spec{Name: "x", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"missing"},
			TargetDatasourceID: "pg"}, []string{"tables"}},
		{"unknown database", integration.Spec{Name: "x", Scope: integration.ScopeWholeDatabase, SourceDatasourceID: "maria", SourceDatabases: []string{"no_such_db_x"},
			TargetDatasourceID: "pg"}, []string{"source_databases"}},
		{"column map naming unknown columns", integration.Spec{Name: "x", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"t"},
			TargetDatasourceID: "pg", ColumnMap: map[string]string{"nope": "x"}}, []string{"column_map"}},
		{"column map leaving out the key", integration.Spec{Name: "x", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"t"},
			TargetDatasourceID: "pg", ColumnMap: map[string]string{"id": ""}}, []string{"column_map"}},
		{"bad pattern and write mode", integration.Spec{Name: "", Scope: integration.ScopeWholeDatabase, SourceDatasourceID: "maria", SourceDatabases: []string{r.mdb},
			TablePattern: "([", TargetDatasourceID: "pg", WriteMode: "merge", ChunkRows: integration.MaxChunkRows + 1}, []string{"name", "table_pattern", "write_mode", "chunk_rows"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.svc.Create(ctx, tc.spec, es.Metadata{})
			wantFieldProblems(t, err, tc.fields...)
		})
	}

	// A value the target type cannot hold: the run fails at that chunk; earlier chunks stay, once.
	r.pgExec(`create table narrow (id int primary key, v varchar(30), ts timestamp)`)
	narrow := r.create(integration.Spec{Name: "narrow", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"t"},
		TargetDatasourceID: "pg", TargetDatabase: "public", TargetTable: "narrow", ChunkRows: 30})
	_, end := r.run(narrow)
	failed, ok := end.(integration.RunFailed)
	if !ok || !strings.Contains(failed.Reason, "too long") || failed.LastChunk != "t#1" || !strings.Contains(failed.Reason, "keys after [30] up to [60]") {
		t.Fatalf("run ended with %#v", end)
	}
	if len(failed.SampleRows) != 1 || failed.SampleRows[0]["id"] != "31" || len(failed.SampleRows[0]["v"]) != 31 {
		t.Fatalf("sample rows %v, want the row with id 31", failed.SampleRows)
	}
	// The table's chunks before the first long value (id 31) commit; widen the column and resume.
	r.pgExec(`alter table narrow alter column v type varchar(50)`)
	if _, done := r.mustSucceed(narrow); done.RowsWritten != 870 {
		t.Fatalf("after widening, the run wrote %d", done.RowsWritten)
	}

	// No primary key: refused with the reason.
	nokey := r.create(integration.Spec{Name: "nokey", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"nokey"},
		TargetDatasourceID: "pg", TargetDatabase: "public"})
	if _, end := r.run(nokey); !strings.Contains(end.(integration.RunFailed).Reason, "no primary key") {
		t.Fatalf("run ended with %#v", end)
	}

	// Source table dropped mid-run: failed with the last committed chunk; nothing written twice.
	dropped := r.create(integration.Spec{Name: "dropped", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"t"},
		TargetDatasourceID: "pg", TargetDatabase: "public", TargetTable: "t_copy", ChunkRows: 200})
	r.svc.AfterChunk = func(_, _ string, chunk int) error {
		if chunk == 2 {
			r.mariaExec("rename table t to t_gone")
		}
		return nil
	}
	_, end = r.run(dropped)
	r.svc.AfterChunk = nil
	// The reader runs one chunk ahead of the writer, so the chunks already read still commit.
	failed, ok = end.(integration.RunFailed)
	var last int
	if ok {
		_, _ = fmt.Sscanf(failed.LastChunk, "t#%d", &last)
	}
	if !ok || !strings.Contains(failed.Reason, "doesn't exist") || last < 2 || last > 4 {
		t.Fatalf("run ended with %#v", end)
	}
	if n := r.pgString(`select count(*)::text from t_copy`); n != fmt.Sprint(200*last) {
		t.Fatalf("t_copy has %s rows after %d chunks", n, last)
	}

	// Duplicate keys in append mode: the chunk fails as a whole.
	r.mariaExec("rename table t_gone to t")
	r.pgExec(`create table dup (id int primary key, v varchar(50), ts timestamp); insert into dup values (450, 'x', null)`)
	dup := r.create(integration.Spec{Name: "dup", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"t"},
		TargetDatasourceID: "pg", TargetDatabase: "public", TargetTable: "dup", ChunkRows: 200})
	_, end = r.run(dup)
	if failed, ok = end.(integration.RunFailed); !ok || !strings.Contains(failed.Reason, "duplicate key") || failed.LastChunk != "t#2" {
		t.Fatalf("run ended with %#v", end)
	}
	if n := r.pgString(`select count(*)::text from dup`); n != "401" {
		t.Fatalf("dup has %s rows, want 400 copied + 1", n)
	}
}

// Pausing a task stops its active run after the current chunk; resuming and running again
// continues the same pass.
func TestSyncPauseResumeIntegration(t *testing.T) {
	r := newSyncRig(t)
	r.mariaExec(`create table p (id int primary key, v int); insert into p select seq, seq from seq_1_to_3000`)
	task := r.create(integration.Spec{Name: "p", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"p"},
		TargetDatasourceID: "pg", TargetDatabase: "public", ChunkRows: 500})
	ctx := context.Background()
	r.svc.AfterChunk = func(_, _ string, chunk int) error {
		if chunk == 2 {
			if _, err := r.svc.Pause(ctx, task, es.Metadata{}); err != nil {
				t.Error(err)
			}
		}
		return nil
	}
	run1, end := r.run(task)
	r.svc.AfterChunk = nil
	if failed, ok := end.(integration.RunFailed); !ok || !failed.Paused || failed.LastChunk != "p#2" {
		t.Fatalf("paused run ended with %#v", end)
	}
	if n := len(r.chunks(run1)); n != 2 {
		t.Fatalf("%d chunks before the pause", n)
	}
	if _, _, err := r.svc.Run(ctx, task, "manual", es.Metadata{}); fault.KindOf(err) != fault.KindConflict {
		t.Fatalf("run of a paused task: %v", err)
	}
	if _, err := r.svc.Resume(ctx, task, es.Metadata{}); err != nil {
		t.Fatal(err)
	}
	if _, done := r.mustSucceed(task); done.RowsWritten != 2000 {
		t.Fatalf("resumed run wrote %d", done.RowsWritten)
	}
	if src, dst := r.mariaChecksum("p", "concat(id, v)"), r.pgChecksum("p", "concat(id, v)"); src != dst {
		t.Fatalf("p differs: %s vs %s", src, dst)
	}
}

// A MySQL-family target refuses a chunk whose values it cannot hold or whose keys it already has
// (LOAD DATA LOCAL only warns about both: a warning fails the chunk), and keeps no part of it.
func TestSyncMariaDBTargetRefusesBadChunksIntegration(t *testing.T) {
	r := newSyncRig(t)
	r.pgExec(`create table src (id bigint primary key, label text); insert into src select g, 'label ' || g from generate_series(1, 50) g`)
	r.mariaExec(`create table narrow (id bigint primary key, label varchar(3)); create table dup (id bigint primary key, label text); insert into dup values (7, 'x')`)
	for _, target := range []string{"narrow", "dup"} {
		task := r.create(integration.Spec{Name: target, Scope: integration.ScopeSingleTable, SourceDatasourceID: "pg", SourceDatabases: []string{"public"},
			Tables: []string{"src"}, TargetDatasourceID: "maria", TargetDatabase: r.mdb, TargetTable: target, ChunkRows: 20})
		_, end := r.run(task)
		failed, ok := end.(integration.RunFailed)
		if !ok || failed.LastChunk != "" || !strings.Contains(failed.Reason, "not written") {
			t.Fatalf("%s: run ended with %#v", target, end)
		}
		if target == "narrow" && (len(failed.SampleRows) != 1 || failed.SampleRows[0]["id"] != "1") {
			t.Fatalf("sample rows %v, want the row with id 1", failed.SampleRows)
		}
	}
	if got := r.mariaString(`select concat((select count(*) from narrow), ',', (select count(*) from dup))`); got != "0,1" {
		t.Fatalf("targets hold %s rows", got)
	}
}

// A column map renames and leaves out columns; upserts key on the renamed key.
func TestSyncColumnMapIntegration(t *testing.T) {
	r := newSyncRig(t)
	r.mariaExec(`create table people (id int primary key, full_name varchar(40), secret text, age int);
		insert into people select seq, concat('person ', seq), 'hidden', seq % 90 from seq_1_to_120`)
	task := r.create(integration.Spec{Name: "people", Scope: integration.ScopeSingleTable, SourceDatasourceID: "maria", Tables: []string{"people"},
		TargetDatasourceID: "pg", TargetDatabase: "public", WriteMode: integration.WriteUpsert, ChunkRows: 50,
		ColumnMap: map[string]string{"id": "person_id", "full_name": "name", "secret": ""}})
	r.mustSucceed(task)
	r.mariaExec(`update people set age = 200 where id = 7`)
	r.mustSucceed(task)
	if cols := r.pgString(`select string_agg(column_name, ',' order by ordinal_position) from information_schema.columns where table_name = 'people'`); cols != "person_id,name,age" {
		t.Fatalf("target columns %s", cols)
	}
	if got := r.pgString(`select count(*) || ',' || max(age) || ',' || min(name) from people`); got != "120,200,person 1" {
		t.Fatalf("target holds %s", got)
	}
}

// wantFieldProblems asserts err is one invalid-input error with a problem for each field.
func wantFieldProblems(t *testing.T, err error, fields ...string) {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Kind != fault.KindInvalid {
		t.Fatalf("got %v, want an invalid-input error", err)
	}
	got := map[string]bool{}
	for _, d := range fe.Details {
		got[d.Field] = true
	}
	for _, f := range fields {
		if !got[f] {
			t.Errorf("no problem reported for %s: %+v", f, fe.Details)
		}
	}
}
