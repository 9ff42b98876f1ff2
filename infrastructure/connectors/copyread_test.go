package connectors

import (
	"bytes"
	"testing"
	"time"

	"assetflow/domain/integration"
)

func TestParseCopyText(t *testing.T) {
	types := []integration.ColumnType{{Kind: integration.TypeBigInt}, {Kind: integration.TypeText}, {Kind: integration.TypeBool},
		{Kind: integration.TypeBlob}, {Kind: integration.TypeTimestampTZ}, {Kind: integration.TypeDecimal}}
	data := "1\ta\\tb\\\\c\\nd\tt\t\\\\x00ff\t2024-06-01 12:00:00+02\t1.50\n" +
		"2\t\\N\tf\t\\N\t2024-06-01 12:00:00.5+00\t\\N\n" +
		"3\t\tt\t\\\\x\t2024-06-01 12:00:00-03:30\t-7\n"
	rows, err := parseCopyText(data, types)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	r := rows[0]
	if r[0] != "1" || r[1] != "a\tb\\c\nd" || r[2] != true || !bytes.Equal(r[3].([]byte), []byte{0, 0xff}) || r[5] != "1.50" {
		t.Fatalf("row 1: %#v", r)
	}
	if !r[4].(time.Time).Equal(time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("row 1 time %v", r[4])
	}
	if r := rows[1]; r[1] != nil || r[2] != false || r[3] != nil || r[5] != nil || !r[4].(time.Time).Equal(time.Date(2024, 6, 1, 12, 0, 0, 5e8, time.UTC)) {
		t.Fatalf("row 2: %#v", r)
	}
	if r := rows[2]; r[1] != "" || len(r[3].([]byte)) != 0 || !r[4].(time.Time).Equal(time.Date(2024, 6, 1, 15, 30, 0, 0, time.UTC)) {
		t.Fatalf("row 3: %#v", r)
	}
	if _, err := parseCopyText("1\tonly\n", types); err == nil {
		t.Fatal("a short row was read")
	}
	if got := unescapeCopy(`\x41\101\b\f\r\v\q`); got != "AA\b\f\r\vq" {
		t.Fatalf("unescape %q", got)
	}
	if got := unescapeBytea(`a\\b\000\377`); !bytes.Equal(got, []byte{'a', '\\', 'b', 0, 0xff}) {
		t.Fatalf("bytea escape format %q", got)
	}
	if integration.Normalize(rows[0][0], types[0]) != int64(1) {
		t.Fatal("an integer key read as text does not normalize")
	}
}

func TestOnlyInts(t *testing.T) {
	cases := []struct {
		r    integration.ChunkRead
		want bool
	}{
		{integration.ChunkRead{}, true},
		{integration.ChunkRead{After: []any{int64(4)}, Through: int64(9)}, true},
		{integration.ChunkRead{After: []any{"a"}}, false},
		{integration.ChunkRead{After: []any{int64(1), int64(2)}, Bounds: &integration.Bounds{Column: "id", Low: int64(3)}}, true},
		{integration.ChunkRead{Bounds: &integration.Bounds{Column: "at", High: time.Now()}}, false},
	}
	for i, c := range cases {
		if got := onlyInts(c.r); got != c.want {
			t.Errorf("case %d: %v", i, got)
		}
	}
}
