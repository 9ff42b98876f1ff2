package connectors_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"assetflow/domain/datasource"
	"assetflow/infrastructure/connectors"
	"assetflow/infrastructure/postgres/pgtest"
)

// fixture is one engine with the contract schema created in it.
type fixture struct {
	settings   connectors.Settings
	db         string // database argument for catalog calls ("" = connection default)
	listsDBs   bool   // ListDatabases returns a list containing db
	sleepSQL   string // a statement that runs for 30 s
	running    func(t *testing.T) int
	paramQuery string // selects id from orders where id = <placeholder>
	manyTables int
}

const contractTables = 1000

// mariaFixture creates the contract schema in a fresh MariaDB database.
func mariaFixture(t *testing.T, typ datasource.Type) fixture {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs MariaDB")
	}
	name := "ct_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
	admin, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/?multiStatements=true")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec("drop database if exists " + name); admin.Close() })
	stmts := []string{
		"create database " + name + " character set utf8mb4",
		"use " + name,
		`create table orders (id bigint primary key comment 'order id', store varchar(20) not null default 'S1' comment '门店',
			amount decimal(10,2), created_at datetime) comment='订单表'`,
		"create table stores (code varchar(20), region int, note varchar(10) default 'it''s', primary key(code, region))",
		"create view big_orders as select id, amount from orders where amount > 100",
		"create table `订单明细` (`编号` int primary key comment '明细编号', `金额` decimal(8,2))",
		"insert into orders (id, amount) values (1, 10.50), (2, 200.00), (3, 300.25)",
	}
	var many strings.Builder
	for i := 0; i < contractTables; i++ {
		fmt.Fprintf(&many, "create table t%04d (id int primary key, v varchar(10));", i)
	}
	stmts = append(stmts, many.String())
	for _, s := range stmts {
		if _, err := admin.Exec(s); err != nil {
			t.Fatalf("%s: %v", s[:min(len(s), 60)], err)
		}
	}
	return fixture{
		settings: connectors.Settings{Type: typ, Host: "127.0.0.1", Port: 3306, Database: name, Username: "root",
			Params: map[string]string{"charset": "utf8mb4", "sql_mode": "'ANSI_QUOTES'"}}, // a driver option and a session variable
		db: name, listsDBs: true, sleepSQL: "select sleep(30) as " + name, paramQuery: "select id from orders where id = ?",
		manyTables: contractTables,
		running: func(t *testing.T) int {
			var n int
			// This test's own statement only: other tests may sleep on the same server.
			if err := admin.QueryRow(`select count(*) from information_schema.processlist where info = ?`, "select sleep(30) as "+name).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		},
	}
}

func pgFixture(t *testing.T) fixture {
	t.Helper()
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	dbName := url[strings.LastIndex(url, "/")+1 : strings.Index(url, "?")]
	stmts := []string{
		`create table orders (id bigint primary key, store varchar(20) not null default 'S1', amount numeric(10,2), created_at timestamp)`,
		`comment on table orders is '订单表'`, `comment on column orders.id is 'order id'`, `comment on column orders.store is '门店'`,
		`create table stores (code varchar(20), region int, note varchar(10) default 'it''s', primary key (code, region))`,
		`create view big_orders as select id, amount from orders where amount > 100`,
		`create table "订单明细" ("编号" int primary key, "金额" numeric(8,2))`, `comment on column "订单明细"."编号" is '明细编号'`,
		`insert into orders (id, amount) values (1, 10.50), (2, 200.00), (3, 300.25)`,
		`create schema other`, `create table other.elsewhere (x int)`,
		`alter table orders add column dropped int`, `alter table orders drop column dropped`,
		`alter table orders add column tail int`, `alter table orders drop column tail`,
	}
	var many strings.Builder
	for i := 0; i < contractTables; i++ {
		fmt.Fprintf(&many, "create table t%04d (id int primary key, v varchar(10));", i)
	}
	stmts = append(stmts, many.String())
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s[:min(len(s), 60)], err)
		}
	}
	return fixture{
		settings: connectors.Settings{Type: datasource.PostgreSQL, Host: "127.0.0.1", Port: 5432, Database: dbName, Username: "postgres"},
		db:       "public", listsDBs: false, sleepSQL: "select pg_sleep(30)", paramQuery: "select id from orders where id = $1",
		manyTables: contractTables,
		running: func(t *testing.T) int {
			var n int
			if err := conn.QueryRow(ctx, `select count(*) from pg_stat_activity where query = 'select pg_sleep(30)' and state = 'active' and datname = $1`, dbName).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		},
	}
}

func TestConnectorContractIntegration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		fixture func(t *testing.T) fixture
	}{
		{"mariadb", func(t *testing.T) fixture { return mariaFixture(t, datasource.MariaDB) }},
		{"mysql-protocol", func(t *testing.T) fixture { return mariaFixture(t, datasource.MySQL) }},
		{"starrocks-catalog-on-mariadb", func(t *testing.T) fixture { return mariaFixture(t, datasource.StarRocks) }},
		{"postgresql", pgFixture},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runContract(t, tc.fixture(t))
		})
	}
}

func kindOf(err error) string {
	var ce *connectors.Error
	if errors.As(err, &ce) {
		return ce.Kind
	}
	return "unclassified: " + fmt.Sprint(err)
}

func runContract(t *testing.T, f fixture) {
	ctx := context.Background()
	c, err := connectors.Open(f.settings)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	ping, err := c.Ping(ctx)
	if err != nil || ping.Version == "" || ping.Latency <= 0 {
		t.Fatalf("ping: %+v %v", ping, err)
	}

	dbs, err := c.ListDatabases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f.listsDBs {
		found := false
		for _, d := range dbs {
			found = found || d == f.db
			if d == "mysql" || d == "information_schema" {
				t.Fatalf("system database %s listed", d)
			}
		}
		if !found {
			t.Fatalf("databases %v lack %s", dbs, f.db)
		}
	} else if dbs != nil {
		t.Fatalf("databases should be nil for %s, got %v", f.settings.Type, dbs)
	}

	tables, err := c.ListTablesInfo(ctx, f.db)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) < f.manyTables+4 {
		t.Fatalf("%d tables listed, want at least %d", len(tables), f.manyTables+4)
	}
	byName := map[string]connectors.TableInfo{}
	for _, ti := range tables {
		byName[ti.Name] = ti
	}
	if o := byName["orders"]; o.Comment != "订单表" || o.Type != "table" || o.Rows == nil {
		t.Fatalf("orders info: %+v", o)
	}
	if v := byName["big_orders"]; v.Type != "view" || !strings.Contains(strings.ToLower(v.Definition), "orders") || !strings.Contains(strings.ToLower(v.Definition), "100") {
		t.Fatalf("view info (with its definition): %+v", v)
	}
	if _, ok := byName["订单明细"]; !ok {
		t.Fatal("unicode table missing")
	}
	if _, ok := byName["elsewhere"]; ok {
		t.Fatal("a table of another schema/database listed")
	}

	cols, err := c.GetTableSchema(ctx, f.db, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) != 4 {
		t.Fatalf("orders columns: %+v", cols)
	}
	for i, col := range cols {
		if col.Order != i+1 {
			t.Fatalf("column %s has order %d, want %d", col.Name, col.Order, i+1)
		}
	}
	if !cols[0].PrimaryKey || cols[0].Nullable || cols[0].Comment != "order id" {
		t.Fatalf("id column: %+v", cols[0])
	}
	if cols[1].Nullable || cols[1].Comment != "门店" || cols[1].Default == nil || !strings.Contains(*cols[1].Default, "S1") {
		t.Fatalf("store column: %+v default %v", cols[1], cols[1].Default)
	}
	if !cols[2].Nullable || cols[2].Default != nil || !strings.Contains(strings.ToLower(cols[2].Type), "decimal") && !strings.Contains(cols[2].Type, "numeric") {
		t.Fatalf("amount column: %+v", cols[2])
	}
	stores, err := c.GetTableSchema(ctx, f.db, "stores")
	if err != nil {
		t.Fatal(err)
	}
	if !stores[0].PrimaryKey || !stores[1].PrimaryKey || stores[2].PrimaryKey {
		t.Fatalf("composite key: %+v", stores)
	}
	uni, err := c.GetTableSchema(ctx, f.db, "订单明细")
	if err != nil || uni[0].Name != "编号" || uni[0].Comment != "明细编号" {
		t.Fatalf("unicode columns: %+v %v", uni, err)
	}
	if _, err := c.GetTableSchema(ctx, f.db, "no_such_table"); kindOf(err) != connectors.KindNotFound {
		t.Fatalf("missing table: %v", err)
	}

	all, err := c.ListColumns(ctx, f.db)
	if err != nil {
		t.Fatal(err)
	}
	perTable := map[string]int{}
	for _, col := range all {
		perTable[col.Table]++
		if col.Order != perTable[col.Table] {
			t.Fatalf("ListColumns order of %s.%s: %d", col.Table, col.Name, col.Order)
		}
	}
	if perTable["orders"] != 4 || perTable["t0999"] != 2 || len(perTable) < f.manyTables+4 {
		t.Fatalf("ListColumns: orders %d, t0999 %d, tables %d", perTable["orders"], perTable["t0999"], len(perTable))
	}

	// Query: streaming, placeholders bound by the driver, row cap.
	var got []any
	res, err := c.Query(ctx, connectors.QueryRequest{SQL: f.paramQuery, Args: []any{2}}, func(row []any) error {
		got = append(got, row...)
		return nil
	})
	if err != nil || res.RowCount != 1 || fmt.Sprint(got[0]) != "2" || res.Columns[0].Name != "id" {
		t.Fatalf("param query: %+v %v %v", res, got, err)
	}
	res, err = c.Query(ctx, connectors.QueryRequest{SQL: "select id, amount from orders order by id", MaxRows: 2}, nil)
	if err != nil || res.RowCount != 2 || !res.Truncated {
		t.Fatalf("row cap: %+v %v", res, err)
	}
	if _, err := c.Query(ctx, connectors.QueryRequest{SQL: "selec nonsense"}, nil); kindOf(err) != connectors.KindSyntax {
		t.Fatalf("syntax error: %v", err)
	}

	// Cancelling stops the statement on the server, not only in the client.
	qctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	_, err = c.Query(qctx, connectors.QueryRequest{SQL: f.sleepSQL}, nil)
	if kindOf(err) != connectors.KindCanceled || time.Since(start) > 5*time.Second {
		t.Fatalf("cancel: %v after %s", err, time.Since(start))
	}
	waitNone(t, f)
	_, err = c.Query(ctx, connectors.QueryRequest{SQL: f.sleepSQL, Timeout: 300 * time.Millisecond}, nil)
	if kindOf(err) != connectors.KindTimeout {
		t.Fatalf("timeout: %v", err)
	}
	waitNone(t, f)

	// Connection problems, in plain words.
	bad := f.settings
	bad.Password = "definitely-wrong"
	bad.Username = "nobody_here"
	expectKind(t, bad, connectors.KindAuth)
	bad = f.settings
	bad.Port = 1
	expectKind(t, bad, connectors.KindUnreachable)
	bad = f.settings
	bad.Database = "no_such_db_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:8]
	expectKind(t, bad, connectors.KindUnknownDB)
	bad = f.settings
	bad.TLSMode = "verify" // the local servers speak no TLS
	expectKind(t, bad, connectors.KindTLS)
}

func waitNone(t *testing.T, f fixture) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for f.running(t) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the cancelled statement is still running on the server")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func expectKind(t *testing.T, s connectors.Settings, kind string) {
	t.Helper()
	c, err := connectors.Open(s)
	if err == nil {
		defer c.Close()
		_, err = c.Ping(context.Background())
	}
	if kindOf(err) != kind {
		t.Fatalf("%+v: got %v, want %s", s, err, kind)
	}
}
