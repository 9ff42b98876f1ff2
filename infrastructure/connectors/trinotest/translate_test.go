package trinotest

import (
	"fmt"
	"testing"
)

func TestTranslate(t *testing.T) {
	t.Parallel()
	w := &Warehouse{Catalog: "hive", Version: "476", tables: map[string]Table{}}
	s := Session{Catalog: "hive", Schema: "ods"}
	for in, want := range map[string]string{
		`create table if not exists "hive"."ods"."T" ("Id" bigint, v double, b varbinary, dt varchar) with (format = 'ORC', partitioned_by = ARRAY['dt'])`: `create table if not exists "ods"."t" ("id" bigint, v double precision, b bytea, dt varchar)`,
		`select table_name from "hive".information_schema.columns where table_schema = 'it''s ? "hive".x'`:                                                 `select table_name from trino_meta.columns where table_schema = 'it''s ? "hive".x'`,
		`select table_cat || '.' || table_schem from system.jdbc.schemas`:                                                                                  `select table_cat || '.' || table_schem from trino_meta.jdbc_schemas`,
		`select version()`: `select '476'`,
		`insert into t values (X'00ff', 1.5E+00, DECIMAL '1.5', tinyint '1')`: `insert into t values ('\x00ff'::bytea, 1.5E+00, DECIMAL '1.5', smallint '1')`,
	} {
		got, _, err := w.translate(s, in)
		if err != nil || got != want {
			t.Errorf("%s\n got %s (%v)\nwant %s", in, got, err, want)
		}
	}
	_, made, err := w.translate(s, `create table "hive"."ods"."T" (a int, dt varchar) with (format = 'ORC', partitioned_by = ARRAY['dt'])`)
	if err != nil || made.key != "ods.t" || made.table.Format != "ORC" || fmt.Sprint(made.table.PartitionedBy) != "[dt]" ||
		made.table.Properties != "format = 'ORC', partitioned_by = ARRAY['dt']" {
		t.Fatalf("recorded %+v %v", made, err)
	}
	w.tables[made.key] = made.table
	if got, _, err := w.translate(s, `delete from "hive"."ods"."t" where dt = '2024-05-01'`); err != nil || got != `delete from "ods"."t" where dt = '2024-05-01'` {
		t.Fatalf("a partition delete: %s %v", got, err)
	}
	if _, _, err := w.translate(s, `delete from t`); err != nil {
		t.Fatalf("deleting every partition: %v", err)
	}
	for _, bad := range []string{
		`create table x (dt varchar, a int) with (partitioned_by = ARRAY['dt'])`,
		`create table x (dt varchar) with (partitioned_by = ARRAY['dt'])`,
		`delete from t where a = 1`,
		`delete from "hive"."ods"."T" where dt like '2024%'`,
		`select 1; select 2`,
		`select * from system.runtime.queries`,
	} {
		if _, _, err := w.translate(s, bad); err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
}

func TestResolveExecute(t *testing.T) {
	t.Parallel()
	got, err := resolveExecute(`EXECUTE _trino_go USING 'a?,''b', 7, TIMESTAMP '2024-01-01 00:00:00 Z', X'00'`,
		[]string{"_trino_go=" + "select+%3F%2C+%3F%2C+%27%3F%27%2C+%3F%2C+%3F"})
	if err != nil || got != `select 'a?,''b', 7, '?', TIMESTAMP '2024-01-01 00:00:00 Z', X'00'` {
		t.Fatalf("%s %v", got, err)
	}
	if _, err := resolveExecute(`EXECUTE other USING 1`, []string{"_trino_go=select+%3F"}); err == nil || err.Name != "NOT_FOUND" {
		t.Fatalf("unknown statement: %v", err)
	}
	if _, err := resolveExecute(`EXECUTE _trino_go USING 1, 2`, []string{"_trino_go=select+%3F"}); err == nil {
		t.Fatal("too many parameters were accepted")
	}
	if got, err := resolveExecute(`select 1`, nil); err != nil || got != "select 1" {
		t.Fatalf("a plain statement: %s %v", got, err)
	}
}

func TestSignature(t *testing.T) {
	t.Parallel()
	for typ, want := range map[string]string{
		"decimal(10,2)":               "map[arguments:[map[kind:LONG value:10] map[kind:LONG value:2]] rawType:decimal]",
		"varchar":                     "map[arguments:[] rawType:varchar]",
		"timestamp(3) with time zone": "map[arguments:[map[kind:LONG value:3]] rawType:timestamp with time zone]",
	} {
		if got := fmt.Sprint(signature(typ)); got != want {
			t.Errorf("%s → %s, want %s", typ, got, want)
		}
	}
}
