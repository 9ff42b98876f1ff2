package integration_test

import (
	"errors"
	"testing"
	"time"

	"assetflow/domain/fault"
	"assetflow/domain/integration"
)

func validSpec() integration.Spec {
	return integration.Spec{Name: "orders", Scope: integration.ScopeSingleTable, SourceDatasourceID: "a", Tables: []string{"orders"}, TargetDatasourceID: "b"}
}

func TestSpecRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		change func(*integration.Spec)
		field  string
	}{
		{"valid", func(*integration.Spec) {}, ""},
		{"name required", func(s *integration.Spec) { s.Name = " " }, "name"},
		{"scope required", func(s *integration.Spec) { s.Scope = "" }, "scope"},
		{"to cluster", func(s *integration.Spec) {
			s.Scope, s.PartitionColumn, s.PartitionValue = integration.ScopeDBToCluster, "dt", "'${date}'"
		}, ""},
		{"from cluster", func(s *integration.Spec) { s.Scope, s.KeyColumns = integration.ScopeClusterToDB, []string{"id"} }, ""},
		{"to cluster needs a partition column", func(s *integration.Spec) { s.Scope, s.PartitionValue = integration.ScopeDBToCluster, "x" }, "partition_column"},
		{"to cluster needs a partition value", func(s *integration.Spec) { s.Scope, s.PartitionColumn = integration.ScopeDBToCluster, "dt" }, "partition_value"},
		{"partition column is a Hive name", func(s *integration.Spec) {
			s.Scope, s.PartitionColumn, s.PartitionValue = integration.ScopeDBToCluster, "Day Of", "x"
		}, "partition_column"},
		{"unknown placeholder", func(s *integration.Spec) {
			s.Scope, s.PartitionColumn, s.PartitionValue = integration.ScopeDBToCluster, "dt", "${week}"
		}, "partition_value"},
		{"no upsert into Hive", func(s *integration.Spec) {
			s.Scope, s.PartitionColumn, s.PartitionValue, s.WriteMode = integration.ScopeDBToCluster, "dt", "x", integration.WriteUpsert
		}, "write_mode"},
		{"a column onto the partition column", func(s *integration.Spec) {
			s.Scope, s.PartitionColumn, s.PartitionValue, s.ColumnMap = integration.ScopeDBToCluster, "dt", "x", map[string]string{"day": "DT"}
		}, "column_map"},
		{"leaving out a column named like the partition", func(s *integration.Spec) {
			s.Scope, s.PartitionColumn, s.PartitionValue, s.ColumnMap = integration.ScopeDBToCluster, "dt", "x", map[string]string{"dt": ""}
		}, ""},
		{"partition only to cluster", func(s *integration.Spec) { s.PartitionColumn = "dt" }, "partition_column"},
		{"key columns only from cluster", func(s *integration.Spec) { s.KeyColumns = []string{"id"} }, "key_columns"},
		{"cluster tables", func(s *integration.Spec) { s.Scope, s.Tables = integration.ScopeClusterToDB, nil }, "tables"},
		{"single table names one table", func(s *integration.Spec) { s.Tables = []string{"a", "b"} }, "tables"},
		{"whole database needs databases", func(s *integration.Spec) { s.Scope, s.Tables = integration.ScopeWholeDatabase, nil }, "source_databases"},
		{"sharded needs a target table", func(s *integration.Spec) {
			s.Scope, s.SourceDatabases, s.TablePattern, s.Tables = integration.ScopeSharded, []string{"db_0"}, "^t_", nil
		}, "target_table"},
		{"bad pattern", func(s *integration.Spec) {
			s.Scope, s.SourceDatabases, s.Tables, s.TablePattern = integration.ScopeWholeDatabase, []string{"d"}, nil, "(["
		}, "table_pattern"},
		{"incremental needs a column", func(s *integration.Spec) { s.Mode = integration.ModeIncremental }, "incremental_column"},
		{"column only when incremental", func(s *integration.Spec) { s.IncrementalColumn = "id" }, "incremental_column"},
		{"incremental overwrite", func(s *integration.Spec) {
			s.Mode, s.IncrementalColumn, s.WriteMode = integration.ModeIncremental, "id", integration.WriteOverwrite
		}, "write_mode"},
		{"write mode", func(s *integration.Spec) { s.WriteMode = "merge" }, "write_mode"},
		{"chunk bound", func(s *integration.Spec) { s.ChunkRows = integration.MaxChunkRows + 1 }, "chunk_rows"},
		{"parallelism bound", func(s *integration.Spec) { s.Parallelism = integration.MaxParallelism + 1 }, "parallelism"},
		{"negative parallelism", func(s *integration.Spec) { s.Parallelism = -1 }, "parallelism"},
		{"two columns to one", func(s *integration.Spec) { s.ColumnMap = map[string]string{"a": "x", "b": "X"} }, "column_map"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := validSpec()
			tc.change(&s)
			got, err := s.Normalize()
			var fe *fault.Error
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("unexpected %v", err)
			case tc.field == "":
				if got.Mode != integration.ModeFull || got.WriteMode != integration.WriteAppend || got.ChunkRows != integration.DefaultChunkRows ||
					got.Parallelism != 0 { // parallelism stays automatic
					t.Fatalf("defaults not filled: %+v", got)
				}
			case !errors.As(err, &fe):
				t.Fatalf("got %v, want a problem with %s", err, tc.field)
			default:
				found := false
				for _, d := range fe.Details {
					found = found || d.Field == tc.field
				}
				if !found {
					t.Fatalf("details %+v do not name %s", fe.Details, tc.field)
				}
			}
		})
	}
}

func TestTaskLifecycle(t *testing.T) {
	t.Parallel()
	task := integration.CreateTask("synctask-1", validSpec(), "u", "user")
	if err := task.Pause(); err != nil || task.Status != integration.StatusPaused {
		t.Fatalf("pause: %v %s", err, task.Status)
	}
	_ = task.Pause()
	if err := task.Resume(); err != nil || task.Status != integration.StatusActive {
		t.Fatalf("resume: %v %s", err, task.Status)
	}
	if n := len(task.Changes()); n != 3 { // created, paused (once), resumed
		t.Fatalf("%d events", n)
	}
	if err := task.Delete(); err != nil || task.Exists() {
		t.Fatalf("delete: %v", err)
	}
	if err := task.Update(validSpec()); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("update of a deleted task: %v", err)
	}
}

func TestMapColumns(t *testing.T) {
	t.Parallel()
	cols := []integration.SyncColumn{{Name: "id", PrimaryKey: true}, {Name: "name"}, {Name: "secret"}}
	s := validSpec()
	s.ColumnMap = map[string]string{"name": "full_name", "secret": ""}
	read, write, err := s.MapColumns(cols)
	if err != nil || len(read) != 2 || read[1].Name != "name" || write[1].Name != "full_name" || write[0].Name != "id" {
		t.Fatalf("read %v write %v err %v", read, write, err)
	}
	s.ColumnMap = map[string]string{"id": ""}
	if _, _, err := s.MapColumns(cols); err == nil {
		t.Fatal("a key column was left out")
	}
}

func TestKeysRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC)
	types := []integration.ColumnType{{Kind: integration.TypeBigInt}, {Kind: integration.TypeVarchar}, {Kind: integration.TypeDateTime}, {Kind: integration.TypeDecimal}}
	vals := []any{
		integration.Normalize([]byte("9007199254740993"), types[0]), // beyond float64's exact integers
		"ab\"c",
		at,
		integration.Normalize([]byte("12.30"), types[3]),
	}
	got, err := integration.DecodeValues(integration.EncodeValues(vals), types)
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != int64(9007199254740993) || got[1] != "ab\"c" || !got[2].(time.Time).Equal(at) || got[3] != "12.30" {
		t.Fatalf("round trip gave %#v", got)
	}
	if v, _ := integration.DecodeValues("", types); v != nil {
		t.Fatalf("empty key gave %v", v)
	}
}

func TestPartitionValue(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 3, 1, 7, 30, 0, 0, time.FixedZone("CST", 8*3600)) // 2024-02-29 23:30 UTC
	for expr, want := range map[string]string{
		"'${date}'":                 "2024-02-29",
		"${date}":                   "2024-02-29",
		"${date-1:yyyyMMdd}":        "20240228",
		"${date+1}":                 "2024-03-01",
		"'${date:yyyy-MM}-${hour}'": "2024-02-23",
		"'fixed'":                   "fixed",
		"'it''s'":                   "it's",
	} {
		got, err := integration.PartitionValueAt(expr, at)
		if err != nil || got != want {
			t.Errorf("%s → %q %v, want %q", expr, got, err, want)
		}
	}
	for _, bad := range []string{"${week}", "${date", "''", "a/b"} {
		if _, err := integration.PartitionValueAt(bad, at); err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
}

func TestEnginesPerScope(t *testing.T) {
	t.Parallel()
	if err := integration.CheckEngine(integration.ScopeDBToCluster, "hive", false); err != nil {
		t.Fatal(err)
	}
	if err := integration.CheckEngine(integration.ScopeDBToCluster, "postgresql", false); fault.KindOf(err) != fault.KindInvalid {
		t.Fatalf("a PostgreSQL target of db_to_cluster: %v", err)
	}
	if err := integration.CheckEngine(integration.ScopeClusterToDB, "mysql", true); err == nil {
		t.Fatal("a MySQL source of cluster_to_db was accepted")
	}
	if err := integration.CheckEngine(integration.ScopeSingleTable, "trino", true); err == nil {
		t.Fatal("a Trino source of single_table was accepted")
	}
	if err := integration.CheckEngine(integration.ScopeClusterToDB, "trino", true); err != nil {
		t.Fatal(err)
	}
}

func TestKeyColumns(t *testing.T) {
	t.Parallel()
	s := validSpec()
	s.KeyColumns = []string{"ID"}
	read, _, err := s.MapColumns([]integration.SyncColumn{{Name: "id"}, {Name: "v"}})
	if err != nil || !read[0].PrimaryKey || read[1].PrimaryKey {
		t.Fatalf("%+v %v", read, err)
	}
	s.KeyColumns = []string{"nope"}
	if _, _, err := s.MapColumns([]integration.SyncColumn{{Name: "id"}}); err == nil {
		t.Fatal("an unknown key column was accepted")
	}
}

func TestChunkLimit(t *testing.T) {
	for _, c := range []struct{ rows, columns, want int }{
		{0, 10, integration.DefaultChunkRows},
		{50000, 10, 50000},
		{100000, 10, 100000},
		{100000, 100, 10000},
		{500, 5000, 200},
		{10, 2000000, 1},
	} {
		if got := (integration.Spec{ChunkRows: c.rows}).ChunkLimit(c.columns); got != c.want {
			t.Errorf("%d rows × %d columns: %d, want %d", c.rows, c.columns, got, c.want)
		}
	}
}
