package connectors

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"assetflow/domain/quality"
)

// The quality dialect: bound parameters, numbers, regular expressions and timestamp ages differ
// per engine.
func (postgresCatalog) asNumber(expr string) string { return "(" + expr + ")::double precision" }
func (postgresCatalog) matches(expr, pattern string) string {
	return expr + " ~ " + pattern
}
func (postgresCatalog) ageSeconds(expr string) string {
	return "extract(epoch from (now() - (" + expr + ")::timestamptz))"
}

func (mysqlCatalog) asNumber(expr string) string         { return "(" + expr + ")" }
func (mysqlCatalog) matches(expr, pattern string) string { return expr + " regexp " + pattern }
func (mysqlCatalog) ageSeconds(expr string) string {
	return "timestampdiff(second, " + expr + ", now())"
}

func (trinoCatalog) placeholder(int) string      { return "?" }
func (trinoCatalog) asNumber(expr string) string { return "cast(" + expr + " as double)" }
func (trinoCatalog) matches(expr, pattern string) string {
	return "regexp_like(" + expr + ", " + pattern + ")"
}
func (trinoCatalog) ageSeconds(expr string) string {
	return "date_diff('second', cast(" + expr + " as timestamp with time zone), current_timestamp)"
}

type qualityDialect interface {
	dialect
	placeholder(n int) string
	asNumber(expr string) string
	matches(expr, pattern string) string
	ageSeconds(expr string) string
}

// measureQuery is one rule's SQL: aggregates that give the metric in one row, and the predicate
// that picks offending rows for samples ("" when rows cannot offend one by one).
type measureQuery struct {
	from      string
	selects   []string
	args      []any
	predicate string
	// metric turns the aggregate row into the metric; rows is the examined row count (-1 unknown).
	metric func(row []any) (*float64, int64, error)
}

// Measure computes a quality metric in the database: aggregate SQL only, one row back, plus at
// most spec.Samples offending rows when the metric is a count of them.
func (c *sqlConnector) Measure(ctx context.Context, spec quality.MeasureSpec) (quality.Measurement, error) {
	d, ok := c.eng.(qualityDialect)
	if !ok {
		return quality.Measurement{}, fmt.Errorf("quality checks are not supported for this engine")
	}
	if spec.Timeout <= 0 {
		spec.Timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, spec.Timeout)
	defer cancel()
	if spec.Kind == quality.CustomSQL {
		return c.measureCustom(ctx, spec)
	}
	if spec.Kind == quality.Aggregates {
		return c.measureAggregates(ctx, d, spec)
	}
	q, err := buildMeasure(d, spec)
	if err != nil {
		return quality.Measurement{}, err
	}
	var row []any
	if _, err := c.Query(ctx, QueryRequest{SQL: "select " + strings.Join(q.selects, ", ") + " from " + q.from, Args: q.args,
		MaxRows: 1, Timeout: spec.Timeout}, func(r []any) error {
		row = r
		return nil
	}); err != nil {
		return quality.Measurement{}, err
	}
	if len(row) == 0 {
		return quality.Measurement{}, fmt.Errorf("the check query returned no row")
	}
	metric, rows, err := q.metric(row)
	if err != nil {
		return quality.Measurement{}, err
	}
	out := quality.Measurement{Metric: metric}
	if rows >= 0 {
		out.Rows = &rows
	}
	return out, nil
}

// Samples reads up to spec.Samples offending rows of a failed check.
func (c *sqlConnector) Samples(ctx context.Context, spec quality.MeasureSpec) ([]quality.Sample, error) {
	d, ok := c.eng.(qualityDialect)
	if !ok || spec.Samples <= 0 || len(spec.SampleColumns) == 0 {
		return nil, nil
	}
	if spec.Kind == quality.CustomSQL || spec.Kind == quality.Aggregates {
		return nil, nil
	}
	q, err := buildMeasure(d, spec)
	if err != nil || q.predicate == "" {
		return nil, err
	}
	cols := make([]string, len(spec.SampleColumns))
	for i, name := range spec.SampleColumns {
		cols[i] = "s." + d.quote(name)
	}
	var out []quality.Sample
	_, err = c.Query(ctx, QueryRequest{SQL: "select " + strings.Join(cols, ", ") + " from " + q.from + " where " + q.predicate +
		" limit " + strconv.Itoa(spec.Samples), Args: q.args, MaxRows: spec.Samples, Timeout: spec.Timeout}, func(r []any) error {
		s := quality.Sample{}
		for i, name := range spec.SampleColumns {
			s[name] = sampleValue(r[i])
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

func sampleValue(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case []byte:
		return *toText(string(x))
	case string:
		return *toText(x)
	case int64, int32, int, float64, float32, bool:
		return x
	}
	return *toText(v)
}

func buildMeasure(d qualityDialect, spec quality.MeasureSpec) (measureQuery, error) {
	from := d.tableRef(spec.Database, spec.Schema, spec.Table) + " s"
	if spec.Params.SampleRows > 0 {
		from = fmt.Sprintf("(select * from %s limit %d) s", d.tableRef(spec.Database, spec.Schema, spec.Table), spec.Params.SampleRows)
	}
	col := "s." + d.quote(spec.Column)
	q := measureQuery{from: from}
	// violations: count(*) and count of rows matching the predicate; the metric is the count.
	violations := func(pred string) {
		q.predicate = pred
		q.selects = []string{"count(*)", "count(case when " + pred + " then 1 end)"}
		q.metric = func(row []any) (*float64, int64, error) {
			n, bad := toInt(row[0]), float64(toInt(row[1]))
			return &bad, n, nil
		}
	}
	p := spec.Params
	switch spec.Kind {
	case quality.RowCount:
		q.selects = []string{"count(*)"}
		q.metric = func(row []any) (*float64, int64, error) {
			n := toInt(row[0])
			m := float64(n)
			return &m, n, nil
		}
	case quality.NullRate:
		q.predicate = col + " is null"
		q.selects = []string{"count(*)", "count(" + col + ")"}
		q.metric = func(row []any) (*float64, int64, error) {
			n, nonNull := toInt(row[0]), toInt(row[1])
			rate := 0.0
			if n > 0 {
				rate = float64(n-nonNull) / float64(n)
			}
			return &rate, n, nil
		}
	case quality.Unique:
		// The metric is the number of rows repeating an earlier value; samples show the values
		// that repeat.
		q.predicate = col + " in (select " + d.quote(spec.Column) + " from " + d.tableRef(spec.Database, spec.Schema, spec.Table) +
			" group by " + d.quote(spec.Column) + " having count(*) > 1)"
		q.selects = []string{"count(*)", "count(" + col + ")", "count(distinct " + col + ")"}
		q.metric = func(row []any) (*float64, int64, error) {
			dup := float64(toInt(row[1]) - toInt(row[2]))
			return &dup, toInt(row[0]), nil
		}
	case quality.Range:
		var parts []string
		if p.Min != nil {
			q.args = append(q.args, *p.Min)
			parts = append(parts, d.asNumber(col)+" < "+d.placeholder(len(q.args)))
		}
		if p.Max != nil {
			q.args = append(q.args, *p.Max)
			parts = append(parts, d.asNumber(col)+" > "+d.placeholder(len(q.args)))
		}
		violations(col + " is not null and (" + strings.Join(parts, " or ") + ")")
	case quality.AllowedValues:
		phs := make([]string, len(p.Values))
		for i, v := range p.Values {
			q.args = append(q.args, v)
			phs[i] = d.placeholder(len(q.args))
		}
		violations(col + " is not null and " + d.asText(col) + " not in (" + strings.Join(phs, ", ") + ")")
	case quality.Regex:
		q.args = append(q.args, p.Pattern)
		violations(col + " is not null and not (" + d.matches(d.asText(col), d.placeholder(1)) + ")")
	case quality.Referential:
		ref := d.tableRef(spec.Ref.Database, spec.Ref.Schema, spec.Ref.Table)
		violations(col + " is not null and not exists (select 1 from " + ref + " r where r." + d.quote(p.RefColumn) + " = " + col + ")")
	case quality.Freshness:
		q.selects = []string{"count(*)", d.ageSeconds("max(" + col + ")")}
		q.metric = func(row []any) (*float64, int64, error) {
			if row[1] == nil {
				return nil, toInt(row[0]), fmt.Errorf("the column has no timestamp to measure freshness from")
			}
			age, err := toFloat(row[1])
			return &age, toInt(row[0]), err
		}
	default:
		return q, fmt.Errorf("rule type %q is not measured by the database", spec.Kind)
	}
	return q, nil
}

// measureCustom runs a user's read-only SQL; its first column of its first row is the metric.
func (c *sqlConnector) measureCustom(ctx context.Context, spec quality.MeasureSpec) (quality.Measurement, error) {
	// Unqualified names resolve where the table lives: its schema (PostgreSQL) or database, on
	// engines that can switch per statement (Trino SQL names its catalog and schema itself).
	where := spec.Schema
	if where == "" {
		where = spec.Database
	}
	if _, ok := c.eng.(databaseSwitcher); !ok {
		where = ""
	}
	var row []any
	if _, err := c.Query(ctx, QueryRequest{SQL: spec.Params.SQL, MaxRows: 1, Timeout: spec.Timeout, Database: where}, func(r []any) error {
		row = r
		return nil
	}); err != nil {
		return quality.Measurement{}, err
	}
	if len(row) == 0 {
		return quality.Measurement{}, fmt.Errorf("the SQL returned no row")
	}
	if row[0] == nil {
		return quality.Measurement{}, fmt.Errorf("the SQL returned NULL, not a number")
	}
	m, err := toFloat(row[0])
	if err != nil {
		return quality.Measurement{}, fmt.Errorf("the SQL's first column is not a number: %w", err)
	}
	return quality.Measurement{Metric: &m}, nil
}

// measureAggregates reads the row count and, per compared column, the non-null count, the distinct
// count, the minimum, the maximum and (for numbers) the sum: what reconciliation compares.
func (c *sqlConnector) measureAggregates(ctx context.Context, d qualityDialect, spec quality.MeasureSpec) (quality.Measurement, error) {
	from := d.tableRef(spec.Database, spec.Schema, spec.Table)
	names := []string{"rows"}
	exprs := []string{d.asText("count(*)")}
	for _, name := range spec.Params.Compare {
		q := d.quote(name)
		names = append(names, name+".count", name+".distinct", name+".min", name+".max")
		exprs = append(exprs, d.asText("count("+q+")"), d.asText("count(distinct "+q+")"), d.asText("min("+q+")"), d.asText("max("+q+")"))
	}
	var row []any
	if _, err := c.Query(ctx, QueryRequest{SQL: "select " + strings.Join(exprs, ", ") + " from " + from, MaxRows: 1, Timeout: spec.Timeout}, func(r []any) error {
		row = r
		return nil
	}); err != nil {
		return quality.Measurement{}, err
	}
	if len(row) != len(names) {
		return quality.Measurement{}, fmt.Errorf("the aggregate query returned no row")
	}
	out := quality.Measurement{Values: map[string]*string{}}
	for i, n := range names {
		out.Values[n] = toText(row[i])
	}
	rows := toInt(row[0])
	out.Rows = &rows
	return out, nil
}

func toFloat(v any) (float64, error) {
	switch n := v.(type) {
	case float64:
		return n, nil
	case float32:
		return float64(n), nil
	case int64:
		return float64(n), nil
	case int32:
		return float64(n), nil
	case int:
		return float64(n), nil
	case uint64:
		return float64(n), nil
	case []byte:
		return strconv.ParseFloat(strings.TrimSpace(string(n)), 64)
	case string:
		return strconv.ParseFloat(strings.TrimSpace(n), 64)
	}
	return strconv.ParseFloat(fmt.Sprint(v), 64)
}
