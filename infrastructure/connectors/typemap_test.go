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
