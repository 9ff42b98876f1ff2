package dataservice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	appdsvc "assetflow/application/dataservice"
	"assetflow/application/page"
	domain "assetflow/domain/dataservice"
	"assetflow/domain/fault"
)

// InterfaceRow is one version of a report API as listed.
type InterfaceRow struct {
	Code         string            `json:"code"`
	Version      string            `json:"version"`
	Status       string            `json:"status"`
	Name         string            `json:"name"`
	Description  string            `json:"description"`
	ReportID     string            `json:"report_id"`
	ReportName   string            `json:"report_name"`
	DatasourceID string            `json:"datasource_id"`
	Method       string            `json:"method"`
	Visibility   string            `json:"visibility"`
	Path         string            `json:"path"`
	Definition   domain.Definition `json:"definition"`
	CreatedBy    string            `json:"created_by"`
	UpdatedBy    string            `json:"updated_by"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

const ifaceCols = `i.code, i.version, i.status, i.name, i.description, i.report_id, coalesce(r.name, ''), i.datasource_id, i.method,
	i.visibility, i.definition::text, i.created_by, i.updated_by, i.created_at, i.updated_at
	from dataservice_interfaces i left join dataservice_reports r on r.id = i.report_id`

func scanIface(row pgx.CollectableRow) (InterfaceRow, error) {
	var r InterfaceRow
	var def string
	if err := row.Scan(&r.Code, &r.Version, &r.Status, &r.Name, &r.Description, &r.ReportID, &r.ReportName, &r.DatasourceID, &r.Method,
		&r.Visibility, &def, &r.CreatedBy, &r.UpdatedBy, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return r, err
	}
	r.Path = "/data-api/" + r.Code
	return r, json.Unmarshal([]byte(def), &r.Definition)
}

// InterfaceFilter narrows the list.
type InterfaceFilter struct {
	Keyword, Status, ReportID, DatasourceID string
}

// Interfaces lists versions, newest change first.
func (q Queries) Interfaces(ctx context.Context, f InterfaceFilter, p page.Request) (page.Result[InterfaceRow], error) {
	var res page.Result[InterfaceRow]
	where := ` where ($1 = '' or i.code ilike '%' || $1 || '%' or i.name ilike '%' || $1 || '%' or i.description ilike '%' || $1 || '%')
		and ($2 = '' or i.status = $2) and ($3 = '' or i.report_id = $3) and ($4 = '' or i.datasource_id = $4)`
	args := []any{f.Keyword, f.Status, f.ReportID, f.DatasourceID}
	if err := q.Pool.QueryRow(ctx, `select count(*) from dataservice_interfaces i`+where, args...).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count interfaces: %w", err)
	}
	rows, err := q.Pool.Query(ctx, `select `+ifaceCols+where+` order by i.updated_at desc, i.code, i.version limit $5 offset $6`,
		append(args, p.Limit(), p.Offset())...)
	if err != nil {
		return res, fmt.Errorf("list interfaces: %w", err)
	}
	res.Items, err = pgx.CollectRows(rows, scanIface)
	return res, err
}

// Versions lists every version of a code, highest first.
func (q Queries) Versions(ctx context.Context, code string) ([]InterfaceRow, error) {
	rows, err := q.Pool.Query(ctx, `select `+ifaceCols+` where i.code = $1
		order by string_to_array(i.version, '.')::int[] desc`, code)
	if err != nil {
		return nil, fmt.Errorf("interface versions: %w", err)
	}
	return pgx.CollectRows(rows, scanIface)
}

// Interface returns one version; version "" means the version callers get: the highest active
// one, else the highest.
func (q Queries) Interface(ctx context.Context, code, version string) (InterfaceRow, error) {
	vs, err := q.Versions(ctx, code)
	if err != nil {
		return InterfaceRow{}, err
	}
	for _, v := range vs {
		if v.Version == version || (version == "" && v.Status == "active") {
			return v, nil
		}
	}
	if version == "" && len(vs) > 0 {
		return vs[0], nil
	}
	return InterfaceRow{}, fault.NotFound("interface", code+"@"+version)
}

// Report is a report (报表) grouping interfaces.
type Report struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	Description    string    `json:"description"`
	Owner          string    `json:"owner"`
	InterfaceCount int64     `json:"interface_count"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Reports lists reports by name.
func (q Queries) Reports(ctx context.Context) ([]Report, error) {
	rows, err := q.Pool.Query(ctx, `select r.id, r.name, r.description, r.owner,
		(select count(distinct code) from dataservice_interfaces i where i.report_id = r.id), r.created_at, r.updated_at
		from dataservice_reports r order by r.name`)
	if err != nil {
		return nil, fmt.Errorf("list reports: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Report])
}

// ReportExists reports whether a report exists and how many interfaces it holds.
func (q Queries) ReportExists(ctx context.Context, id string) (bool, int64, error) {
	var n int64
	err := q.Pool.QueryRow(ctx, `select (select count(*) from dataservice_interfaces where report_id = $1) from dataservice_reports where id = $1`, id).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, 0, nil
	}
	return err == nil, n, err
}

// Call is one logged gateway call.
type Call struct {
	ID         string          `json:"id"`
	Code       string          `json:"code"`
	Version    string          `json:"version"`
	CallerID   string          `json:"caller_id"`
	CallerName string          `json:"caller_name"`
	ClientIP   string          `json:"client_ip"`
	Params     json.RawMessage `json:"params"`
	Status     int             `json:"status"`
	ErrorCode  string          `json:"error_code"`
	Error      string          `json:"error"`
	Rows       int             `json:"rows"`
	LatencyMs  float64         `json:"latency_ms"`
	CacheHit   bool            `json:"cache_hit"`
	Execute    string          `json:"execute"`
	OccurredAt time.Time       `json:"occurred_at"`
}

// CallFilter narrows the call log.
type CallFilter struct {
	Code, Caller string
	Status       int // 0 any; 1 success (2xx); 2 errors (>= 400)
	From, To     time.Time
}

// Calls lists the call log, newest first.
func (q Queries) Calls(ctx context.Context, f CallFilter, p page.Request) (page.Result[Call], error) {
	var res page.Result[Call]
	where := ` where ($1 = '' or code = $1) and ($2 = '' or caller_name = $2 or caller_id = $2)
		and ($3 = 0 or ($3 = 1 and status < 400) or ($3 = 2 and status >= 400))
		and ($4::timestamptz is null or occurred_at >= $4) and ($5::timestamptz is null or occurred_at < $5)`
	var from, to *time.Time
	if !f.From.IsZero() {
		from = &f.From
	}
	if !f.To.IsZero() {
		to = &f.To
	}
	args := []any{f.Code, f.Caller, f.Status, from, to}
	if err := q.Pool.QueryRow(ctx, `select count(*) from dataservice_calls`+where, args...).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count calls: %w", err)
	}
	rows, err := q.Pool.Query(ctx, `select event_id::text, code, version, caller_id, caller_name, client_ip, coalesce(params, 'null')::text::bytea, status,
		error_code, error, rows, latency_ms, cache_hit, execute, occurred_at from dataservice_calls`+where+
		` order by occurred_at desc, event_id desc limit $6 offset $7`, append(args, p.Limit(), p.Offset())...)
	if err != nil {
		return res, fmt.Errorf("list calls: %w", err)
	}
	res.Items, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Call, error) {
		var c Call
		var params []byte
		err := r.Scan(&c.ID, &c.Code, &c.Version, &c.CallerID, &c.CallerName, &c.ClientIP, &params, &c.Status, &c.ErrorCode, &c.Error,
			&c.Rows, &c.LatencyMs, &c.CacheHit, &c.Execute, &c.OccurredAt)
		c.Params = params
		return c, err
	})
	return res, err
}

// MetricPoint is one interval of an interface's traffic.
type MetricPoint struct {
	At     time.Time `json:"at"`
	Calls  int64     `json:"calls"`
	Errors int64     `json:"errors"` // server errors (5xx), what alarms count
	// ClientErrors are refused calls (4xx: bad parameters, no access, rate limit).
	ClientErrors int64   `json:"client_errors"`
	QPS          float64 `json:"qps"`
	ErrorRate    float64 `json:"error_rate"`
	P95Ms        float64 `json:"p95_ms"`
	CacheHits    int64   `json:"cache_hits"`
	AvgLatency   float64 `json:"avg_ms"`
}

// Metrics aggregates an interface's calls (all interfaces when code is "") per step over a window.
func (q Queries) Metrics(ctx context.Context, code string, from, to time.Time, step time.Duration) ([]MetricPoint, error) {
	rows, err := q.Pool.Query(ctx, `select to_timestamp(floor(extract(epoch from occurred_at) / $4) * $4) as at,
		count(*), count(*) filter (where status >= 500), count(*) filter (where status >= 400 and status < 500),
		percentile_cont(0.95) within group (order by latency_ms), count(*) filter (where cache_hit), avg(latency_ms)
		from dataservice_calls where ($1 = '' or code = $1) and occurred_at >= $2 and occurred_at < $3
		group by 1 order by 1`, code, from, to, step.Seconds())
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (MetricPoint, error) {
		var m MetricPoint
		err := r.Scan(&m.At, &m.Calls, &m.Errors, &m.ClientErrors, &m.P95Ms, &m.CacheHits, &m.AvgLatency)
		m.QPS = float64(m.Calls) / step.Seconds()
		if m.Calls > 0 {
			m.ErrorRate = float64(m.Errors) / float64(m.Calls)
		}
		m.At = m.At.UTC()
		return m, err
	})
}

// AlarmedDefinitions lists the versions callers reach whose definitions configure an alarm.
func (q Queries) AlarmedDefinitions(ctx context.Context) ([]domain.Definition, error) {
	rows, err := q.Pool.Query(ctx, `select distinct on (code) definition::text from dataservice_interfaces
		where status = 'active' and definition->'alarm'->>'webhook_url' <> ''
		order by code, string_to_array(version, '.')::int[] desc`)
	if err != nil {
		return nil, fmt.Errorf("alarmed interfaces: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Definition, error) {
		var raw string
		var d domain.Definition
		if err := r.Scan(&raw); err != nil {
			return d, err
		}
		return d, json.Unmarshal([]byte(raw), &d)
	})
}

// WindowStats summarises an interface's calls since a time.
func (q Queries) WindowStats(ctx context.Context, code string, since time.Time) (appdsvc.WindowStats, error) {
	var s appdsvc.WindowStats
	var p95 *float64
	err := q.Pool.QueryRow(ctx, `select count(*), count(*) filter (where status >= 500), percentile_cont(0.95) within group (order by latency_ms)
		from dataservice_calls where code = $1 and occurred_at >= $2`, code, since).Scan(&s.Calls, &s.Errors, &p95)
	if p95 != nil {
		s.P95Ms = *p95
	}
	if s.Calls > 0 {
		s.ErrorRate = float64(s.Errors) / float64(s.Calls)
	}
	return s, err
}
