// Package dataservice is the read model of the query log.
package dataservice

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"assetflow/application/page"
	domain "assetflow/domain/dataservice"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/postgres"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Name of the projection.
const Name = "dataservice"

// Projection maintains the query log, exports, reports, interfaces and the report-API call log.
type Projection struct{}

func (Projection) Name() string       { return Name }
func (Projection) Contexts() []string { return []string{"dataservice"} }
func (Projection) Tables() []string {
	return []string{"dataservice_query_log", "dataservice_exports", "dataservice_reports", "dataservice_interfaces", "dataservice_calls"}
}
func (Projection) Migration() postgres.Migration {
	return postgres.Embedded("dataservice", migrationFiles)
}

// Apply writes one log row per execution (keyed by event id) and tracks background exports.
func (Projection) Apply(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	switch e.Type {
	case domain.InterfaceCreated{}.EventType(), domain.InterfaceUpdated{}.EventType():
		var v domain.InterfaceCreated // both carry the definition
		if err := json.Unmarshal(e.Payload, &v); err != nil {
			return fmt.Errorf("decode %s: %w", e.Type, err)
		}
		d := v.Definition
		def, _ := json.Marshal(d)
		_, err := tx.Exec(ctx, `insert into dataservice_interfaces (code, version, status, name, description, report_id, datasource_id, method,
			visibility, definition, created_by, updated_by, created_at, updated_at) values ($1,$2,'draft',$3,$4,$5,$6,$7,$8,$9,$10,$10,$11,$11)
			on conflict (code, version) do update set name=excluded.name, description=excluded.description, report_id=excluded.report_id,
			datasource_id=excluded.datasource_id, method=excluded.method, visibility=excluded.visibility, definition=excluded.definition,
			updated_by=excluded.updated_by, updated_at=excluded.updated_at`,
			d.Code, d.Version, d.Name, d.Description, d.ReportID, d.DatasourceID, d.Method, d.Visibility, string(def), e.Metadata.ActorName, e.OccurredAt)
		return err
	case domain.InterfaceStatusChanged{}.EventType():
		var v domain.InterfaceStatusChanged
		if err := json.Unmarshal(e.Payload, &v); err != nil {
			return fmt.Errorf("decode %s: %w", e.Type, err)
		}
		if v.Status == "deleted" {
			_, err := tx.Exec(ctx, `delete from dataservice_interfaces where code=$1 and version=$2`, v.Code, v.Version)
			return err
		}
		_, err := tx.Exec(ctx, `update dataservice_interfaces set status=$3, updated_by=$4, updated_at=$5 where code=$1 and version=$2`,
			v.Code, v.Version, v.Status, e.Metadata.ActorName, e.OccurredAt)
		return err
	case domain.ReportSaved{}.EventType():
		var v domain.ReportSaved
		if err := json.Unmarshal(e.Payload, &v); err != nil {
			return fmt.Errorf("decode %s: %w", e.Type, err)
		}
		_, err := tx.Exec(ctx, `insert into dataservice_reports (id, name, description, owner, created_at, updated_at) values ($1,$2,$3,$4,$5,$5)
			on conflict (id) do update set name=excluded.name, description=excluded.description, owner=excluded.owner, updated_at=excluded.updated_at`,
			v.ReportID, v.Name, v.Description, v.Owner, e.OccurredAt)
		return err
	case domain.ReportDeleted{}.EventType():
		_, err := tx.Exec(ctx, `delete from dataservice_reports where id=$1`, e.StreamID)
		return err
	case domain.InterfaceCalled{}.EventType():
		var v domain.InterfaceCalled
		if err := json.Unmarshal(e.Payload, &v); err != nil {
			return fmt.Errorf("decode %s: %w", e.Type, err)
		}
		params := string(v.Params)
		if params == "" {
			params = "null"
		}
		_, err := tx.Exec(ctx, `insert into dataservice_calls (event_id, code, version, caller_id, caller_name, client_ip, params, status, error_code,
			error, rows, latency_ms, cache_hit, execute, occurred_at) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
			on conflict (event_id) do nothing`, e.ID, v.Code, v.Version, v.CallerID, v.CallerName, v.ClientIP, params, v.Status,
			v.ErrorCode, v.Error, v.Rows, v.LatencyMs, v.CacheHit, v.Execute, e.OccurredAt)
		return err
	case domain.CallsRecorded{}.EventType():
		var v domain.CallsRecorded
		if err := json.Unmarshal(e.Payload, &v); err != nil {
			return fmt.Errorf("decode %s: %w", e.Type, err)
		}
		eventID, err := uuid.Parse(e.ID)
		if err != nil {
			return fmt.Errorf("event id %q: %w", e.ID, err)
		}
		return insertCalls(ctx, tx, eventID, v)
	case domain.ExportStarted{}.EventType():
		var v domain.ExportStarted
		if err := json.Unmarshal(e.Payload, &v); err != nil {
			return fmt.Errorf("decode %s: %w", e.Type, err)
		}
		_, err := tx.Exec(ctx, `insert into dataservice_exports (id, user_id, user_name, datasource_id, sql, max_rows, status, started_at)
			values ($1,$2,$3,$4,$5,$6,'running',$7) on conflict (id) do update set user_id=excluded.user_id, user_name=excluded.user_name,
			datasource_id=excluded.datasource_id, sql=excluded.sql, max_rows=excluded.max_rows, started_at=excluded.started_at`,
			v.ExportID, v.UserID, v.UserName, v.DatasourceID, v.SQL, v.MaxRows, e.OccurredAt)
		return err
	case domain.ExportFinished{}.EventType():
		var v domain.ExportFinished
		if err := json.Unmarshal(e.Payload, &v); err != nil {
			return fmt.Errorf("decode %s: %w", e.Type, err)
		}
		_, err := tx.Exec(ctx, `insert into dataservice_exports (id, user_id, status, rows, bytes, error, finished_at) values ($1,'',$2,$3,$4,$5,$6)
			on conflict (id) do update set status=excluded.status, rows=excluded.rows, bytes=excluded.bytes, error=excluded.error,
			finished_at=excluded.finished_at`, v.ExportID, v.Status, v.Rows, v.Bytes, v.Error, e.OccurredAt)
		return err
	}
	if e.Type != (domain.QueryExecuted{}).EventType() {
		return nil
	}
	var v domain.QueryExecuted
	if err := json.Unmarshal(e.Payload, &v); err != nil {
		return fmt.Errorf("decode %s: %w", e.Type, err)
	}
	params, _ := json.Marshal(v.Params)
	_, err := tx.Exec(ctx, `insert into dataservice_query_log (event_id, query_id, user_id, user_name, datasource_id, datasource_name,
		database, sql, rendered_sql, params, status, duration_ms, rows, error, export, occurred_at)
		values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) on conflict (event_id) do nothing`,
		e.ID, v.QueryID, v.UserID, v.UserName, v.DatasourceID, v.DatasourceName, v.Database, v.SQL, v.RenderedSQL, string(params),
		v.Status, v.DurationMs, v.Rows, v.Error, v.Export, e.OccurredAt)
	if err != nil {
		return fmt.Errorf("insert query log: %w", err)
	}
	return nil
}

// Entry is one logged execution.
type Entry struct {
	ID             string          `json:"id"`
	QueryID        string          `json:"query_id"`
	OccurredAt     time.Time       `json:"occurred_at"`
	UserID         string          `json:"user_id"`
	UserName       string          `json:"user_name"`
	DatasourceID   string          `json:"datasource_id"`
	DatasourceName string          `json:"datasource_name"`
	Database       string          `json:"database"`
	SQL            string          `json:"sql"`
	RenderedSQL    string          `json:"rendered_sql"`
	Params         json.RawMessage `json:"params"`
	Status         string          `json:"status"`
	DurationMs     int64           `json:"duration_ms"`
	Rows           int             `json:"rows"`
	Error          string          `json:"error"`
	Export         bool            `json:"export"`
}

// Filter narrows the log; UserID "" means everyone (admins).
type Filter struct {
	UserID, User, DatasourceID, Status, Q string
	From, To                              time.Time
}

// Queries reads the log.
type Queries struct{ Pool *pgxpool.Pool }

// List returns a page of the log, newest first.
func (q Queries) List(ctx context.Context, f Filter, p page.Request) (page.Result[Entry], error) {
	var res page.Result[Entry]
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.UserID != "" {
		add("user_id = ?", f.UserID)
	}
	if f.User != "" {
		add("(user_name = ? or user_id = ?)", f.User)
	}
	if f.DatasourceID != "" {
		add("datasource_id = ?", f.DatasourceID)
	}
	if f.Status != "" {
		add("status = ?", f.Status)
	}
	if f.Q != "" {
		add("sql ilike '%' || ? || '%'", f.Q)
	}
	if !f.From.IsZero() {
		add("occurred_at >= ?", f.From)
	}
	if !f.To.IsZero() {
		add("occurred_at < ?", f.To)
	}
	where := ""
	if len(conds) > 0 {
		where = " where " + strings.Join(conds, " and ")
	}
	if err := q.Pool.QueryRow(ctx, `select count(*) from dataservice_query_log`+where, args...).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count query log: %w", err)
	}
	n := len(args)
	rows, err := q.Pool.Query(ctx, `select event_id::text, query_id, occurred_at, user_id, user_name, datasource_id, datasource_name, database,
		sql, rendered_sql, coalesce(params, 'null'::jsonb)::text::bytea, status, duration_ms, rows, error, export from dataservice_query_log`+where+
		fmt.Sprintf(` order by occurred_at desc, event_id desc limit $%d offset $%d`, n+1, n+2), append(args, p.Limit(), p.Offset())...)
	if err != nil {
		return res, fmt.Errorf("list query log: %w", err)
	}
	res.Items, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) {
		var e Entry
		var params []byte
		err := r.Scan(&e.ID, &e.QueryID, &e.OccurredAt, &e.UserID, &e.UserName, &e.DatasourceID, &e.DatasourceName, &e.Database,
			&e.SQL, &e.RenderedSQL, &params, &e.Status, &e.DurationMs, &e.Rows, &e.Error, &e.Export)
		e.Params = params
		return e, err
	})
	return res, err
}

// ExportJob is a background export.
type ExportJob struct {
	ID           string     `json:"id"`
	UserID       string     `json:"user_id"`
	UserName     string     `json:"user_name"`
	DatasourceID string     `json:"datasource_id"`
	SQL          string     `json:"sql"`
	MaxRows      int        `json:"max_rows"`
	Status       string     `json:"status"`
	Rows         int        `json:"rows"`
	Bytes        int64      `json:"bytes"`
	Error        string     `json:"error"`
	StartedAt    *time.Time `json:"started_at"`
	FinishedAt   *time.Time `json:"finished_at"`
}

const exportCols = `id, user_id, user_name, datasource_id, sql, max_rows, status, rows, bytes, error, started_at, finished_at from dataservice_exports`

// Export returns one export job.
func (q Queries) Export(ctx context.Context, id string) (ExportJob, error) {
	return postgres.One(ctx, q.Pool, "export", id, `select `+exportCols+` where id = $1`, pgx.RowToStructByPos[ExportJob])
}

// Exports lists export jobs, newest first; userID "" lists everyone's.
func (q Queries) Exports(ctx context.Context, userID string, p page.Request) (page.Result[ExportJob], error) {
	var res page.Result[ExportJob]
	if err := q.Pool.QueryRow(ctx, `select count(*) from dataservice_exports where $1 = '' or user_id = $1`, userID).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count exports: %w", err)
	}
	rows, err := q.Pool.Query(ctx, `select `+exportCols+` where $1 = '' or user_id = $1 order by started_at desc nulls last limit $2 offset $3`,
		userID, p.Limit(), p.Offset())
	if err != nil {
		return res, fmt.Errorf("list exports: %w", err)
	}
	res.Items, err = pgx.CollectRows(rows, pgx.RowToStructByPos[ExportJob])
	return res, err
}

var callColumns = []string{"event_id", "code", "version", "caller_id", "caller_name", "client_ip", "params", "status", "error_code",
	"error", "rows", "latency_ms", "cache_hit", "execute", "occurred_at"}

// insertCalls writes a batch of gateway calls with COPY: one round trip and no statement per row,
// the cheapest way into the table. A batch some of whose calls are stored already (a replay over
// kept rows) fails COPY on the key; it is then written, inside a savepoint, by an insert that
// passes over the calls already there.
func insertCalls(ctx context.Context, tx pgx.Tx, eventID uuid.UUID, batch domain.CallsRecorded) error {
	rows := make([][]any, 0, batch.Len())
	err := batch.Each(eventID, func(c domain.RecordedCall) error {
		id, err := uuid.Parse(c.CallID)
		if err != nil {
			return fmt.Errorf("call id %q: %w", c.CallID, err)
		}
		var params any
		if len(c.Params) > 0 && string(c.Params) != "null" {
			params = string(c.Params)
		}
		rows = append(rows, []any{pgtype.UUID{Bytes: id, Valid: true}, c.Code, c.Version, c.CallerID, c.CallerName, c.ClientIP, params,
			int32(c.Status), c.ErrorCode, c.Error, int32(c.Rows), c.LatencyMs, c.CacheHit, c.Execute, c.At})
		return nil
	})
	if err != nil {
		return fmt.Errorf("calls of event %s: %w", eventID, err)
	}
	sp, err := tx.Begin(ctx)
	if err != nil {
		return err
	}
	_, err = sp.CopyFrom(ctx, pgx.Identifier{"dataservice_calls"}, callColumns, pgx.CopyFromRows(rows))
	if err == nil {
		return sp.Commit(ctx)
	}
	if rerr := sp.Rollback(ctx); rerr != nil {
		return rerr
	}
	if !postgres.IsUniqueViolation(err) {
		return fmt.Errorf("copy calls: %w", err)
	}
	cols := make([]any, len(callColumns)) // the batch as one array per column
	for j := range cols {
		col := make([]any, len(rows))
		for i, r := range rows {
			col[i] = r[j]
		}
		cols[j] = col
	}
	_, err = tx.Exec(ctx, `insert into dataservice_calls (`+strings.Join(callColumns, ", ")+`)
		select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::int[], $9::text[],
			$10::text[], $11::int[], $12::float8[], $13::bool[], $14::text[], $15::timestamptz[])
		on conflict (event_id) do nothing`, cols...)
	if err != nil {
		return fmt.Errorf("insert calls: %w", err)
	}
	return nil
}
