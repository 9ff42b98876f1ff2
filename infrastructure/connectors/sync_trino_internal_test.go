package connectors

import (
	"context"
	"strings"
	"testing"

	"assetflow/domain/datasource"
	"assetflow/domain/integration"
	"assetflow/infrastructure/connectors/trinotest"
)

// A chunk larger than one statement may be goes in as several INSERTs, each within the bound.
func TestHiveInsertStatementsBoundedIntegration(t *testing.T) {
	srv, wh := trinotest.StartHive(t) // skips under -short
	c, err := Open(Settings{Type: datasource.Hive, Host: srv.Host, Port: srv.Port, Database: "ods", Username: "etl"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h, err := NewHiveTarget(c, "dt", "x")
	if err != nil {
		t.Fatal(err)
	}
	h.maxStatement = 2000
	ctx := context.Background()
	tt, err := h.PrepareTable(ctx, "ods", "wide", []integration.SyncColumn{
		{Name: "id", Type: ColumnType{Kind: integration.TypeBigInt}, PrimaryKey: true}, {Name: "v", Type: ColumnType{Kind: integration.TypeText}}})
	if err != nil {
		t.Fatal(err)
	}
	rows := make([][]any, 300)
	for i := range rows {
		rows[i] = []any{int64(i + 1), strings.Repeat("v", 40)}
	}
	n, err := h.WriteChunk(ctx, integration.ChunkWrite{Table: tt, Columns: []string{"id", "v"}, Key: []string{"id"}, Rows: rows,
		WriteMode: integration.WriteAppend, Mark: integration.ChunkMark{TaskID: "t", SourceTable: "s", PassID: "p", RunID: "p", Chunk: 1, Done: true}})
	if err != nil || n != 300 {
		t.Fatalf("wrote %d: %v", n, err)
	}
	inserts := 0
	for _, s := range srv.Statements() {
		if strings.HasPrefix(s, `insert into "hive"."ods"."wide"`) {
			inserts++
			if len(s) > 2000 {
				t.Fatalf("a statement of %d characters", len(s))
			}
		}
	}
	var count int
	if err := wh.Pool.QueryRow(ctx, `select count(distinct id) from ods.wide`).Scan(&count); err != nil || count != 300 || inserts < 5 {
		t.Fatalf("%d rows in %d statements (%v)", count, inserts, err)
	}
}
