package connectors_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"assetflow/domain/datasource"
	"assetflow/domain/integration"
	"assetflow/infrastructure/connectors"
	"assetflow/infrastructure/connectors/trinotest"
)

// A Hive table through Trino as a sync target and source, against trinotest's warehouse.
func TestHiveTargetIntegration(t *testing.T) {
	srv, wh := trinotest.StartHive(t) // skips under -short
	c, err := connectors.Open(connectors.Settings{Type: datasource.Hive, Host: srv.Host, Port: srv.Port, Database: "sales", Username: "etl"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	h, err := connectors.NewHiveTarget(c, "dt", "2024-05-01")
	if err != nil {
		t.Fatal(err)
	}
	cols := []integration.SyncColumn{
		{Name: "id", Type: integration.ColumnType{Kind: integration.TypeBigInt}, PrimaryKey: true},
		{Name: "Name", Type: integration.ColumnType{Kind: integration.TypeVarchar, Length: 20}},
		{Name: "amt", Type: integration.ColumnType{Kind: integration.TypeDecimal, Precision: 10, Scale: 2}},
		{Name: "at", Type: integration.ColumnType{Kind: integration.TypeDateTime}},
		{Name: "day", Type: integration.ColumnType{Kind: integration.TypeDate}},
		{Name: "ok", Type: integration.ColumnType{Kind: integration.TypeBool}},
		{Name: "raw", Type: integration.ColumnType{Kind: integration.TypeBlob}},
		{Name: "ratio", Type: integration.ColumnType{Kind: integration.TypeDouble}},
	}
	tt, err := h.PrepareTable(ctx, "sales", "orders", cols)
	if err != nil || !tt.Created || len(tt.Columns) != 9 || tt.Columns[8].Name != "dt" {
		t.Fatalf("prepare: %+v %v", tt, err)
	}
	if tbl, ok := wh.Table("sales", "orders"); !ok || tbl.Format != "ORC" || fmt.Sprint(tbl.PartitionedBy) != "[dt]" ||
		tbl.Properties != "format = 'ORC', partitioned_by = ARRAY['dt']" {
		t.Fatalf("table properties %+v", tbl)
	}
	at := time.Date(2024, 4, 30, 23, 59, 58, 250000000, time.UTC)
	row := func(id int64) []any {
		return []any{id, fmt.Sprintf("名 %d 'q'", id), []byte(fmt.Sprintf("%d.25", id)), at.Add(time.Duration(id) * time.Second), at, id%2 == 0, []byte{0, byte(id)}, float64(id) / 3}
	}
	names := []string{"id", "Name", "amt", "at", "day", "ok", "raw", "ratio"}
	write := func(chunk int, last int64, rows ...[]any) (int64, error) {
		return h.WriteChunk(ctx, integration.ChunkWrite{Table: tt, Columns: names, Key: []string{"id"}, Rows: rows, WriteMode: integration.WriteAppend,
			Mark: integration.ChunkMark{TaskID: "task", SourceTable: "src.orders", PassID: "pass1", RunID: "run1", Chunk: chunk, LastKey: fmt.Sprintf("[%d]", last), Rows: int64(len(rows))}})
	}
	if n, err := write(1, 3, row(1), row(2), row(3)); err != nil || n != 3 {
		t.Fatalf("chunk 1: %d %v", n, err)
	}
	if m, err := h.LastMark(ctx, "sales", "task", "src.orders"); err != nil || m == nil || m.Chunk != 1 || m.LastKey != "[3]" || m.Done {
		t.Fatalf("last mark %+v %v", m, err)
	}
	// A run that stopped inside chunk 2: its intent and one of its rows are there, its mark is not.
	if _, err := wh.Pool.Exec(ctx, `insert into sales.assetflow_sync_chunks (seq, state, task_id, source_table, pass_id, chunk, run_id, last_key, rows, done, partition_value)
		values ($1, 'writing', 'task', 'src.orders', 'pass1', 2, 'run1', '[6]', 3, false, '2024-05-01')`, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	if _, err := wh.Pool.Exec(ctx, `insert into sales.orders (id, name, dt) values (4, 'landed', '2024-05-01')`); err != nil {
		t.Fatal(err)
	}
	m, err := h.LastMark(ctx, "sales", "task", "src.orders")
	if err != nil || m == nil || m.Chunk != 1 || m.LastKey != "[3]" || m.PassID != "pass1" {
		t.Fatalf("the mark before an unfinished chunk: %+v %v", m, err)
	}
	if n, err := write(2, 6, row(4), row(5), row(6)); err != nil || n != 2 {
		t.Fatalf("chunk 2 written again: %d %v (want the 2 rows that were missing)", n, err)
	}
	if _, err := write(2, 6, row(4), row(5), row(6)); !errors.Is(err, integration.ErrChunkWritten) {
		t.Fatalf("chunk 2 a third time: %v", err)
	}
	var count, distinct int
	if err := wh.Pool.QueryRow(ctx, `select count(*), count(distinct id) from sales.orders`).Scan(&count, &distinct); err != nil || count != 6 || distinct != 6 {
		t.Fatalf("target holds %d rows, %d distinct (%v)", count, distinct, err)
	}
	var check string
	if err := wh.Pool.QueryRow(ctx, `select name || '|' || amt || '|' || "at" || '|' || day || '|' || ok || '|' || encode(raw, 'hex') || '|' || round(ratio::numeric, 6) || '|' || dt
		from sales.orders where id = 2`).Scan(&check); err != nil || check != "名 2 'q'|2.25|2024-05-01 00:00:00.25|2024-04-30|true|0002|0.666667|2024-05-01" {
		t.Fatalf("row 2 reads %q %v", check, err)
	}
	if p, err := wh.Partitions(ctx, "sales", "orders"); err != nil || fmt.Sprint(p) != "[dt=2024-05-01]" {
		t.Fatalf("partitions %v %v", p, err)
	}

	// The same table as a source: Trino types, keyset chunks, maxima.
	r := c.(connectors.Reader)
	src, err := r.SyncColumns(ctx, "hive.sales", "orders")
	if err != nil || len(src) != 9 || src[1].Name != "name" || src[1].Type.String() != "varchar(20)" || src[2].Type.String() != "decimal(10,2)" ||
		src[3].Type.Kind != integration.TypeDateTime || src[6].Type.Kind != integration.TypeBlob || src[0].PrimaryKey {
		t.Fatalf("source columns %+v %v", src, err)
	}
	rows, err := r.ReadChunk(ctx, integration.ChunkRead{Database: "hive.sales", Table: "orders", Columns: []string{"id", "amt", "at", "raw", "ok"}, Key: []string{"id"},
		After: []any{int64(2)}, Bounds: &integration.Bounds{Column: "at", Low: at, High: at.Add(5 * time.Second)}, Limit: 2})
	if err != nil || len(rows) != 2 || rows[0][0] != int64(3) || rows[0][1] != "3.25" || !rows[0][2].(time.Time).Equal(at.Add(3*time.Second)) ||
		fmt.Sprint(rows[0][3]) != "[0 3]" || rows[0][4] != false {
		t.Fatalf("chunk %v %v", rows, err)
	}
	if max, err := r.MaxValue(ctx, "sales", "orders", src[0]); err != nil || max != int64(6) {
		t.Fatalf("max %v %v", max, err)
	}

	// A new source column is added; overwrite empties the run's partition only.
	tt2, err := h.PrepareTable(ctx, "sales", "orders", append(cols, integration.SyncColumn{Name: "note", Type: integration.ColumnType{Kind: integration.TypeText}}))
	if err != nil || tt2.Created || fmt.Sprint(tt2.AddedColumns) != "[note]" {
		t.Fatalf("second prepare %+v %v", tt2, err)
	}
	other, _ := connectors.NewHiveTarget(c, "dt", "2024-05-02")
	if _, err := other.WriteChunk(ctx, integration.ChunkWrite{Table: tt2, Columns: []string{"id", "note"}, Key: []string{"id"}, Rows: [][]any{{int64(1), "next day"}},
		WriteMode: integration.WriteOverwrite, Clear: true, Mark: integration.ChunkMark{TaskID: "task2", SourceTable: "src.orders", PassID: "p", RunID: "p", Chunk: 1, Done: true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.WriteChunk(ctx, integration.ChunkWrite{Table: tt2, Columns: []string{"id"}, Key: []string{"id"}, Rows: [][]any{{int64(2)}},
		WriteMode: integration.WriteOverwrite, Clear: true, Mark: integration.ChunkMark{TaskID: "task2", SourceTable: "src.orders", PassID: "p2", RunID: "p2", Chunk: 1, Done: true}}); err != nil {
		t.Fatal(err)
	}
	if p, _ := wh.Partitions(ctx, "sales", "orders"); fmt.Sprint(p) != "[dt=2024-05-01 dt=2024-05-02]" {
		t.Fatalf("partitions %v", p)
	}
	if err := wh.Pool.QueryRow(ctx, `select count(*) from sales.orders`).Scan(&count); err != nil || count != 7 {
		t.Fatalf("after overwriting 2024-05-02 the table holds %d rows", count)
	}

	// A composite key: the unfinished chunk's key range is a row comparison.
	pair := []integration.SyncColumn{{Name: "a", Type: integration.ColumnType{Kind: integration.TypeVarchar, Length: 10}, PrimaryKey: true},
		{Name: "b", Type: integration.ColumnType{Kind: integration.TypeInt}, PrimaryKey: true}, {Name: "v", Type: integration.ColumnType{Kind: integration.TypeText}}}
	pt, err := h.PrepareTable(ctx, "sales", "pairs", pair)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wh.Pool.Exec(ctx, `insert into sales.assetflow_sync_chunks (seq, state, task_id, source_table, pass_id, chunk, run_id, last_key, rows, done, partition_value)
		values ($1, 'writing', 'task3', 'src.pairs', 'p3', 1, 'p3', '["y",1]', 4, true, '2024-05-01')`, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	if _, err := wh.Pool.Exec(ctx, `insert into sales.pairs values ('x', 2, 'landed', '2024-05-01'), ('y', 9, 'outside the range', '2024-05-01')`); err != nil {
		t.Fatal(err)
	}
	if m, err := h.LastMark(ctx, "sales", "task3", "src.pairs"); err != nil || m == nil || m.Chunk != 0 || m.Done || m.LastKey != "" {
		t.Fatalf("the mark before an unfinished first chunk: %+v %v", m, err)
	}
	n, err := h.WriteChunk(ctx, integration.ChunkWrite{Table: pt, Columns: []string{"a", "b", "v"}, Key: []string{"a", "b"},
		Rows: [][]any{{"x", int64(1), "1"}, {"x", int64(2), "2"}, {"x", int64(10), "3"}, {"y", int64(1), "4"}}, WriteMode: integration.WriteAppend,
		Mark: integration.ChunkMark{TaskID: "task3", SourceTable: "src.pairs", PassID: "p3", RunID: "p4", Chunk: 1, LastKey: `["y",1]`, Rows: 4, Done: true}})
	if err != nil || n != 3 {
		t.Fatalf("the unfinished chunk wrote %d rows (%v), want the 3 missing", n, err)
	}
	if got := fmt.Sprint(queryStrings(t, wh, `select a || b || ':' || v from sales.pairs order by a, b`)); got != "[x1:1 x2:landed x10:3 y1:4 y9:outside the range]" {
		t.Fatalf("pairs %s", got)
	}

	// What Hive refuses, the warehouse refuses too.
	if _, err := c.Query(ctx, connectors.QueryRequest{SQL: "delete from orders where id = 1"}, nil); err == nil || !strings.Contains(err.Error(), "whole partitions") {
		t.Fatalf("a row delete: %v", err)
	}
	if _, err := c.Query(ctx, connectors.QueryRequest{SQL: "create table bad (dt varchar, id bigint) with (partitioned_by = ARRAY['dt'])"}, nil); err == nil ||
		!strings.Contains(err.Error(), "Partition keys must be the last columns") {
		t.Fatalf("a partition column first: %v", err)
	}
	if _, err := h.PrepareTable(ctx, "sales", "plain", []integration.SyncColumn{{Name: "dt", Type: integration.ColumnType{Kind: integration.TypeDate}}}); err == nil {
		t.Fatal("a source column named like the partition column was accepted")
	}
}

func queryStrings(t *testing.T, wh *trinotest.Warehouse, q string) []string {
	t.Helper()
	rows, err := wh.Pool.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}
