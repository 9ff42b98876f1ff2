// Package audit is the audit-log read model: one row per event of every context, with who did it,
// from where and when.
package audit

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
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/postgres"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Name of the projection.
const Name = "audit"

// Projection writes audit_events.
type Projection struct{}

func (Projection) Name() string       { return Name }
func (Projection) Contexts() []string { return nil }
func (Projection) Tables() []string   { return []string{"audit_events"} }
func (Projection) Migration() postgres.Migration {
	return postgres.Embedded("audit", migrationFiles)
}

// Skipped are high-volume facts with a read model of their own (the report API call log); the
// audit log keeps every change and every human action.
var Skipped = map[string]bool{"dataservice.interface_called": true, "dataservice.calls_recorded": true, "monitor.replica_heartbeat": true, "access.sessions_seen": true}

// Skips tells the runner to pass over the Skipped facts.
func (Projection) Skips(eventType string) bool { return Skipped[eventType] }

// Apply records the event; the event id is the row key, so a repeat is a no-op.
func (Projection) Apply(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	if Skipped[e.Type] {
		return nil
	}
	_, err := tx.Exec(ctx, `insert into audit_events (event_id, position, stream_id, stream_type, version, type,
		schema_version, actor_id, actor_name, client_ip, correlation_id, occurred_at, payload)
		values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) on conflict (event_id) do nothing`,
		e.ID, e.Position, e.StreamID, e.StreamType, e.Version, e.Type, e.SchemaVersion, e.Metadata.ActorID,
		e.Metadata.ActorName, e.Metadata.ClientIP, e.Metadata.CorrelationID, e.OccurredAt, string(e.Payload))
	if err != nil {
		return fmt.Errorf("insert audit event: %w", err)
	}
	return nil
}

// Entry is one audit row.
type Entry struct {
	ID            string          `json:"id"`
	Position      int64           `json:"position"`
	StreamID      string          `json:"streamId"`
	StreamType    string          `json:"streamType"`
	Version       int             `json:"version"`
	Type          string          `json:"type"`
	SchemaVersion int             `json:"schemaVersion"`
	ActorID       string          `json:"actorId"`
	ActorName     string          `json:"actorName"`
	ClientIP      string          `json:"clientIp"`
	CorrelationID string          `json:"correlationId"`
	OccurredAt    time.Time       `json:"occurredAt"`
	Payload       json.RawMessage `json:"payload"`
}

// Filter narrows a listing. Type accepts a trailing '*' as a prefix wildcard ("access.*").
type Filter struct {
	Type   string
	Actor  string
	Stream string
	From   time.Time
	To     time.Time
}

// Queries reads the audit model.
type Queries struct{ Pool *pgxpool.Pool }

func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, fmt.Sprintf(cond, len(args)))
	}
	if f.Type != "" {
		if strings.HasSuffix(f.Type, "*") {
			add("type like $%d", strings.TrimSuffix(f.Type, "*")+"%")
		} else {
			add("type = $%d", f.Type)
		}
	}
	if f.Actor != "" {
		add("(actor_name ilike $%d or actor_id = "+"$%[1]d)", f.Actor)
	}
	if f.Stream != "" {
		add("stream_id = $%d", f.Stream)
	}
	if !f.From.IsZero() {
		add("occurred_at >= $%d", f.From)
	}
	if !f.To.IsZero() {
		add("occurred_at < $%d", f.To)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " where " + strings.Join(conds, " and "), args
}

// List returns a page of entries, newest first.
func (q Queries) List(ctx context.Context, f Filter, p page.Request) (page.Result[Entry], error) {
	where, args := f.where()
	var res page.Result[Entry]
	if err := q.Pool.QueryRow(ctx, "select count(*) from audit_events"+where, args...).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count audit events: %w", err)
	}
	args = append(args, p.Limit(), p.Offset())
	rows, err := q.Pool.Query(ctx, fmt.Sprintf(`select event_id::text, position, stream_id, stream_type, version, type,
		schema_version, actor_id, actor_name, client_ip, correlation_id, occurred_at, payload::text
		from audit_events%s order by occurred_at desc, position desc limit $%d offset $%d`, where, len(args)-1, len(args)), args...)
	if err != nil {
		return res, fmt.Errorf("list audit events: %w", err)
	}
	defer rows.Close()
	res.Items = []Entry{}
	for rows.Next() {
		var e Entry
		var payload string
		if err := rows.Scan(&e.ID, &e.Position, &e.StreamID, &e.StreamType, &e.Version, &e.Type, &e.SchemaVersion,
			&e.ActorID, &e.ActorName, &e.ClientIP, &e.CorrelationID, &e.OccurredAt, &payload); err != nil {
			return res, fmt.Errorf("scan audit event: %w", err)
		}
		e.Payload = json.RawMessage(payload)
		e.OccurredAt = e.OccurredAt.UTC()
		res.Items = append(res.Items, e)
	}
	return res, rows.Err()
}

// Types lists the event types seen so far.
func (q Queries) Types(ctx context.Context) ([]string, error) {
	rows, err := q.Pool.Query(ctx, `select distinct type from audit_events order by type`)
	if err != nil {
		return nil, fmt.Errorf("list event types: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// DayCount is the number of events on one day (UTC).
type DayCount struct {
	Day   string `json:"day"`
	Count int64  `json:"count"`
}

// TypeCount is the number of events of one type.
type TypeCount struct {
	Type  string `json:"type"`
	Count int64  `json:"count"`
}

// Stats summarises activity for the dashboard.
type Stats struct {
	Total  int64       `json:"events"`
	Today  int64       `json:"eventsToday"`
	ByDay  []DayCount  `json:"eventsByDay"`
	ByType []TypeCount `json:"eventsByType"`
}

// Stats counts events overall, today and per day over the last `days` days ending at now.
func (q Queries) Stats(ctx context.Context, now time.Time, days int) (Stats, error) {
	var s Stats
	today := now.UTC().Truncate(24 * time.Hour)
	start := today.AddDate(0, 0, -(days - 1))
	if err := q.Pool.QueryRow(ctx, `select count(*), count(*) filter (where occurred_at >= $1) from audit_events`, today).Scan(&s.Total, &s.Today); err != nil {
		return s, fmt.Errorf("count events: %w", err)
	}
	rows, err := q.Pool.Query(ctx, `select to_char(d, 'YYYY-MM-DD'), count(a.event_id)
		from generate_series($1::timestamptz, $2::timestamptz, interval '1 day') d
		left join audit_events a on a.occurred_at >= d and a.occurred_at < d + interval '1 day'
		group by d order by d`, start, today)
	if err != nil {
		return s, fmt.Errorf("events by day: %w", err)
	}
	s.ByDay, err = pgx.CollectRows(rows, pgx.RowToStructByPos[DayCount])
	if err != nil {
		return s, fmt.Errorf("events by day: %w", err)
	}
	rows, err = q.Pool.Query(ctx, `select type, count(*) from audit_events group by type order by count(*) desc, type limit 12`)
	if err != nil {
		return s, fmt.Errorf("events by type: %w", err)
	}
	s.ByType, err = pgx.CollectRows(rows, pgx.RowToStructByPos[TypeCount])
	if err != nil {
		return s, fmt.Errorf("events by type: %w", err)
	}
	return s, nil
}
