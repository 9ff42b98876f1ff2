package connectors_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"assetflow/domain/datasource"
	"assetflow/infrastructure/connectors"
	"assetflow/infrastructure/connectors/trinotest"
)

// No Trino, PrestoDB or Hive server runs in CI: trinotest's coordinator speaks their client
// protocol, here answering the catalog queries with fixed data.

func fixedAnswers(_ context.Context, _ trinotest.Session, sql string) (trinotest.Result, error) {
	vc := func(names ...string) []trinotest.Column {
		out := make([]trinotest.Column, len(names))
		for i, n := range names {
			typ := "varchar"
			if n == "ordinal_position" || n == "id" {
				typ = "bigint"
			}
			out[i] = trinotest.Column{Name: n, Type: typ}
		}
		return out
	}
	switch {
	case sql == "select version()":
		return trinotest.Result{Columns: vc("_col0"), Rows: [][]any{{"476"}}}, nil
	case strings.Contains(sql, "system.jdbc.schemas"):
		return trinotest.Result{Columns: vc("_col0"), Rows: [][]any{{"hive.default"}, {"hive.sales"}, {"tpch.tiny"}}}, nil
	case strings.Contains(sql, `"hive".information_schema.tables`) && strings.Contains(sql, "'sales'"):
		return trinotest.Result{Columns: vc("table_name", "table_type", "comment"), Rows: [][]any{{"orders", "BASE TABLE", "订单表"}, {"v_orders", "VIEW", nil}}}, nil
	case strings.Contains(sql, `"hive".information_schema.columns`) && strings.Contains(sql, "table_name = 'orders'"):
		return trinotest.Result{Columns: vc("table_name", "ordinal_position", "column_name", "data_type", "is_nullable", "column_default"),
			Rows: [][]any{{"orders", 1, "id", "bigint", "NO", nil}, {"orders", 2, "store", "varchar(20)", "YES", nil}}}, nil
	case strings.Contains(sql, `"hive".information_schema.columns`) && strings.Contains(sql, "table_name = 'missing'"):
		return trinotest.Result{Columns: vc("table_name", "ordinal_position", "column_name", "data_type", "is_nullable", "column_default")}, nil
	case strings.HasPrefix(sql, "select id from orders where id = "):
		n, _ := strconv.Atoi(strings.TrimPrefix(sql, "select id from orders where id = "))
		return trinotest.Result{Columns: vc("id"), Rows: [][]any{{n}}}, nil
	case sql == "select id from orders":
		return trinotest.Result{Columns: vc("id"), Rows: [][]any{{1}, {2}, {3}}}, nil
	}
	return trinotest.Result{}, &trinotest.Error{Name: "SYNTAX_ERROR", Type: "USER_ERROR", Message: "line 1:1: mismatched input"}
}

func TestTrinoProtocolConnectors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ    datasource.Type
		prefix string
	}{
		{datasource.Trino, "X-Trino-"},
		{datasource.Presto, "X-Presto-"},
		{datasource.Hive, "X-Trino-"},
	} {
		t.Run(string(tc.typ), func(t *testing.T) {
			t.Parallel()
			srv := trinotest.StartFlavour(t, trinotest.EngineFunc(fixedAnswers), tc.prefix, "analyst")
			db := "hive.sales"
			if tc.typ == datasource.Hive {
				db = "sales" // the hive catalog is implied
			}
			s := connectors.Settings{Type: tc.typ, Host: srv.Host, Port: srv.Port, Database: db, Username: "analyst"}
			c, err := connectors.Open(s)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			ping, err := c.Ping(ctx)
			if err != nil || !strings.Contains(ping.Version, "476") {
				t.Fatalf("ping: %+v %v (seen %v)", ping, err, srv.Statements())
			}
			dbs, err := c.ListDatabases(ctx)
			if err != nil || fmt.Sprint(dbs) != "[hive.default hive.sales tpch.tiny]" {
				t.Fatalf("databases: %v %v", dbs, err)
			}
			tables, err := c.ListTablesInfo(ctx, "hive.sales")
			if err != nil || len(tables) != 2 || tables[0].Comment != "订单表" || tables[1].Type != "view" || tables[0].Database != "hive.sales" {
				t.Fatalf("tables: %+v %v", tables, err)
			}
			cols, err := c.GetTableSchema(ctx, "", "orders")
			if err != nil || len(cols) != 2 || cols[0].Order != 1 || cols[1].Order != 2 || cols[0].Nullable || !cols[1].Nullable {
				t.Fatalf("columns: %+v %v", cols, err)
			}
			if _, err := c.GetTableSchema(ctx, "hive.sales", "missing"); kindOf(err) != connectors.KindNotFound {
				t.Fatalf("missing table: %v", err)
			}
			var got []any
			res, err := c.Query(ctx, connectors.QueryRequest{SQL: "select id from orders where id = ?", Args: []any{7}}, func(r []any) error {
				got = append(got, r...)
				return nil
			})
			if err != nil || res.RowCount != 1 || fmt.Sprint(got) != "[7]" {
				t.Fatalf("param query: %+v %v %v", res, got, err)
			}
			res, err = c.Query(ctx, connectors.QueryRequest{SQL: "select id from orders", MaxRows: 2}, nil)
			if err != nil || res.RowCount != 2 || !res.Truncated {
				t.Fatalf("row cap: %+v %v", res, err)
			}
			if _, err := c.Query(ctx, connectors.QueryRequest{SQL: "selec nonsense"}, nil); kindOf(err) != connectors.KindSyntax {
				t.Fatalf("syntax: %v", err)
			}
			wrong := s
			wrong.Username = "mallory"
			expectKind(t, wrong, connectors.KindAuth)
		})
	}
}
