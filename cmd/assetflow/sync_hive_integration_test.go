package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"assetflow/domain/datasource"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/integration"
	"assetflow/infrastructure/connectors"
	"assetflow/infrastructure/connectors/trinotest"
)

// The cluster scopes against a Hive warehouse behind trinotest's Trino coordinator (PostgreSQL
// standing in for Hive; see the trinotest package for what it emulates).

// hive adds a Hive datasource "hive" whose catalog "hive" is a new warehouse.
func (r *syncRig) hive() (*trinotest.Server, *trinotest.Warehouse) {
	r.t.Helper()
	srv, wh := trinotest.StartHive(r.t)
	c, err := connectors.Open(connectors.Settings{Type: datasource.Hive, Host: srv.Host, Port: srv.Port, Database: "default", Username: "etl"})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { c.Close() })
	r.ends.add("hive", datasource.Hive, c)
	return srv, wh
}

func whString(t *testing.T, wh *trinotest.Warehouse, q string) string {
	t.Helper()
	var s *string
	if err := wh.Pool.QueryRow(context.Background(), q).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if s == nil {
		return ""
	}
	return *s
}

func whChecksum(t *testing.T, wh *trinotest.Warehouse, table, expr string) string {
	return whString(t, wh, fmt.Sprintf("select count(*) || ':' || md5(string_agg(%s, '|' order by id)) from %s", expr, table))
}

// MariaDB → Hive: the table is created partitioned by dt, each run writes the partition its value
// expression names, full and incremental runs give the source's rows.
func TestSyncMariaDBToHiveIntegration(t *testing.T) {
	r := newSyncRig(t)
	_, wh := r.hive()
	r.mariaExec(`create table items (id int primary key, name varchar(40), amt decimal(12,3), made datetime, day date, flag tinyint(1), raw blob, ratio double, small smallint, f float)`)
	r.mariaExec(`insert into items select seq, concat('name ', seq, ' 名 ''q'''), seq / 7, '2024-02-29 13:14:15' + interval seq second, '2024-03-01' + interval seq day,
		seq % 2, unhex(concat('00ff', hex(seq))), seq / 3, cast(seq % 100 as signed) - 50, seq / 8 from seq_1_to_2345`)
	r.mariaExec(`insert into items (id) values (9999)`)
	task := r.create(integration.Spec{Name: "items to hive", Scope: integration.ScopeDBToCluster, SourceDatasourceID: "maria", SourceDatabases: []string{r.mdb},
		Tables: []string{"items"}, TargetDatasourceID: "hive", TargetDatabase: "ods", TablePrefix: "ods_", PartitionColumn: "dt",
		PartitionValue: "'${date:yyyyMMdd}'", ChunkRows: 500})
	day := time.Now().UTC().Format("20060102")
	runID, done := r.mustSucceed(task)
	if done.RowsWritten != 2346 || len(r.chunks(runID)) != 5 || !r.chunks(runID)[0].Created {
		t.Fatalf("run %+v, chunks %+v", done, r.chunks(runID))
	}
	tbl, ok := wh.Table("ods", "ods_items")
	if !ok || fmt.Sprint(tbl.PartitionedBy) != "[dt]" || tbl.Format != "ORC" {
		t.Fatalf("the Hive table was created with %+v", tbl)
	}
	if p, err := wh.Partitions(context.Background(), "ods", "ods_items"); err != nil || fmt.Sprint(p) != "[dt="+day+"]" {
		t.Fatalf("partitions %v %v", p, err)
	}
	if types := whString(t, wh, `select string_agg(column_name || ' ' || data_type, ', ' order by ordinal_position) from trino_meta.columns where table_name = 'ods_items'`); types !=
		"id integer, name varchar(40), amt decimal(12,3), made timestamp(6), day date, flag boolean, raw varbinary, ratio double, small smallint, f real, dt varchar" {
		t.Fatalf("Hive types: %s", types)
	}
	src := r.mariaChecksum("items", `concat_ws(',', id, name, amt, date_format(made, '%Y-%m-%d %H:%i:%s'), day, if(flag, 't', 'f'), hex(raw), small)`)
	dst := whChecksum(t, wh, "ods.ods_items", `concat_ws(',', id, name, amt, to_char(made, 'YYYY-MM-DD HH24:MI:SS'), day, case when flag then 't' else 'f' end, upper(encode(raw, 'hex')), small)`)
	if src != dst {
		t.Fatalf("checksums differ: MariaDB %s, Hive %s", src, dst)
	}
	// Doubles are compared apart (their text forms differ between engines).
	if n := whString(t, wh, `select count(*)::text from ods.ods_items where id <> 9999 and (ratio is null or abs(ratio - id / 3.0) > 1e-9 or abs(f - id / 8.0) > 1e-6)`); n != "0" {
		t.Fatalf("%s doubles differ", n)
	}

	// Incremental: a second task on id into another table; new rows arrive between runs.
	inc := r.create(integration.Spec{Name: "items incremental", Scope: integration.ScopeDBToCluster, SourceDatasourceID: "maria", SourceDatabases: []string{r.mdb},
		Tables: []string{"items"}, TargetDatasourceID: "hive", TargetDatabase: "ods", TargetTable: "items_inc", PartitionColumn: "dt",
		PartitionValue: "${date}", Mode: integration.ModeIncremental, IncrementalColumn: "id", ChunkRows: 1000})
	if _, done := r.mustSucceed(inc); done.RowsWritten != 2346 {
		t.Fatalf("first incremental run wrote %d", done.RowsWritten)
	}
	r.mariaExec(`insert into items (id, name) select 10000 + seq, concat('late ', seq) from seq_1_to_150`)
	if _, done := r.mustSucceed(inc); done.RowsWritten != 150 {
		t.Fatalf("second incremental run wrote %d, want 150", done.RowsWritten)
	}
	if src, dst := r.mariaChecksum("items", "concat_ws(',', id, name)"), whChecksum(t, wh, "ods.items_inc", "concat_ws(',', id, name)"); src != dst {
		t.Fatalf("incremental checksums differ: MariaDB %s, Hive %s", src, dst)
	}
	if p, _ := wh.Partitions(context.Background(), "ods", "items_inc"); fmt.Sprint(p) != "[dt="+time.Now().UTC().Format("2006-01-02")+"]" {
		t.Fatalf("incremental partitions %v", p)
	}
}

// A run stopped after a chunk's rows reached Hive and before its mark: the next run writes that
// chunk again without duplicating a row.
func TestSyncHiveResumeIntegration(t *testing.T) {
	r := newSyncRig(t)
	r.svc.MinSplitRows = 1000 // big enough for splits: a Hive target still takes one pass, in order
	srv, wh := r.hive()
	r.mariaExec(`create table big (id int primary key, v varchar(40)); insert into big select seq, md5(seq) from seq_1_to_5000`)
	task := r.create(integration.Spec{Name: "big", Scope: integration.ScopeDBToCluster, SourceDatasourceID: "maria", Tables: []string{"big"},
		TargetDatasourceID: "hive", TargetDatabase: "ods", PartitionColumn: "dt", PartitionValue: "'2024-05-01'", ChunkRows: 1000})
	crash := errors.New("coordinator lost")
	srv.Intercept(func(sql string) error {
		if strings.Contains(sql, "assetflow_sync_chunks") && strings.Contains(sql, "'written'") && strings.Contains(sql, ", 3, ") {
			return crash // chunk 3's rows are in; its mark is not
		}
		return nil
	})
	_, end := r.run(task)
	failed, ok := end.(integration.RunFailed)
	if !ok || !strings.Contains(failed.Reason, "coordinator lost") || failed.LastChunk != "big#2" {
		t.Fatalf("interrupted run ended with %#v", end)
	}
	if n := whString(t, wh, `select count(*)::text from ods.big`); n != "3000" {
		t.Fatalf("Hive has %s rows after the interruption, want 3000 (chunk 3 landed without its mark)", n)
	}
	srv.Intercept(nil)
	run2, done := r.mustSucceed(task)
	chunks := r.chunks(run2)
	if done.RowsWritten != 2000 || chunks[0].Chunk != 3 || chunks[0].RowsWritten != 0 || chunks[0].FromKey != "[2000]" {
		t.Fatalf("resumed run %+v, chunks %+v", done, chunks)
	}
	if got := whString(t, wh, `select count(*) || ',' || count(distinct id) from ods.big`); got != "5000,5000" {
		t.Fatalf("Hive holds %s rows (all, distinct)", got)
	}
	if src, dst := r.mariaChecksum("big", "concat(id, v)"), whChecksum(t, wh, "ods.big", "concat(id, v)"); src != dst {
		t.Fatalf("big differs: %s vs %s", src, dst)
	}
	// A full overwrite run replaces the partition instead of adding to it.
	over := r.create(integration.Spec{Name: "big again", Scope: integration.ScopeDBToCluster, SourceDatasourceID: "maria", Tables: []string{"big"},
		TargetDatasourceID: "hive", TargetDatabase: "ods", PartitionColumn: "dt", PartitionValue: "'2024-05-01'", WriteMode: integration.WriteOverwrite, ChunkRows: 2000})
	r.mustSucceed(over)
	if got := whString(t, wh, `select count(*) || ',' || count(distinct id) from ods.big`); got != "5000,5000" {
		t.Fatalf("after overwriting, Hive holds %s rows (all, distinct)", got)
	}
}

// Hive → PostgreSQL: key_columns stand in for the primary key Hive tables lack.
func TestSyncHiveToPostgresIntegration(t *testing.T) {
	r := newSyncRig(t)
	_, wh := r.hive()
	ctx := context.Background()
	if _, err := wh.Pool.Exec(ctx, `create schema lake; create table lake.events (id bigint, kind varchar(20), amount decimal(10,2), at timestamp(3), day date, ok boolean, dt varchar);
		insert into lake.events select g, 'k' || (g % 7), g / 4.0, timestamp '2024-05-01 00:00:00' + g * interval '1 second', date '2024-05-01' + (g % 3), g % 2 = 0,
		'2024-05-0' || (1 + g % 3) from generate_series(1, 2500) g; create table lake.nokey (v int)`); err != nil {
		t.Fatal(err)
	}
	task := r.create(integration.Spec{Name: "events", Scope: integration.ScopeClusterToDB, SourceDatasourceID: "hive", SourceDatabases: []string{"hive.lake"},
		Tables: []string{"events"}, KeyColumns: []string{"id"}, TargetDatasourceID: "pg", TargetDatabase: "public", ChunkRows: 1000})
	runID, done := r.mustSucceed(task)
	if done.RowsWritten != 2500 || len(r.chunks(runID)) != 3 {
		t.Fatalf("run %+v", done)
	}
	if pk := r.pgString(`select string_agg(a.attname, ',') from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
		where i.indrelid = 'events'::regclass and i.indisprimary`); pk != "id" {
		t.Fatalf("primary key %q", pk)
	}
	expr := `concat_ws(',', id, kind, amount, to_char(at, 'YYYY-MM-DD HH24:MI:SS.MS'), day, ok, dt)`
	if src, dst := whChecksum(t, wh, "lake.events", expr), r.pgChecksum("events", expr); src != dst {
		t.Fatalf("checksums differ: Hive %s, PostgreSQL %s", src, dst)
	}

	// Refused: a Hive table without key_columns, a partition column missing, engines on the wrong side.
	for _, tc := range []struct {
		name   string
		spec   integration.Spec
		fields []string
	}{
		{"no key", integration.Spec{Name: "x", Scope: integration.ScopeClusterToDB, SourceDatasourceID: "hive", SourceDatabases: []string{"hive.lake"},
			Tables: []string{"nokey"}, TargetDatasourceID: "pg"}, []string{"key_columns"}},
		{"unknown key", integration.Spec{Name: "x", Scope: integration.ScopeClusterToDB, SourceDatasourceID: "hive", SourceDatabases: []string{"hive.lake"},
			Tables: []string{"events"}, KeyColumns: []string{"nope"}, TargetDatasourceID: "pg"}, []string{"key_columns"}},
		{"no partition column", integration.Spec{Name: "x", Scope: integration.ScopeDBToCluster, SourceDatasourceID: "maria", Tables: []string{"t"},
			TargetDatasourceID: "hive", PartitionValue: "${date}"}, []string{"partition_column"}},
		{"a Hive source of db_to_cluster", integration.Spec{Name: "x", Scope: integration.ScopeDBToCluster, SourceDatasourceID: "hive", Tables: []string{"events"},
			TargetDatasourceID: "hive", PartitionColumn: "dt", PartitionValue: "x"}, []string{"source_datasource_id"}},
		{"a PostgreSQL target of a single table", integration.Spec{Name: "x", Scope: integration.ScopeSingleTable, SourceDatasourceID: "hive", Tables: []string{"events"},
			TargetDatasourceID: "pg"}, []string{"source_datasource_id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.svc.Create(ctx, tc.spec, es.Metadata{})
			wantFieldProblems(t, err, tc.fields...)
		})
	}
}

// The cluster scopes through the API: a Hive datasource registered like any other, a
// db_to_cluster task run to the end, and refusals in the unified error envelope.
func TestSyncHiveAPIIntegration(t *testing.T) {
	srv, wh := trinotest.StartHive(t)
	s := newAPIServer(t)
	token := s.login()
	_, src := mariaDatabase(t, "synchive", "create table orders (id int primary key, total decimal(10,2), at datetime);"+
		"insert into orders select seq, seq * 1.5, '2024-05-01' + interval seq minute from seq_1_to_1200")
	if _, err := wh.Pool.Exec(context.Background(), `create schema lake; create table lake.clicks (id bigint, page varchar, dt varchar)`); err != nil {
		t.Fatal(err)
	}
	code, out := s.call("POST", "/api/datasources", token, map[string]any{"name": "maria-src", "type": "mariadb", "host": "127.0.0.1", "port": 3306, "username": "root", "database": src})
	if code != 201 {
		t.Fatalf("register source: %d %v", code, out)
	}
	srcID := data(out)["id"].(string)
	code, out = s.call("POST", "/api/datasources", token, map[string]any{"name": "hive-dw", "type": "hive", "host": srv.Host, "port": srv.Port, "username": "etl", "database": "ods"})
	if code != 201 {
		t.Fatalf("register Hive: %d %v", code, out)
	}
	hiveID := data(out)["id"].(string)

	bad := []struct {
		name   string
		body   string
		fields []string
	}{
		{"partition column missing", fmt.Sprintf(`{"name":"x","scope":"db_to_cluster","tables":["orders"],"source_datasource_id":%q,"target_datasource_id":%q,"partition_value":"${date}"}`, srcID, hiveID),
			[]string{"partition_column"}},
		{"Hive source without a key", fmt.Sprintf(`{"name":"x","scope":"cluster_to_db","source_databases":["hive.lake"],"tables":["clicks"],"source_datasource_id":%q,"target_datasource_id":%q}`, hiveID, srcID),
			[]string{"key_columns"}},
		{"Hive on the wrong side", fmt.Sprintf(`{"name":"x","scope":"cluster_to_db","tables":["orders"],"source_datasource_id":%q,"target_datasource_id":%q,"key_columns":["id"]}`, srcID, hiveID),
			[]string{"source_datasource_id", "target_datasource_id"}},
	}
	for _, b := range bad {
		wantTaskRejected(t, s, token, b.name, b.body, b.fields)
	}

	code, out = s.call("POST", "/api/integration/tasks", token, map[string]any{"name": "orders to hive", "scope": "db_to_cluster", "source_datasource_id": srcID,
		"source_databases": []string{src}, "tables": []string{"orders"}, "target_datasource_id": hiveID, "target_database": "ods",
		"partition_column": "dt", "partition_value": "'${date}'", "chunk_rows": 500})
	if code != 201 {
		t.Fatalf("create task: %d %v", code, out)
	}
	task := data(out)
	if spec := task["spec"].(map[string]any); spec["partition_column"] != "dt" || spec["partition_value"] != "'${date}'" {
		t.Fatalf("task %v", task)
	}
	_, out = s.call("POST", "/api/integration/tasks/"+task["id"].(string)+"/run", token, nil)
	run := s.waitSyncRun(t, token, data(out)["run_id"].(string))
	if run["status"] != "succeeded" || run["rows_written"] != float64(1200) {
		t.Fatalf("run %v", run)
	}
	if p, err := wh.Partitions(context.Background(), "ods", "orders"); err != nil || fmt.Sprint(p) != "[dt="+time.Now().UTC().Format("2006-01-02")+"]" {
		t.Fatalf("partitions %v %v", p, err)
	}
}
