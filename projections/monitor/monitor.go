// Package monitor is the read model of the operation log (mutating API requests) and the login log.
package monitor

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"assetflow/application/page"
	"assetflow/domain/access"
	domain "assetflow/domain/monitor"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/postgres"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Name of the projection.
const Name = "monitor"

// Projection maintains monitor_operation_logs and monitor_login_logs.
type Projection struct{}

func (Projection) Name() string       { return Name }
func (Projection) Contexts() []string { return []string{"monitor", "access"} }
func (Projection) Tables() []string {
	return []string{"monitor_operation_logs", "monitor_login_logs", "monitor_replicas"}
}
func (Projection) Migration() postgres.Migration {
	return postgres.Embedded("monitor", migrationFiles)
}

// Apply writes log rows keyed by event id.
func (Projection) Apply(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var err error
	switch e.Type {
	case domain.OperationLogged{}.EventType():
		var v domain.OperationLogged
		if err = json.Unmarshal(e.Payload, &v); err == nil {
			_, err = tx.Exec(ctx, `insert into monitor_operation_logs (event_id, user_id, user_name, method, path, status,
				duration_ms, client_ip, user_agent, summary, occurred_at) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
				on conflict (event_id) do nothing`, e.ID, v.UserID, v.UserName, v.Method, v.Path, v.Status, v.DurationMs,
				v.ClientIP, v.UserAgent, v.Summary, e.OccurredAt)
		}
	case domain.ReplicaHeartbeat{}.EventType():
		var v domain.ReplicaHeartbeat
		if err = json.Unmarshal(e.Payload, &v); err == nil {
			figures, _ := json.Marshal(v.Figures)
			_, err = tx.Exec(ctx, `insert into monitor_replicas (node_id, http_addr, version, started_at, relay_active, figures, last_seen_at)
				values ($1,$2,$3,$4,$5,$6,$7) on conflict (node_id) do update set http_addr=excluded.http_addr, version=excluded.version,
				started_at=excluded.started_at, relay_active=excluded.relay_active, figures=excluded.figures, last_seen_at=excluded.last_seen_at
				where monitor_replicas.last_seen_at <= excluded.last_seen_at`, v.NodeID, v.HTTPAddr, v.Version, v.StartedAt, v.RelayActive, string(figures), e.OccurredAt)
		}
	case access.UserLoggedIn{}.EventType():
		var v access.UserLoggedIn
		if err = json.Unmarshal(e.Payload, &v); err == nil {
			_, err = tx.Exec(ctx, `insert into monitor_login_logs (event_id, user_id, username, success, client_ip, user_agent, occurred_at)
				values ($1,$2,$3,true,$4,$5,$6) on conflict (event_id) do nothing`, e.ID, v.UserID, v.Username, v.ClientIP, v.UserAgent, e.OccurredAt)
		}
	case access.LoginFailed{}.EventType():
		var v access.LoginFailed
		if err = json.Unmarshal(e.Payload, &v); err == nil {
			_, err = tx.Exec(ctx, `insert into monitor_login_logs (event_id, username, success, reason, client_ip, occurred_at)
				values ($1,$2,false,$3,$4,$5) on conflict (event_id) do nothing`, e.ID, v.Username, v.Reason, v.ClientIP, e.OccurredAt)
		}
	}
	if err != nil {
		return fmt.Errorf("apply %s: %w", e.Type, err)
	}
	return nil
}

// Operation is one operation-log row.
type Operation struct {
	ID         string    `json:"id"`
	UserID     string    `json:"userId"`
	UserName   string    `json:"userName"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Status     int       `json:"status"`
	DurationMs int64     `json:"durationMs"`
	ClientIP   string    `json:"clientIp"`
	Summary    string    `json:"summary"`
	OccurredAt time.Time `json:"occurredAt"`
}

// OperationFilter narrows the operation log.
type OperationFilter struct {
	User   string
	Method string
	Status int
	Path   string
	// Module is the first path segment after /api/ (datasources, catalog, dataservice ...).
	Module   string
	IP       string
	From, To time.Time
}

// Queries reads the monitor model.
type Queries struct{ Pool *pgxpool.Pool }

// Operations lists the operation log, newest first.
func (q Queries) Operations(ctx context.Context, f OperationFilter, p page.Request) (page.Result[Operation], error) {
	var res page.Result[Operation]
	var from, to *time.Time
	if !f.From.IsZero() {
		from = &f.From
	}
	if !f.To.IsZero() {
		to = &f.To
	}
	args := []any{f.User, strings.ToUpper(f.Method), f.Status, f.Path, f.Module, f.IP, from, to}
	where := ` where ($1 = '' or user_name = $1 or user_id = $1) and ($2 = '' or method = $2)
		and ($3 = 0 or status = $3) and ($4 = '' or path like '%' || $4 || '%')
		and ($5 = '' or path like '/api/' || $5 || '%') and ($6 = '' or client_ip = $6)
		and ($7::timestamptz is null or occurred_at >= $7) and ($8::timestamptz is null or occurred_at < $8)`
	if err := q.Pool.QueryRow(ctx, `select count(*) from monitor_operation_logs`+where, args...).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count operations: %w", err)
	}
	rows, err := q.Pool.Query(ctx, `select event_id::text, user_id, user_name, method, path, status, duration_ms, client_ip, summary, occurred_at
		from monitor_operation_logs`+where+` order by occurred_at desc, event_id desc limit $9 offset $10`, append(args, p.Limit(), p.Offset())...)
	if err != nil {
		return res, fmt.Errorf("list operations: %w", err)
	}
	res.Items, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Operation])
	return res, err
}

// Replica is a replica's latest heartbeat.
type Replica struct {
	NodeID      string          `json:"node_id"`
	HTTPAddr    string          `json:"http_addr"`
	Version     string          `json:"version"`
	StartedAt   string          `json:"started_at"`
	RelayActive bool            `json:"relay_active"`
	Figures     json.RawMessage `json:"figures"`
	LastSeenAt  time.Time       `json:"last_seen_at"`
	Alive       bool            `json:"alive"`
}

// Replicas lists replicas that reported in the last 10 minutes; alive ones reported in the last 45 s
// (three missed 15 s heartbeats).
func (q Queries) Replicas(ctx context.Context, now time.Time) ([]Replica, error) {
	rows, err := q.Pool.Query(ctx, `select node_id, http_addr, version, started_at, relay_active, coalesce(figures, 'null')::text::bytea, last_seen_at,
		last_seen_at > $1::timestamptz - interval '45 seconds' from monitor_replicas where last_seen_at > $1::timestamptz - interval '10 minutes' order by node_id`, now)
	if err != nil {
		return nil, fmt.Errorf("replicas: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Replica, error) {
		var x Replica
		var figures []byte
		err := r.Scan(&x.NodeID, &x.HTTPAddr, &x.Version, &x.StartedAt, &x.RelayActive, &figures, &x.LastSeenAt, &x.Alive)
		x.Figures = figures
		return x, err
	})
}

// Login is one login-log row.
type Login struct {
	ID         string    `json:"id"`
	UserID     string    `json:"user_id"`
	Username   string    `json:"username"`
	Success    bool      `json:"success"`
	Reason     string    `json:"reason"`
	ClientIP   string    `json:"client_ip"`
	UserAgent  string    `json:"user_agent"`
	OccurredAt time.Time `json:"occurred_at"`
}

// LoginFilter narrows the login log.
type LoginFilter struct {
	User, IP string
	Success  *bool
	From, To time.Time
}

// Logins lists the login log, newest first.
func (q Queries) Logins(ctx context.Context, f LoginFilter, p page.Request) (page.Result[Login], error) {
	var res page.Result[Login]
	var from, to *time.Time
	if !f.From.IsZero() {
		from = &f.From
	}
	if !f.To.IsZero() {
		to = &f.To
	}
	args := []any{f.User, f.IP, f.Success, from, to}
	where := ` where ($1 = '' or username = $1 or user_id = $1) and ($2 = '' or client_ip = $2) and ($3::boolean is null or success = $3)
		and ($4::timestamptz is null or occurred_at >= $4) and ($5::timestamptz is null or occurred_at < $5)`
	if err := q.Pool.QueryRow(ctx, `select count(*) from monitor_login_logs`+where, args...).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count logins: %w", err)
	}
	rows, err := q.Pool.Query(ctx, `select event_id::text, user_id, username, success, reason, client_ip, user_agent, occurred_at from monitor_login_logs`+where+
		` order by occurred_at desc, event_id desc limit $6 offset $7`, append(args, p.Limit(), p.Offset())...)
	if err != nil {
		return res, fmt.Errorf("list logins: %w", err)
	}
	res.Items, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Login])
	return res, err
}

// RecentFailures counts failed sign-ins of a username since a time (lockout).
func (q Queries) RecentFailures(ctx context.Context, username string, since time.Time) (int, time.Time, error) {
	var n int
	var last *time.Time
	err := q.Pool.QueryRow(ctx, `select count(*), max(occurred_at) from monitor_login_logs where username = $1 and not success and occurred_at >= $2
		and occurred_at > coalesce((select max(occurred_at) from monitor_login_logs where username = $1 and success), '-infinity')`, username, since).Scan(&n, &last)
	if last == nil {
		return n, time.Time{}, err
	}
	return n, *last, err
}
