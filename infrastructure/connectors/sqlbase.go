package connectors

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// engine is what differs between engine families behind the shared database/sql code.
type engine interface {
	version(ctx context.Context, q querier) (string, error)
	listDatabases(ctx context.Context, q querier) ([]string, error)
	listTables(ctx context.Context, q querier, db string) ([]TableInfo, error)
	tableSchema(ctx context.Context, q querier, db, table string) ([]Column, error)
	listColumns(ctx context.Context, q querier, db string) ([]Column, error)
	// hint classifies engine-specific errors (auth, unknown database, syntax ...) or returns "".
	hint(err error) string
}

// databaseSwitcher points a dedicated connection at another database for one statement; the
// returned function puts it back (or retires the connection when it cannot).
type databaseSwitcher interface {
	useDatabase(ctx context.Context, conn *sql.Conn, db string) (restore func(), err error)
}

// canceller is implemented by engines whose statements keep running on the server when the client
// goes away; Query prepares the cancel before the statement and fires it if the context ends first.
type canceller interface {
	canceller(ctx context.Context, db *sql.DB, conn *sql.Conn) (cancel func(context.Context) error, err error)
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// sqlConnector is the shared implementation over database/sql.
type sqlConnector struct {
	db  *sql.DB
	eng engine
	// noLocalInfile is set once the server refused LOAD DATA LOCAL (sync writes use INSERT then).
	noLocalInfile atomic.Bool
}

func newSQLConnector(db *sql.DB, eng engine) *sqlConnector {
	// Idle connections are kept up to the open limit and retired after 5 idle minutes: a lower
	// idle cap closes connections under load only to dial them again (a TCP and authentication
	// round trip per query).
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(30 * time.Minute)
	return &sqlConnector{db: db, eng: eng}
}

func (c *sqlConnector) err(err error) error { return classify(err, c.eng.hint) }

func (c *sqlConnector) Ping(ctx context.Context) (PingResult, error) {
	start := time.Now()
	if err := c.db.PingContext(ctx); err != nil {
		return PingResult{}, c.err(err)
	}
	v, err := c.eng.version(ctx, c.db)
	if err != nil {
		return PingResult{}, c.err(err)
	}
	return PingResult{Version: v, Latency: time.Since(start)}, nil
}

func (c *sqlConnector) ListDatabases(ctx context.Context) ([]string, error) {
	dbs, err := c.eng.listDatabases(ctx, c.db)
	return dbs, c.err(err)
}

func (c *sqlConnector) ListTablesInfo(ctx context.Context, db string) ([]TableInfo, error) {
	t, err := c.eng.listTables(ctx, c.db, db)
	if t == nil && err == nil {
		t = []TableInfo{}
	}
	return t, c.err(err)
}

func (c *sqlConnector) GetTableSchema(ctx context.Context, db, table string) ([]Column, error) {
	cols, err := c.eng.tableSchema(ctx, c.db, db, table)
	if err != nil {
		return nil, c.err(err)
	}
	if len(cols) == 0 {
		return nil, &Error{Kind: KindNotFound, Message: fmt.Sprintf("table %q not found", table)}
	}
	return cols, nil
}

func (c *sqlConnector) ListColumns(ctx context.Context, db string) ([]Column, error) {
	cols, err := c.eng.listColumns(ctx, c.db, db)
	return cols, c.err(err)
}

func (c *sqlConnector) Close() error { return c.db.Close() }

// Query streams a statement's rows to sink on a dedicated connection. When ctx ends first (the
// caller cancelled, or the timeout passed), engines that need it get an explicit server-side
// cancel from a second connection.
func (c *sqlConnector) Query(ctx context.Context, req QueryRequest, sink RowSink) (QueryResult, error) {
	if req.Timeout <= 0 {
		req.Timeout = 60 * time.Second
	}
	if req.MaxRows <= 0 {
		req.MaxRows = 10000
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, req.Timeout)
	defer cancel()
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return QueryResult{}, c.err(err)
	}
	defer conn.Close()
	if k, ok := c.eng.(canceller); ok {
		cancelStatement, err := k.canceller(ctx, c.db, conn)
		if err != nil {
			return QueryResult{}, c.err(err)
		}
		stop := context.AfterFunc(ctx, func() {
			kctx, kcancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer kcancel()
			_ = cancelStatement(kctx)
		})
		defer stop()
	}
	if req.Database != "" {
		u, ok := c.eng.(databaseSwitcher)
		if !ok {
			return QueryResult{}, &Error{Kind: KindOther, Message: "this engine cannot switch databases per statement; qualify the table names instead"}
		}
		restore, err := u.useDatabase(ctx, conn, req.Database)
		if err != nil {
			return QueryResult{}, c.err(err)
		}
		defer restore()
	}
	rows, err := conn.QueryContext(ctx, req.SQL, req.Args...)
	if err != nil {
		return QueryResult{}, c.queryErr(ctx, err)
	}
	defer rows.Close()
	res, err := drain(rows, req.MaxRows, req.OnColumns, sink)
	res.Duration = time.Since(start)
	if err != nil {
		return res, c.queryErr(ctx, err)
	}
	return res, nil
}

func (c *sqlConnector) queryErr(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Error{Kind: KindTimeout, Message: "the query exceeded its time limit and was cancelled", Err: err}
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return &Error{Kind: KindCanceled, Message: "the query was cancelled", Err: err}
	}
	return c.err(err)
}

// drain reads up to max rows into sink. Text arrives as strings; bytes that are not valid UTF-8
// stay []byte (binary columns).
func drain(rows *sql.Rows, max int, onColumns func([]ResultColumn), sink RowSink) (QueryResult, error) {
	var res QueryResult
	types, err := rows.ColumnTypes()
	if err != nil {
		return res, err
	}
	for _, t := range types {
		res.Columns = append(res.Columns, ResultColumn{Name: t.Name(), Type: t.DatabaseTypeName()})
	}
	if onColumns != nil {
		onColumns(res.Columns)
	}
	vals := make([]any, len(types))
	ptrs := make([]any, len(types))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if res.RowCount == max {
			res.Truncated = true
			break
		}
		if err := rows.Scan(ptrs...); err != nil {
			return res, err
		}
		row := make([]any, len(vals))
		for i, v := range vals {
			if b, ok := v.([]byte); ok && utf8.Valid(b) {
				row[i] = string(b)
			} else if ok {
				row[i] = append([]byte(nil), b...)
			} else {
				row[i] = v
			}
		}
		res.RowCount++
		if sink != nil {
			if err := sink(row); err != nil {
				return res, err
			}
		}
	}
	return res, rows.Err()
}

// collect runs a catalog query and scans each row with fn.
func collect[T any](ctx context.Context, q querier, fn func(*sql.Rows) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := fn(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func scanString(r *sql.Rows) (string, error) {
	var s string
	err := r.Scan(&s)
	return s, err
}

// renumber gives columns an order from 1 without gaps, per table, keeping their sequence.
func renumber(cols []Column) []Column {
	n := map[string]int{}
	for i := range cols {
		n[cols[i].Table]++
		cols[i].Order = n[cols[i].Table]
	}
	return cols
}

// retire makes database/sql discard a connection whose session state cannot be restored.
func retire(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
}

// placeholder is the engine's n-th bound parameter (quality checks and sync runs bind values).
func (postgresCatalog) placeholder(n int) string { return "$" + strconv.Itoa(n) }
func (mysqlCatalog) placeholder(int) string      { return "?" }
