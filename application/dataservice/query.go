// Package dataservice holds the query console's use cases: render a templated statement, check it
// against the datasource's guard rails, run one page of it or stream all of it for export, and log
// every execution.
package dataservice

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"assetflow/domain/dataservice"
	"assetflow/domain/datasource"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
)

// Querier runs statements on a datasource.
type Querier interface {
	Query(ctx context.Context, req datasource.QueryRequest, sink datasource.RowSink) (datasource.QueryResult, error)
}

// Datasources opens a datasource for querying.
type Datasources interface {
	OpenQuerier(ctx context.Context, id string) (Querier, datasource.Config, error)
}

// Statement is what the parser says of a statement.
type Statement struct {
	ReadOnly, Pageable, Limited bool
}

// Parser classifies one statement of a datasource type's dialect (errors are user errors).
type Parser interface {
	Single(t datasource.Type, sql string) (Statement, error)
	CheckReadOnly(t datasource.Type, sql string) error
}

// Renderer renders a SQL template.
type Renderer func(sql string, params map[string]any) (string, error)

// Facts appends query log entries asynchronously.
type Facts interface {
	Submit(ctx context.Context, streamID, streamType string, e es.Event, meta es.Metadata) error
}

// Guard checks a statement against the caller's data permissions and answers the statement to
// run in its place (masks and row filters applied), or FORBIDDEN with what is denied.
type Guard interface {
	Check(ctx context.Context, who Caller, datasourceID, database, sql string, export bool) (string, error)
}

// Cancels lets a query be cancelled from any replica.
type Cancels interface {
	Register(queryID string, cancel context.CancelFunc) (release func())
	Cancel(ctx context.Context, queryID string) (bool, error)
}

// Console runs the query console.
type Console struct {
	sources Datasources
	parser  Parser
	render  Renderer
	facts   Facts
	cancels Cancels
	guard   Guard
	// MaxConcurrent is how many queries one user may run at once on this replica; default 3.
	MaxConcurrent int
	// ExportCap is the default row cap of exports; default 10,000. Admins may ask for up to
	// ExportCapAdmin (default 1,000,000).
	ExportCap, ExportCapAdmin int
	mu                        sync.Mutex
	running                   map[string]int
}

// NewConsole wires the console.
func NewConsole(sources Datasources, parser Parser, render Renderer, facts Facts, cancels Cancels, guard Guard) *Console {
	if sources == nil || parser == nil || render == nil || facts == nil || cancels == nil || guard == nil {
		panic("dataservice.NewConsole: nil dependency")
	}
	return &Console{sources: sources, parser: parser, render: render, facts: facts, cancels: cancels, guard: guard,
		MaxConcurrent: 3, ExportCap: 10000, ExportCapAdmin: 1000000, running: map[string]int{}}
}

// Request is one run of the console.
type Request struct {
	DatasourceID string         `json:"datasource_id"`
	Database     string         `json:"database"`
	SQL          string         `json:"sql"`
	Params       map[string]any `json:"params"`
	Page         int            `json:"page"`
	PageSize     int            `json:"page_size"`
	QueryID      string         `json:"query_id"`
	MaxRows      int            `json:"max_rows"` // exports only; above the default cap for admins
}

// Caller is who runs it.
type Caller struct {
	UserID, UserName string
	Roles            []string
	Admin            bool
	Meta             es.Metadata
}

// Result is one page.
type Result struct {
	QueryID     string                    `json:"query_id"`
	Columns     []datasource.ResultColumn `json:"columns"`
	Rows        [][]any                   `json:"rows"`
	RenderedSQL string                    `json:"rendered_sql"`
	ElapsedMs   int64                     `json:"elapsed_ms"`
	HasNext     bool                      `json:"has_next"`
	Page        int                       `json:"page"`
	PageSize    int                       `json:"page_size"`
	Truncated   bool                      `json:"truncated"`
}

// MaxSQLBytes bounds the SQL text.
const MaxSQLBytes = 1 << 20

// prepared is a validated, rendered request bound to its datasource.
type prepared struct {
	req      Request
	cfg      datasource.Config
	q        Querier
	rendered string
	// run is what runs: the rendered statement as the data-permission guard let it through.
	run  string
	stmt Statement
}

func (c *Console) prepare(ctx context.Context, req Request, who Caller, export bool) (*prepared, error) {
	var v fault.Collect
	v.Check(req.DatasourceID != "", "datasource_id", "datasource_id is required")
	v.Check(strings.TrimSpace(req.SQL) != "", "sql", "sql is required")
	v.Check(len(req.SQL) <= MaxSQLBytes, "sql", "the SQL text is larger than 1 MiB")
	if req.QueryID != "" {
		_, err := uuid.Parse(req.QueryID)
		v.Check(err == nil, "query_id", "query_id must be a UUID")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	q, cfg, err := c.sources.OpenQuerier(ctx, req.DatasourceID)
	if err != nil {
		return nil, err
	}
	p := &prepared{req: req, cfg: cfg, q: q}
	if p.rendered, err = c.render(req.SQL, normalizeParams(req.Params)); err != nil {
		return p, err
	}
	p.rendered = trimStatement(p.rendered)
	if p.stmt, err = c.parser.Single(cfg.Type, p.rendered); err != nil {
		return p, err
	}
	if !cfg.AllowWrites {
		if err := c.parser.CheckReadOnly(cfg.Type, p.rendered); err != nil {
			return p, err
		}
	}
	if p.run, err = c.guard.Check(ctx, who, req.DatasourceID, req.Database, p.rendered, export); err != nil {
		return p, err
	}
	return p, nil
}

// Guard checks a statement for the caller with the console's guard (try-runs of report APIs).
func (c *Console) Guard(ctx context.Context, who Caller, datasourceID, database, sql string, export bool) (string, error) {
	return c.guard.Check(ctx, who, datasourceID, database, sql, export)
}

// normalizeParams turns JSON's whole-number floats back into integers, so {{ k }} renders 3, not
// 3.000000.
func normalizeParams(params map[string]any) map[string]any {
	out := make(map[string]any, len(params))
	for k, v := range params {
		out[k] = normalizeValue(v)
	}
	return out
}

func normalizeValue(v any) any {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeValue(e)
		}
		return out
	case map[string]any:
		return normalizeParams(x)
	}
	return v
}

// trimStatement drops trailing semicolons and blanks so a limit can follow the statement.
func trimStatement(sql string) string {
	for {
		t := strings.TrimRight(sql, " \t\r\n")
		t = strings.TrimSuffix(t, ";")
		if t == sql {
			return t
		}
		sql = t
	}
}

func (c *Console) acquire(user string) (func(), error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running[user] >= c.MaxConcurrent {
		return nil, &fault.Error{Kind: fault.KindRateLimited, Message: fmt.Sprintf("you already run %d queries; wait for one to finish or cancel it", c.MaxConcurrent)}
	}
	c.running[user]++
	return func() {
		c.mu.Lock()
		c.running[user]--
		c.mu.Unlock()
	}, nil
}

// pagedSQL appends (or wraps with) LIMIT/OFFSET so the engine returns just one page plus one row.
func pagedSQL(t datasource.Type, st Statement, sql string, limit, offset int) string {
	if !st.Pageable {
		return sql
	}
	if st.Limited {
		sql = "select * from (\n" + sql + "\n) assetflow_page"
	}
	switch t {
	case datasource.Trino, datasource.Presto, datasource.Hive:
		return fmt.Sprintf("%s\nOFFSET %d LIMIT %d", sql, offset, limit)
	}
	return fmt.Sprintf("%s\nLIMIT %d OFFSET %d", sql, limit, offset)
}

// Run executes one page of a statement and logs the execution.
func (c *Console) Run(ctx context.Context, req Request, who Caller) (Result, error) {
	if req.Page == 0 {
		req.Page = 1
	}
	if req.PageSize == 0 {
		req.PageSize = 100
	}
	var v fault.Collect
	v.Check(req.Page >= 1, "page", "page must be 1 or more")
	v.Check(req.PageSize >= 1 && req.PageSize <= 1000, "page_size", "page_size must be between 1 and 1000")
	if err := v.Err(); err != nil {
		return Result{}, err
	}
	if req.QueryID == "" {
		req.QueryID = uuid.NewString()
	}
	start := time.Now()
	res := Result{QueryID: req.QueryID, Page: req.Page, PageSize: req.PageSize, Rows: [][]any{}}
	p, err := c.prepare(ctx, req, who, false)
	if p != nil {
		res.RenderedSQL = p.rendered
	}
	if err == nil {
		err = c.runPage(ctx, p, who, &res)
	}
	res.ElapsedMs = time.Since(start).Milliseconds()
	c.log(ctx, p, req, who, len(res.Rows), res.ElapsedMs, err, false)
	return res, err
}

func (c *Console) runPage(ctx context.Context, p *prepared, who Caller, res *Result) error {
	release, err := c.acquire(who.UserID)
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer c.cancels.Register(p.req.QueryID, cancel)()

	offset := (p.req.Page - 1) * p.req.PageSize
	if offset >= p.cfg.MaxRows {
		res.Truncated = true
		return nil
	}
	limit := min(p.req.PageSize, p.cfg.MaxRows-offset)
	var qr datasource.QueryRequest
	skip := 0
	if p.stmt.Pageable {
		qr = datasource.QueryRequest{SQL: pagedSQL(p.cfg.Type, p.stmt, p.run, limit+1, offset), MaxRows: limit + 1}
	} else {
		// Statements that cannot take a LIMIT are read up to the page's end and sliced here.
		qr = datasource.QueryRequest{SQL: p.run, MaxRows: offset + limit + 1}
		skip = offset
	}
	qr.Timeout = time.Duration(p.cfg.QueryTimeoutSeconds) * time.Second
	qr.Database = p.req.Database
	seen := 0
	out, err := p.q.Query(ctx, qr, func(row []any) error {
		seen++
		if seen <= skip {
			return nil
		}
		if len(res.Rows) < limit {
			res.Rows = append(res.Rows, jsonRow(row))
		}
		return nil
	})
	if err != nil {
		return err
	}
	res.Columns = out.Columns
	more := seen-skip > limit || out.Truncated
	res.HasNext = more && offset+limit < p.cfg.MaxRows
	res.Truncated = more && offset+limit >= p.cfg.MaxRows
	return nil
}

// MaxCell bounds one cell of a console answer.
const MaxCell = 64 << 10

// jsonRow makes driver values safe to send: bytes that are not text become 0x-hex, long text is
// cut.
func jsonRow(row []any) []any {
	out := make([]any, len(row))
	for i, v := range row {
		out[i] = jsonValue(v)
	}
	return out
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case []byte:
		if utf8.Valid(x) {
			return cut(string(x))
		}
		n := min(len(x), 512)
		s := fmt.Sprintf("0x%X", x[:n])
		if n < len(x) {
			s += "…"
		}
		return s
	case string:
		return cut(x)
	case int64:
		if x > 1<<53 || x < -(1<<53) {
			return fmt.Sprint(x) // beyond what JSON numbers carry exactly
		}
	case time.Time:
		return x.Format("2006-01-02 15:04:05.999999Z07:00")
	}
	return v
}

func cut(s string) string {
	if len(s) <= MaxCell {
		return s
	}
	i := MaxCell
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// Cancel stops a running query wherever it runs.
func (c *Console) Cancel(ctx context.Context, queryID string) (bool, error) {
	if _, err := uuid.Parse(queryID); err != nil {
		return false, fault.Field("query_id", "query_id must be a UUID")
	}
	return c.cancels.Cancel(ctx, queryID)
}

func (c *Console) log(ctx context.Context, p *prepared, req Request, who Caller, rows int, ms int64, err error, export bool) {
	e := dataservice.QueryExecuted{QueryID: req.QueryID, UserID: who.UserID, UserName: who.UserName, DatasourceID: req.DatasourceID,
		Database: req.Database, SQL: req.SQL, Params: req.Params, Status: "succeeded", DurationMs: ms, Rows: rows, Export: export}
	if p != nil {
		e.DatasourceName, e.RenderedSQL = p.cfg.Name, p.rendered
	}
	if len(e.SQL) > 64<<10 {
		e.SQL = e.SQL[:64<<10] + "…"
	}
	if err != nil {
		e.Status, e.Error = "failed", err.Error()
		var k interface{ ErrorKind() string }
		if errors.Is(err, context.Canceled) || (errors.As(err, &k) && k.ErrorKind() == "canceled") {
			e.Status = "cancelled"
		}
	}
	_ = c.facts.Submit(context.WithoutCancel(ctx), "query-"+req.QueryID, dataservice.StreamQuery, e, who.Meta)
}

type esMeta = es.Metadata
