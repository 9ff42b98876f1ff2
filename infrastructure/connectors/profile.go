package connectors

import (
	"context"
	"fmt"
	"strings"
	"time"

	"assetflow/domain/catalog"
)

// ProfileRequest is the domain's profile specification.
type ProfileRequest = catalog.ProfileSpec

// dialect is what profiling SQL needs to know about an engine.
type dialect interface {
	tableRef(db, schema, table string) string
	quote(ident string) string
	asText(expr string) string
}

func (mysqlCatalog) quote(s string) string { return quoteIdent(s, '`') }
func (m mysqlCatalog) tableRef(db, _, table string) string {
	if db == "" {
		return m.quote(table)
	}
	return m.quote(db) + "." + m.quote(table)
}
func (mysqlCatalog) asText(expr string) string { return "cast(" + expr + " as char)" }

func (s starrocksCatalog) tableRef(db, schema, table string) string {
	cat, name := splitCatalog(db)
	if cat == "" || cat == starrocksDefaultCatalog {
		return s.mysqlCatalog.tableRef(name, schema, table)
	}
	return s.quote(cat) + "." + s.quote(name) + "." + s.quote(table)
}

func (postgresCatalog) quote(s string) string { return quoteIdent(s, '"') }
func (p postgresCatalog) tableRef(_, schema, table string) string {
	if schema == "" {
		schema = "public"
	}
	return p.quote(schema) + "." + p.quote(table)
}
func (postgresCatalog) asText(expr string) string { return "(" + expr + ")::text" }

func (trinoCatalog) quote(s string) string { return quoteIdent(s, '"') }
func (t trinoCatalog) tableRef(db, _, table string) string {
	cat, schema, err := t.target(db)
	if err != nil {
		return t.quote(table)
	}
	return t.quote(cat) + "." + t.quote(schema) + "." + t.quote(table)
}
func (trinoCatalog) asText(expr string) string { return "cast(" + expr + " as varchar)" }

// orderable says whether min and max mean something for a column type.
func orderable(typ string) bool {
	t := strings.ToLower(typ)
	for _, no := range []string{"bool", "bit", "blob", "binary", "bytea", "json", "array", "[]", "uuid", "geometry", "map", "row(", "struct"} {
		if strings.Contains(t, no) {
			return false
		}
	}
	for _, yes := range []string{"int", "dec", "num", "float", "double", "real", "date", "time", "char", "text", "string", "money", "serial"} {
		if strings.Contains(t, yes) {
			return true
		}
	}
	return false
}

// Profile reads a sample of the table and summarises each column.
func (c *sqlConnector) Profile(ctx context.Context, req ProfileRequest) (catalog.TableProfiled, error) {
	d, ok := c.eng.(dialect)
	if !ok {
		return catalog.TableProfiled{}, fmt.Errorf("profiling is not supported for this engine")
	}
	if req.SampleRows <= 0 {
		req.SampleRows = 100000
	}
	if req.TopN <= 0 {
		req.TopN = 10
	}
	if req.LowCardinality <= 0 {
		req.LowCardinality = 50
	}
	start := time.Now()
	sample := fmt.Sprintf("(select * from %s limit %d) s", d.tableRef(req.Database, req.Schema, req.Table), req.SampleRows+1)
	var out catalog.TableProfiled
	// One pass for every column: rows, non-null counts, distinct counts, min and max.
	exprs := []string{"count(*)"}
	for _, col := range req.Columns {
		q := d.quote(col.Name)
		exprs = append(exprs, "count("+q+")", "count(distinct "+q+")")
		if orderable(col.Type) && !req.Masked[col.Name] {
			exprs = append(exprs, d.asText("min("+q+")"), d.asText("max("+q+")"))
		}
	}
	var row []any
	if _, err := c.Query(ctx, QueryRequest{SQL: "select " + strings.Join(exprs, ", ") + " from " + sample, MaxRows: 1}, func(r []any) error {
		row = r
		return nil
	}); err != nil {
		return out, err
	}
	if len(row) == 0 {
		return out, fmt.Errorf("profile query returned no row")
	}
	rows := toInt(row[0])
	out.SampleRows = rows
	out.Sampled = rows > int64(req.SampleRows)
	if out.Sampled {
		out.SampleRows = int64(req.SampleRows)
	}
	out.Rows = out.SampleRows
	i := 1
	for _, col := range req.Columns {
		p := catalog.ColumnProfile{Name: col.Name, Masked: req.Masked[col.Name]}
		nonNull, distinct := toInt(row[i]), toInt(row[i+1])
		i += 2
		if rows > 0 {
			p.NullRatio = float64(rows-nonNull) / float64(rows)
		}
		p.DistinctCount = distinct
		if orderable(col.Type) && !p.Masked {
			p.Min, p.Max = toText(row[i]), toText(row[i+1])
			i += 2
		}
		if !p.Masked && distinct > 0 && distinct <= int64(req.LowCardinality) {
			q := d.quote(col.Name)
			_, err := c.Query(ctx, QueryRequest{SQL: fmt.Sprintf("select %s, count(*) from %s group by %s order by 2 desc, 1 limit %d",
				d.asText(q), sample, q, req.TopN), MaxRows: req.TopN}, func(r []any) error {
				v := "NULL"
				if s := toText(r[0]); s != nil {
					v = *s
				}
				p.TopValues = append(p.TopValues, catalog.ValueFreq{Value: v, Count: toInt(r[1])})
				return nil
			})
			if err != nil {
				return out, err
			}
		}
		out.Columns = append(out.Columns, p)
	}
	out.DurationMs = time.Since(start).Milliseconds()
	return out, nil
}

func toInt(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int32:
		return int64(n)
	case int:
		return int64(n)
	case uint64:
		return int64(n)
	case float64:
		return int64(n)
	case string:
		var x int64
		fmt.Sscan(n, &x)
		return x
	}
	return 0
}

func toText(v any) *string {
	if v == nil {
		return nil
	}
	s := fmt.Sprint(v)
	if t, ok := v.(time.Time); ok {
		s = t.Format(time.RFC3339Nano)
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return &s
}
