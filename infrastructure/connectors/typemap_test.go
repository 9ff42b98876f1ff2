package connectors

import (
	"bytes"
	"testing"
	"time"

	"assetflow/domain/integration"
)

func TestTypeMappingBothWays(t *testing.T) {
	t.Parallel()
	cases := []struct{ mysql, neutral, postgres, back string }{
		{"int(11)", "int", "integer", "int"},
		{"int(10) unsigned", "bigint", "bigint", "bigint"},
		{"bigint(20) unsigned", "decimal(20,0)", "numeric(20,0)", "decimal(20,0)"},
		{"tinyint(1)", "bool", "boolean", "tinyint(1)"},
		{"decimal(10,2)", "decimal(10,2)", "numeric(10,2)", "decimal(10,2)"},
		{"varchar(20)", "varchar(20)", "varchar(20)", "varchar(20)"},
		{"mediumtext", "text", "text", "longtext"},
		{"datetime(3)", "datetime", "timestamp", "datetime(6)"},
		{"date", "date", "date", "date"},
		{"longblob", "blob", "bytea", "longblob"},
		{"enum('a','b')", "varchar(255)", "varchar(255)", "varchar(255)"},
		{"double", "double", "double precision", "double"},
	}
	for _, tc := range cases {
		n := mysqlType(tc.mysql)
		if n.String() != tc.neutral {
			t.Errorf("%s → %s, want %s", tc.mysql, n, tc.neutral)
		}
		pg := postgresDDL(n, false)
		if pg != tc.postgres {
			t.Errorf("%s → PostgreSQL %s, want %s", tc.mysql, pg, tc.postgres)
		}
		if back := mysqlDDL(postgresType(pg), false); back != tc.back {
			t.Errorf("%s → %s → MySQL %s, want %s", tc.mysql, pg, back, tc.back)
		}
	}
	if got := postgresType("timestamp with time zone"); got.Kind != integration.TypeTimestampTZ {
		t.Errorf("timestamptz maps to %v", got)
	}
	if got := mysqlDDL(ColumnType{Kind: integration.TypeText}, true); got != "varchar(255)" {
		t.Errorf("a text key maps to %s", got)
	}
}

func TestTrinoTypeMapping(t *testing.T) {
	t.Parallel()
	// MySQL → neutral → Hive DDL → (what Trino reports) → neutral → PostgreSQL.
	cases := []struct{ mysql, hive, postgres string }{
		{"int(11)", "integer", "integer"},
		{"bigint(20) unsigned", "decimal(20,0)", "numeric(20,0)"},
		{"tinyint(1)", "boolean", "boolean"},
		{"smallint", "smallint", "smallint"},
		{"decimal(10,2)", "decimal(10,2)", "numeric(10,2)"},
		{"varchar(20)", "varchar(20)", "varchar(20)"},
		{"mediumtext", "varchar", "text"},
		{"datetime(3)", "timestamp", "timestamp"},
		{"date", "date", "date"},
		{"time", "varchar", "text"},
		{"longblob", "varbinary", "bytea"},
		{"json", "varchar", "text"},
		{"double", "double", "double precision"},
		{"float", "real", "real"},
		{"char(3)", "char(3)", "char(3)"},
	}
	for _, tc := range cases {
		h := hiveDDL(mysqlType(tc.mysql), false)
		if h != tc.hive {
			t.Errorf("%s → Hive %s, want %s", tc.mysql, h, tc.hive)
		}
		reported := h
		if h == "timestamp" {
			reported = "timestamp(3)" // Trino's Hive connector reports the precision
		}
		if pg := postgresDDL(trinoType(reported), false); pg != tc.postgres {
			t.Errorf("%s → %s → PostgreSQL %s, want %s", tc.mysql, reported, pg, tc.postgres)
		}
	}
	for raw, want := range map[string]integration.TypeKind{
		"timestamp(6) with time zone": integration.TypeTimestampTZ, "time(3)": integration.TypeTime, "array(varchar)": integration.TypeText,
		"tinyint": integration.TypeSmallInt, "uuid": integration.TypeVarchar, "json": integration.TypeJSON, "row(a integer)": integration.TypeText,
	} {
		if got := trinoType(raw); got.Kind != want {
			t.Errorf("%s maps to %v, want %s", raw, got, want)
		}
	}
	if got := hiveDDL(ColumnType{Kind: integration.TypeDecimal, Precision: 65, Scale: 30}, false); got != "decimal(38,30)" {
		t.Errorf("a wide decimal maps to %s", got)
	}
}

func TestHiveLiterals(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 2, 29, 13, 14, 15, 120000000, time.UTC)
	col := func(kind integration.TypeKind, raw string) hiveColumn {
		return hiveColumnOf(integration.SyncColumn{Type: ColumnType{Kind: kind}, RawType: raw})
	}
	dec := hiveColumnOf(integration.SyncColumn{Type: ColumnType{Kind: integration.TypeDecimal, Precision: 12, Scale: 3}})
	for _, tc := range []struct {
		v    any
		col  hiveColumn
		want string
	}{
		{nil, col(integration.TypeInt, "integer"), "NULL"},
		{int64(7), col(integration.TypeBigInt, "bigint"), "7"},
		{[]byte("12"), col(integration.TypeInt, "integer"), "12"},
		{int64(12), col(integration.TypeSmallInt, "smallint"), "SMALLINT '12'"},
		{true, col(integration.TypeInt, "integer"), "1"},
		{int64(1), col(integration.TypeBool, "boolean"), "TRUE"},
		{[]byte("12.50"), col(integration.TypeDecimal, "decimal"), "DECIMAL '12.50'"},
		{[]byte("12.5"), dec, "CAST('12.5' AS DECIMAL(12,3))"},
		{1.5, col(integration.TypeDouble, "double"), "1.5E+00"},
		{float32(0.1), col(integration.TypeFloat, "real"), "REAL '0.1'"},
		{"it's", col(integration.TypeVarchar, "varchar(9)"), "'it''s'"},
		{at, col(integration.TypeDate, "date"), "DATE '2024-02-29'"},
		{at, col(integration.TypeDateTime, "timestamp(3)"), "TIMESTAMP '2024-02-29 13:14:15.120'"},
		{at, col(integration.TypeDateTime, "timestamp(0)"), "TIMESTAMP '2024-02-29 13:14:15'"},
		{[]byte("2024-02-29 13:14:15.1234567"), col(integration.TypeDateTime, "timestamp(6)"), "TIMESTAMP '2024-02-29 13:14:15.123457'"},
		{at.In(time.FixedZone("x", 3600)), col(integration.TypeTimestampTZ, "timestamp(3)"), "TIMESTAMP '2024-02-29 13:14:15.120'"},
		{[]byte{0, 0xff}, col(integration.TypeBlob, "varbinary"), "X'00ff'"},
	} {
		got, err := hiveLiteral(tc.v, tc.col)
		if err != nil || got != tc.want {
			t.Errorf("%v as %s → %s %v, want %s", tc.v, tc.col.Kind, got, err, tc.want)
		}
	}
	if _, err := hiveLiteral("x1", col(integration.TypeInt, "integer")); err == nil {
		t.Error("a non-number became an integer literal")
	}
}

func TestBulkTextFormats(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 1, 2, 3, 4, 5, 600000000, time.FixedZone("x", 3600))
	row := []any{nil, "a\tb\\c\nd\x00", []byte{0, 0xff}, true, int64(-7), 1.5, at, at}
	kinds := []ColumnType{{Kind: integration.TypeText}, {Kind: integration.TypeText}, {Kind: integration.TypeBlob}, {Kind: integration.TypeBool},
		{Kind: integration.TypeInt}, {Kind: integration.TypeDouble}, {Kind: integration.TypeDateTime}, {Kind: integration.TypeDate}}
	render := func(f textFormat) string {
		var buf bytes.Buffer
		var scratch []byte
		for i, v := range row {
			if i > 0 {
				buf.WriteByte('|')
			}
			scratch = writeText(&buf, scratch, v, kinds[i], f)
		}
		return buf.String()
	}
	if got, want := render(copyFormat), `\N|a\tb\\c\nd|\\x00ff|t|-7|1.5|2024-01-02 03:04:05.6+01:00|2024-01-02`; got != want {
		t.Errorf("COPY text\n got %s\nwant %s", got, want)
	}
	if got, want := render(loadDataFormat), "\\N|a\\tb\\\\c\\nd\\0|\\0\xff|1|-7|1.5|2024-01-02 02:04:05.6|2024-01-02"; got != want {
		t.Errorf("LOAD DATA text\n got %q\nwant %q", got, want)
	}
}
