// Package datasource is the read model of registered datasources and their latest connection test.
package datasource

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"assetflow/application/page"
	domain "assetflow/domain/datasource"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/postgres"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Name of the projection.
const Name = "datasource"

// Projection maintains datasources and datasource_tests.
type Projection struct{}

func (Projection) Name() string       { return Name }
func (Projection) Contexts() []string { return []string{"datasource"} }
func (Projection) Tables() []string   { return []string{"datasources", "datasource_tests"} }
func (Projection) Migration() postgres.Migration {
	return postgres.Embedded("datasource", migrationFiles)
}

// Apply updates the read model.
func (Projection) Apply(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var err error
	at := e.OccurredAt
	switch e.Type {
	case domain.Registered{}.EventType():
		var v domain.Registered
		if err = json.Unmarshal(e.Payload, &v); err == nil {
			params, _ := json.Marshal(v.Params)
			_, err = tx.Exec(ctx, `insert into datasources (id, name, type, host, port, database, username, params, tls_mode, description,
				owner_id, owner_name, created_at, updated_at, allow_writes, query_timeout_seconds, max_rows)
				values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13,$14,$15,$16) on conflict (id) do nothing`,
				v.ID, v.Name, string(v.Type), v.Host, v.Port, v.Database, v.Username, string(params), v.TLSMode, v.Description, v.OwnerID, v.OwnerName, at,
				v.AllowWrites, querySeconds(v.Config), maxRows(v.Config))
		}
	case domain.Updated{}.EventType():
		var v domain.Updated
		if err = json.Unmarshal(e.Payload, &v); err == nil {
			params, _ := json.Marshal(v.Params)
			_, err = tx.Exec(ctx, `update datasources set name=$2, host=$3, port=$4, database=$5, username=$6, params=$7, tls_mode=$8,
				description=$9, updated_at=$10, allow_writes=$11, query_timeout_seconds=$12, max_rows=$13 where id=$1`,
				v.ID, v.Name, v.Host, v.Port, v.Database, v.Username, string(params), v.TLSMode, v.Description, at,
				v.AllowWrites, querySeconds(v.Config), maxRows(v.Config))
		}
	case domain.CredentialsRotated{}.EventType():
		var v domain.CredentialsRotated
		if err = json.Unmarshal(e.Payload, &v); err == nil {
			var pwAt *time.Time
			if !v.Cleared {
				pwAt = &at
			}
			_, err = tx.Exec(ctx, `update datasources set password_at=$2, updated_at=greatest(updated_at, $3) where id=$1`, e.StreamID, pwAt, at)
		}
	case domain.Removed{}.EventType():
		if _, err = tx.Exec(ctx, `delete from datasources where id=$1`, e.StreamID); err == nil {
			_, err = tx.Exec(ctx, `delete from datasource_tests where datasource_id=$1`, e.StreamID)
		}
	case domain.ConnectionTested{}.EventType():
		var v domain.ConnectionTested
		if err = json.Unmarshal(e.Payload, &v); err == nil {
			_, err = tx.Exec(ctx, `insert into datasource_tests (datasource_id, ok, version, latency_ms, error, error_kind, tested_at)
				values ($1,$2,$3,$4,$5,$6,$7) on conflict (datasource_id) do update set ok=excluded.ok, version=excluded.version,
				latency_ms=excluded.latency_ms, error=excluded.error, error_kind=excluded.error_kind, tested_at=excluded.tested_at
				where datasource_tests.tested_at <= excluded.tested_at`, v.DatasourceID, v.OK, v.Version, v.LatencyMs, v.Error, v.ErrorKind, at)
		}
	}
	if err != nil {
		return fmt.Errorf("apply %s: %w", e.Type, err)
	}
	return nil
}

// Events written before the query settings existed carry zeros: read them as the defaults.
func querySeconds(c domain.Config) int {
	if c.QueryTimeoutSeconds == 0 {
		return domain.DefaultQueryTimeoutSeconds
	}
	return c.QueryTimeoutSeconds
}

func maxRows(c domain.Config) int {
	if c.MaxRows == 0 {
		return domain.DefaultMaxRows
	}
	return c.MaxRows
}

// LastTest is the latest connection test.
type LastTest struct {
	OK        bool      `json:"ok"`
	Version   string    `json:"version"`
	LatencyMs int64     `json:"latency_ms"`
	Error     string    `json:"error"`
	ErrorKind string    `json:"error_kind"`
	TestedAt  time.Time `json:"tested_at"`
}

// Datasource is a datasource row; the password is never part of it.
type Datasource struct {
	ID                  string            `json:"id"`
	Name                string            `json:"name"`
	Type                string            `json:"type"`
	Host                string            `json:"host"`
	Port                int               `json:"port"`
	Database            string            `json:"database"`
	Username            string            `json:"username"`
	Params              map[string]string `json:"params"`
	TLSMode             string            `json:"tls_mode"`
	Description         string            `json:"description"`
	AllowWrites         bool              `json:"allow_writes"`
	QueryTimeoutSeconds int               `json:"query_timeout_seconds"`
	MaxRows             int               `json:"max_rows"`
	PasswordSet         bool              `json:"password_set"`
	OwnerID             string            `json:"owner_id"`
	OwnerName           string            `json:"owner_name"`
	CreatedAt           time.Time         `json:"created_at"`
	UpdatedAt           time.Time         `json:"updated_at"`
	LastTest            *LastTest         `json:"last_test"`
}

// Filter narrows the list.
type Filter struct {
	Keyword string
	Type    string
}

// Queries reads the model.
type Queries struct{ Pool *pgxpool.Pool }

const cols = `d.id, d.name, d.type, d.host, d.port, d.database, d.username, d.params, d.tls_mode, d.description,
	d.allow_writes, d.query_timeout_seconds, d.max_rows,
	d.password_at is not null, d.owner_id, d.owner_name, d.created_at, d.updated_at,
	t.ok, t.version, t.latency_ms, t.error, t.error_kind, t.tested_at
	from datasources d left join datasource_tests t on t.datasource_id = d.id`

func scan(row pgx.CollectableRow) (Datasource, error) {
	var d Datasource
	var ok *bool
	var version, errMsg, errKind *string
	var latency *int64
	var tested *time.Time
	if err := row.Scan(&d.ID, &d.Name, &d.Type, &d.Host, &d.Port, &d.Database, &d.Username, &d.Params, &d.TLSMode, &d.Description,
		&d.AllowWrites, &d.QueryTimeoutSeconds, &d.MaxRows,
		&d.PasswordSet, &d.OwnerID, &d.OwnerName, &d.CreatedAt, &d.UpdatedAt, &ok, &version, &latency, &errMsg, &errKind, &tested); err != nil {
		return d, err
	}
	if ok != nil {
		d.LastTest = &LastTest{OK: *ok, Version: *version, LatencyMs: *latency, Error: *errMsg, ErrorKind: *errKind, TestedAt: tested.UTC()}
	}
	return d, nil
}

// Get returns one datasource.
func (q Queries) Get(ctx context.Context, id string) (Datasource, error) {
	return postgres.One(ctx, q.Pool, "datasource", id, `select `+cols+` where d.id = $1`, scan)
}

// List returns a page of datasources by name.
func (q Queries) List(ctx context.Context, f Filter, p page.Request) (page.Result[Datasource], error) {
	var res page.Result[Datasource]
	where := ` where ($1 = '' or d.name ilike '%' || $1 || '%' or d.host ilike '%' || $1 || '%' or d.database ilike '%' || $1 || '%')
		and ($2 = '' or d.type = $2)`
	if err := q.Pool.QueryRow(ctx, `select count(*) from datasources d`+where, f.Keyword, f.Type).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count datasources: %w", err)
	}
	rows, err := q.Pool.Query(ctx, `select `+cols+where+` order by lower(d.name) limit $3 offset $4`, f.Keyword, f.Type, p.Limit(), p.Offset())
	if err != nil {
		return res, fmt.Errorf("list datasources: %w", err)
	}
	res.Items, err = pgx.CollectRows(rows, scan)
	return res, err
}

// Count returns the number of datasources (dashboard).
func (q Queries) Count(ctx context.Context) (int64, error) {
	var n int64
	err := q.Pool.QueryRow(ctx, `select count(*) from datasources`).Scan(&n)
	return n, err
}
