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
	return []string{"monitor_operation_logs", "monitor_login_logs"}
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
}

// Queries reads the monitor model.
type Queries struct{ Pool *pgxpool.Pool }

// Operations lists the operation log, newest first.
func (q Queries) Operations(ctx context.Context, f OperationFilter, p page.Request) (page.Result[Operation], error) {
	var res page.Result[Operation]
	args := []any{f.User, strings.ToUpper(f.Method), f.Status, f.Path}
	where := ` where ($1 = '' or user_name = $1 or user_id = $1) and ($2 = '' or method = $2)
		and ($3 = 0 or status = $3) and ($4 = '' or path like '%' || $4 || '%')`
	if err := q.Pool.QueryRow(ctx, `select count(*) from monitor_operation_logs`+where, args...).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count operations: %w", err)
	}
	rows, err := q.Pool.Query(ctx, `select event_id::text, user_id, user_name, method, path, status, duration_ms, client_ip, summary, occurred_at
		from monitor_operation_logs`+where+` order by occurred_at desc, event_id desc limit $5 offset $6`, append(args, p.Limit(), p.Offset())...)
	if err != nil {
		return res, fmt.Errorf("list operations: %w", err)
	}
	res.Items, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Operation])
	return res, err
}
