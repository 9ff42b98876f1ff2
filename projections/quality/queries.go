package quality

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"assetflow/application/page"
	domain "assetflow/domain/quality"
	"assetflow/infrastructure/postgres"
)

// Queries reads rules and results.
type Queries struct{ Pool *pgxpool.Pool }

// Rule is a rule as listed, with its latest check.
type Rule struct {
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	TableID       string            `json:"table_id"`
	Column        string            `json:"column"`
	Type          string            `json:"type"`
	Severity      string            `json:"severity"`
	Schedule      string            `json:"schedule"`
	Enabled       bool              `json:"enabled"`
	Definition    domain.Definition `json:"definition"`
	LastStatus    string            `json:"last_status"`
	LastMetric    *float64          `json:"last_metric"`
	LastCheckedAt *time.Time        `json:"last_checked_at"`
	Incident      string            `json:"incident"`
	CreatedBy     string            `json:"created_by"`
	UpdatedBy     string            `json:"updated_by"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
}

const ruleCols = `id, name, table_id, column_name, type, severity, schedule, enabled, definition::text, last_status, last_metric,
	last_checked_at, incident, created_by, updated_by, created_at, updated_at from quality_rules`

func scanRule(row pgx.CollectableRow) (Rule, error) {
	var r Rule
	var def string
	if err := row.Scan(&r.ID, &r.Name, &r.TableID, &r.Column, &r.Type, &r.Severity, &r.Schedule, &r.Enabled, &def, &r.LastStatus,
		&r.LastMetric, &r.LastCheckedAt, &r.Incident, &r.CreatedBy, &r.UpdatedBy, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return r, err
	}
	return r, json.Unmarshal([]byte(def), &r.Definition)
}

// RuleFilter narrows the list; empty fields match everything. Status is the latest check's
// status, "unchecked" for rules never checked.
type RuleFilter struct {
	Keyword, TableID, Type, Severity, Status string
}

// Rules lists rules, most recently changed first.
func (q Queries) Rules(ctx context.Context, f RuleFilter, p page.Request) (page.Result[Rule], error) {
	var res page.Result[Rule]
	where := ` where ($1 = '' or name ilike '%' || $1 || '%' or column_name ilike '%' || $1 || '%') and ($2 = '' or table_id = $2)
		and ($3 = '' or type = $3) and ($4 = '' or severity = $4) and ($5 = '' or last_status = $5 or ($5 = 'unchecked' and last_status = ''))`
	args := []any{f.Keyword, f.TableID, f.Type, f.Severity, f.Status}
	if err := q.Pool.QueryRow(ctx, `select count(*) from quality_rules`+where, args...).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count quality rules: %w", err)
	}
	rows, err := q.Pool.Query(ctx, `select `+ruleCols+where+` order by updated_at desc, id limit $6 offset $7`, append(args, p.Limit(), p.Offset())...)
	if err != nil {
		return res, fmt.Errorf("list quality rules: %w", err)
	}
	res.Items, err = pgx.CollectRows(rows, scanRule)
	return res, err
}

// Rule returns one rule.
func (q Queries) Rule(ctx context.Context, id string) (Rule, error) {
	return postgres.One(ctx, q.Pool, "quality rule", id, `select `+ruleCols+` where id = $1`, scanRule)
}

// Scheduled lists the enabled rules with a schedule: rule id to cron.
func (q Queries) Scheduled(ctx context.Context) (map[string]string, error) {
	rows, err := q.Pool.Query(ctx, `select id, schedule from quality_rules where enabled and schedule <> ''`)
	if err != nil {
		return nil, fmt.Errorf("scheduled quality rules: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, cron string
		if err := rows.Scan(&id, &cron); err != nil {
			return nil, err
		}
		out[id] = cron
	}
	return out, rows.Err()
}

// AlertOf reads a rule's alert settings; a deleted rule alerts no more.
func (q Queries) AlertOf(ctx context.Context, ruleID string) (*domain.Alert, error) {
	var raw *string
	err := q.Pool.QueryRow(ctx, `select (definition->'alert')::text from quality_rules where id = $1`, ruleID).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && (raw == nil || *raw == "null")) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("quality alert of %s: %w", ruleID, err)
	}
	var a domain.Alert
	return &a, json.Unmarshal([]byte(*raw), &a)
}

// Result is one recorded check.
type Result struct {
	CheckID    string           `json:"check_id"`
	RuleID     string           `json:"rule_id"`
	RuleName   string           `json:"rule_name"`
	TableID    string           `json:"table_id"`
	Column     string           `json:"column"`
	Type       string           `json:"type"`
	Severity   string           `json:"severity"`
	Status     string           `json:"status"`
	Metric     *float64         `json:"metric"`
	Threshold  domain.Threshold `json:"threshold"`
	Rows       *int64           `json:"rows"`
	DurationMs int64            `json:"duration_ms"`
	Samples    json.RawMessage  `json:"samples"`
	Error      string           `json:"error"`
	Trigger    string           `json:"trigger"`
	Previous   string           `json:"previous"`
	Incident   string           `json:"incident"`
	CheckedBy  string           `json:"checked_by"`
	CheckedAt  time.Time        `json:"checked_at"`
}

// ResultFilter narrows the history.
type ResultFilter struct {
	RuleID, TableID, Status string
	From, To                time.Time
}

// Results lists checks, newest first.
func (q Queries) Results(ctx context.Context, f ResultFilter, p page.Request) (page.Result[Result], error) {
	var res page.Result[Result]
	var from, to *time.Time
	if !f.From.IsZero() {
		from = &f.From
	}
	if !f.To.IsZero() {
		to = &f.To
	}
	where := ` where ($1 = '' or rule_id = $1) and ($2 = '' or table_id = $2) and ($3 = '' or status = $3)
		and ($4::timestamptz is null or occurred_at >= $4) and ($5::timestamptz is null or occurred_at < $5)`
	args := []any{f.RuleID, f.TableID, f.Status, from, to}
	if err := q.Pool.QueryRow(ctx, `select count(*) from quality_results`+where, args...).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count quality results: %w", err)
	}
	rows, err := q.Pool.Query(ctx, `select check_id, rule_id, rule_name, table_id, column_name, type, severity, status, metric, threshold::text,
		rows, duration_ms, samples::text, error, trigger, previous, incident, checked_by, occurred_at from quality_results`+where+
		` order by occurred_at desc, check_id limit $6 offset $7`, append(args, p.Limit(), p.Offset())...)
	if err != nil {
		return res, fmt.Errorf("list quality results: %w", err)
	}
	res.Items, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Result, error) {
		var r Result
		var threshold, samples string
		if err := row.Scan(&r.CheckID, &r.RuleID, &r.RuleName, &r.TableID, &r.Column, &r.Type, &r.Severity, &r.Status, &r.Metric, &threshold,
			&r.Rows, &r.DurationMs, &samples, &r.Error, &r.Trigger, &r.Previous, &r.Incident, &r.CheckedBy, &r.CheckedAt); err != nil {
			return r, err
		}
		r.Samples = json.RawMessage(samples)
		return r, json.Unmarshal([]byte(threshold), &r.Threshold)
	})
	return res, err
}

// Score is a table's quality: the weighted share of its enabled, checked rules whose latest
// check passed (critical rules weigh 3, warnings 1), from 0 to 100; nil when nothing was checked.
type Score struct {
	TableID   string   `json:"table_id"`
	Score     *float64 `json:"score"`
	Rules     int      `json:"rules"`
	Passed    int      `json:"passed"`
	Failed    int      `json:"failed"`
	Errored   int      `json:"errored"`
	Unchecked int      `json:"unchecked"`
}

// TableScore scores one table.
func (q Queries) TableScore(ctx context.Context, tableID string) (Score, error) {
	s := Score{TableID: tableID}
	var weighted, weights float64
	err := q.Pool.QueryRow(ctx, `select count(*), count(*) filter (where last_status = 'passed'), count(*) filter (where last_status = 'failed'),
		count(*) filter (where last_status = 'errored'), count(*) filter (where last_status = ''),
		coalesce(sum(case when severity = 'critical' then 3 else 1 end) filter (where last_status = 'passed'), 0),
		coalesce(sum(case when severity = 'critical' then 3 else 1 end) filter (where last_status <> ''), 0)
		from quality_rules where table_id = $1 and enabled`, tableID).Scan(&s.Rules, &s.Passed, &s.Failed, &s.Errored, &s.Unchecked, &weighted, &weights)
	if err != nil {
		return s, fmt.Errorf("quality score: %w", err)
	}
	if weights > 0 {
		v := float64(int(weighted/weights*1000+0.5)) / 10
		s.Score = &v
	}
	return s, nil
}

// Summary counts rules by latest status, for the overview.
type Summary struct {
	Rules     int `json:"rules"`
	Passed    int `json:"passed"`
	Failed    int `json:"failed"`
	Errored   int `json:"errored"`
	Unchecked int `json:"unchecked"`
	Incidents int `json:"incidents"`
}

// Summarise counts every rule.
func (q Queries) Summarise(ctx context.Context) (Summary, error) {
	var s Summary
	err := q.Pool.QueryRow(ctx, `select count(*), count(*) filter (where last_status = 'passed'), count(*) filter (where last_status = 'failed'),
		count(*) filter (where last_status = 'errored'), count(*) filter (where last_status = ''), count(*) filter (where incident <> '')
		from quality_rules`).Scan(&s.Rules, &s.Passed, &s.Failed, &s.Errored, &s.Unchecked, &s.Incidents)
	return s, err
}

// AlertClaims records which alerts were sent, so that each is sent once across replicas.
type AlertClaims struct{ Pool *pgxpool.Pool }

// Claim takes an alert for this replica; false when another took it already.
func (c AlertClaims) Claim(ctx context.Context, key string) (bool, error) {
	tag, err := c.Pool.Exec(ctx, `insert into quality_alert_claims (key) values ($1) on conflict (key) do nothing`, key)
	if err != nil {
		return false, fmt.Errorf("claim alert: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// Release gives an alert back after its delivery failed, so a retry may send it.
func (c AlertClaims) Release(ctx context.Context, key string) error {
	_, err := c.Pool.Exec(ctx, `delete from quality_alert_claims where key = $1`, key)
	return err
}
