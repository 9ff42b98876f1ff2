package connectors_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"assetflow/domain/datasource"
	"assetflow/infrastructure/connectors"
)

// No Trino, PrestoDB or Hive server runs in CI. This coordinator speaks their client protocol at
// the wire level as documented for Trino (POST /v1/statement, nextUri paging, typed columns,
// prepared statements in a header, errors with errorName/errorType) and answers the catalog queries
// with fixed data; the Presto flavour insists on X-Presto-* headers and answers with them.

type wireColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type wireResult struct {
	cols []wireColumn
	rows [][]any
}

type coordinator struct {
	t       *testing.T
	prefix  string // "X-Trino-" or "X-Presto-"
	user    string
	mu      sync.Mutex
	pending map[string]wireResult
	seen    []string
}

func newCoordinator(t *testing.T, prefix string) (*coordinator, *httptest.Server) {
	c := &coordinator{t: t, prefix: prefix, user: "analyst", pending: map[string]wireResult{}}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return c, srv
}

var usingArgs = regexp.MustCompile(`'((?:[^']|'')*)'|(-?\d+)`)

func (c *coordinator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	other := "X-Presto-"
	if c.prefix == "X-Presto-" {
		other = "X-Trino-"
	}
	for k := range r.Header {
		if strings.HasPrefix(http.CanonicalHeaderKey(k), other) {
			c.fail(w, http.StatusBadRequest, "", "unexpected header "+k)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodGet && r.URL.Path == "/v1/info" { // unauthenticated, as on a real coordinator
		_ = json.NewEncoder(w).Encode(map[string]any{"nodeVersion": map[string]any{"version": "476"}, "environment": "test",
			"coordinator": true, "starting": false, "uptime": "1.00m"})
		return
	}
	// Statements need a known user; nextUri pages are authorised by the query's own URI.
	if (r.Method == http.MethodPost || r.Method == http.MethodHead) && r.Header.Get(c.prefix+"User") != c.user {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	switch {
	case r.Method == http.MethodHead && r.URL.Path == "/v1/statement":
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodPost && r.URL.Path == "/v1/statement":
		var body strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := r.Body.Read(buf)
			body.Write(buf[:n])
			if err != nil {
				break
			}
		}
		sql := body.String()
		if strings.HasPrefix(sql, "EXECUTE _trino_go USING ") {
			prep := r.Header.Get(c.prefix + "Prepared-Statement")
			stmt, _ := url.QueryUnescape(strings.TrimPrefix(prep, "_trino_go="))
			for _, m := range usingArgs.FindAllStringSubmatch(strings.TrimPrefix(sql, "EXECUTE _trino_go USING "), -1) {
				v := m[2]
				if m[1] != "" || m[2] == "" {
					v = "'" + m[1] + "'"
				}
				stmt = strings.Replace(stmt, "?", v, 1)
			}
			sql = stmt
		}
		c.mu.Lock()
		c.seen = append(c.seen, sql)
		c.mu.Unlock()
		res, errName := c.answer(sql)
		if errName != "" {
			c.fail(w, http.StatusOK, errName, "line 1:1: mismatched input")
			return
		}
		id := strconv.Itoa(len(c.seen))
		c.mu.Lock()
		c.pending[id] = res
		c.mu.Unlock()
		w.Header().Set(c.prefix+"Started-Transaction-Id", "")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": id, "infoUri": "http://" + r.Host + "/ui/query.html?" + id,
			"nextUri": "http://" + r.Host + "/v1/statement/executing/" + id + "/1",
			"stats":   map[string]any{"state": "QUEUED", "queued": true, "scheduled": false},
		})
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/statement/executing/"):
		id := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1/statement/executing/"), "/")[0]
		c.mu.Lock()
		res := c.pending[id]
		c.mu.Unlock()
		cols := make([]map[string]any, len(res.cols))
		for i, col := range res.cols {
			cols[i] = map[string]any{"name": col.Name, "type": col.Type, "typeSignature": map[string]any{"rawType": strings.SplitN(col.Type, "(", 2)[0], "arguments": []any{}}}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": id, "infoUri": "http://" + r.Host + "/ui/query.html?" + id,
			"columns": cols, "data": res.rows,
			"stats": map[string]any{"state": "FINISHED", "queued": false, "scheduled": true, "processedRows": len(res.rows)},
		})
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

func (c *coordinator) fail(w http.ResponseWriter, status int, name, msg string) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"id": "failed", "stats": map[string]any{"state": "FAILED"},
		"error": map[string]any{"message": msg, "errorCode": 1, "errorName": name, "errorType": "USER_ERROR"}})
}

func (c *coordinator) answer(sql string) (wireResult, string) {
	vc := func(names ...string) []wireColumn {
		out := make([]wireColumn, len(names))
		for i, n := range names {
			typ := "varchar"
			if n == "ordinal_position" || n == "id" {
				typ = "bigint"
			}
			out[i] = wireColumn{Name: n, Type: typ}
		}
		return out
	}
	switch {
	case sql == "select version()":
		return wireResult{vc("_col0"), [][]any{{"476"}}}, ""
	case strings.Contains(sql, "system.jdbc.schemas"):
		return wireResult{vc("_col0"), [][]any{{"hive.default"}, {"hive.sales"}, {"tpch.tiny"}}}, ""
	case strings.Contains(sql, `"hive".information_schema.tables`) && strings.Contains(sql, "'sales'"):
		return wireResult{vc("table_name", "table_type", "comment"), [][]any{{"orders", "BASE TABLE", "订单表"}, {"v_orders", "VIEW", nil}}}, ""
	case strings.Contains(sql, `"hive".information_schema.columns`) && strings.Contains(sql, "table_name = 'orders'"):
		return wireResult{vc("table_name", "ordinal_position", "column_name", "data_type", "is_nullable", "column_default"),
			[][]any{{"orders", 1, "id", "bigint", "NO", nil}, {"orders", 2, "store", "varchar(20)", "YES", nil}}}, ""
	case strings.Contains(sql, `"hive".information_schema.columns`) && strings.Contains(sql, "table_name = 'missing'"):
		return wireResult{vc("table_name", "ordinal_position", "column_name", "data_type", "is_nullable", "column_default"), nil}, ""
	case strings.HasPrefix(sql, "select id from orders where id = "):
		n, _ := strconv.Atoi(strings.TrimPrefix(sql, "select id from orders where id = "))
		return wireResult{vc("id"), [][]any{{n}}}, ""
	case sql == "select id from orders":
		return wireResult{vc("id"), [][]any{{1}, {2}, {3}}}, ""
	}
	return wireResult{}, "SYNTAX_ERROR"
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
			coord, srv := newCoordinator(t, tc.prefix)
			u, _ := url.Parse(srv.URL)
			port, _ := strconv.Atoi(u.Port())
			db := "hive.sales"
			if tc.typ == datasource.Hive {
				db = "sales" // the hive catalog is implied
			}
			s := connectors.Settings{Type: tc.typ, Host: u.Hostname(), Port: port, Database: db, Username: "analyst"}
			c, err := connectors.Open(s)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			ping, err := c.Ping(ctx)
			if err != nil || !strings.Contains(ping.Version, "476") {
				t.Fatalf("ping: %+v %v (seen %v)", ping, err, coord.seen)
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
