// Package integration is the read model of sync tasks and their runs: status, last and next run,
// progress per run and per table.
package integration

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	appint "assetflow/application/integration"
	"assetflow/application/page"
	domain "assetflow/domain/integration"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/postgres"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Name of the projection.
const Name = "integration"

// Projection maintains integration_tasks, integration_runs and integration_run_tables.
type Projection struct{}

func (Projection) Name() string       { return Name }
func (Projection) Contexts() []string { return []string{"integration"} }
func (Projection) Tables() []string {
	return []string{"integration_tasks", "integration_runs", "integration_run_tables"}
}
func (Projection) Migration() postgres.Migration {
	return postgres.Embedded("integration", migrationFiles)
}

// Apply updates the read model.
func (Projection) Apply(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var err error
	at := e.OccurredAt
	switch e.Type {
	case domain.TaskCreated{}.EventType():
		var v domain.TaskCreated
		if err = json.Unmarshal(e.Payload, &v); err == nil {
			_, err = tx.Exec(ctx, `insert into integration_tasks (id, name, scope, spec, status, schedule, source_datasource_id,
				target_datasource_id, mode, write_mode, owner_id, owner_name, created_at, updated_at)
				values ($1,$2,$3,$4,'active',$5,$6,$7,$8,$9,$10,$11,$12,$12) on conflict (id) do nothing`,
				v.TaskID, v.Spec.Name, v.Spec.Scope, v.Spec, v.Spec.Schedule, v.Spec.SourceDatasourceID, v.Spec.TargetDatasourceID,
				v.Spec.Mode, v.Spec.WriteMode, v.OwnerID, v.OwnerName, at)
		}
	case domain.TaskUpdated{}.EventType():
		var v domain.TaskUpdated
		if err = json.Unmarshal(e.Payload, &v); err == nil {
			_, err = tx.Exec(ctx, `update integration_tasks set name=$2, scope=$3, spec=$4, schedule=$5, source_datasource_id=$6,
				target_datasource_id=$7, mode=$8, write_mode=$9, updated_at=$10 where id=$1`,
				v.TaskID, v.Spec.Name, v.Spec.Scope, v.Spec, v.Spec.Schedule, v.Spec.SourceDatasourceID, v.Spec.TargetDatasourceID,
				v.Spec.Mode, v.Spec.WriteMode, at)
		}
	case domain.TaskPaused{}.EventType():
		_, err = tx.Exec(ctx, `update integration_tasks set status='paused', updated_at=$2 where id=$1`, e.StreamID, at)
	case domain.TaskResumed{}.EventType():
		_, err = tx.Exec(ctx, `update integration_tasks set status='active', updated_at=$2 where id=$1`, e.StreamID, at)
	case domain.TaskDeleted{}.EventType():
		_, err = tx.Exec(ctx, `delete from integration_tasks where id=$1`, e.StreamID)
	case domain.RunRequested{}.EventType():
		var v domain.RunRequested
		if err = json.Unmarshal(e.Payload, &v); err == nil {
			if _, err = tx.Exec(ctx, `insert into integration_runs (id, task_id, task_name, trigger, mode, status, actor_name, started_at, updated_at)
				values ($1,$2,$3,$4,'','queued',$5,$6,$6) on conflict (id) do nothing`, v.RunID, v.TaskID, v.TaskName, v.Trigger, e.Metadata.ActorName, at); err == nil {
				_, err = tx.Exec(ctx, `update integration_tasks set last_run_id=$2, last_run_status='queued', last_run_started_at=$3,
					last_run_finished_at=null where id=$1 and (last_run_started_at is null or last_run_started_at <= $3)`, v.TaskID, v.RunID, at)
			}
		}
	case domain.RunStarted{}.EventType():
		var v domain.RunStarted
		if err = json.Unmarshal(e.Payload, &v); err == nil {
			tables, _ := json.Marshal(v.Tables)
			if _, err = tx.Exec(ctx, `insert into integration_runs (id, task_id, task_name, trigger, mode, status, tables, tables_total,
				actor_name, started_at, updated_at, rows_estimate) values ($1,$2,$3,$4,$5,'running',$6,$7,$8,$9,$9,$10) on conflict (id) do update
				set status='running', mode=excluded.mode, tables=excluded.tables, tables_total=excluded.tables_total, started_at=excluded.started_at,
				updated_at=excluded.updated_at, rows_estimate=excluded.rows_estimate where integration_runs.status='queued'`,
				v.RunID, v.TaskID, v.TaskName, v.Trigger, v.Mode, string(tables), len(v.Tables), e.Metadata.ActorName, at, v.RowsEstimate); err == nil {
				_, err = tx.Exec(ctx, `update integration_tasks set last_run_id=$2, last_run_status='running', last_run_started_at=$3,
					last_run_finished_at=null where id=$1 and (last_run_started_at is null or last_run_started_at <= $3)`, v.TaskID, v.RunID, at)
			}
		}
	case domain.ChunkCommitted{}.EventType():
		var v domain.ChunkCommitted
		if err = json.Unmarshal(e.Payload, &v); err == nil {
			done := 0
			if v.TableDone {
				done = 1
			}
			if _, err = tx.Exec(ctx, `update integration_runs set chunks=chunks+1, rows_read=rows_read+$2, rows_written=rows_written+$3,
				bytes=bytes+$4, tables_done=tables_done+$5, current_table=$6, last_chunk=$7, updated_at=$8 where id=$1`,
				v.RunID, v.RowsRead, v.RowsWritten, v.Bytes, done, v.SourceTable, chunkName(v), at); err == nil {
				added, _ := json.Marshal(nonNil(v.AddedColumns))
				_, err = tx.Exec(ctx, `insert into integration_run_tables (run_id, source_table, target_table, chunks, rows_read, rows_written,
					bytes, watermark, last_key, done, created, added_columns) values ($1,$2,$3,1,$4,$5,$6,$7,$8,$9,$10,$11)
					on conflict (run_id, source_table) do update set chunks=integration_run_tables.chunks+1,
					rows_read=integration_run_tables.rows_read+excluded.rows_read, rows_written=integration_run_tables.rows_written+excluded.rows_written,
					bytes=integration_run_tables.bytes+excluded.bytes, watermark=excluded.watermark, last_key=excluded.last_key,
					done=excluded.done, created=integration_run_tables.created or excluded.created,
					added_columns=integration_run_tables.added_columns || excluded.added_columns`,
					v.RunID, v.SourceTable, v.TargetTable, v.RowsRead, v.RowsWritten, v.Bytes, v.Watermark, v.ToKey, v.TableDone, v.Created, string(added))
			}
		}
	case domain.RunCompleted{}.EventType():
		var v domain.RunCompleted
		if err = json.Unmarshal(e.Payload, &v); err == nil {
			if _, err = tx.Exec(ctx, `update integration_runs set status='succeeded', finished_at=$2, updated_at=$2, current_table=''
				where id=$1 and status='running'`, v.RunID, at); err == nil {
				_, err = tx.Exec(ctx, `update integration_tasks set last_run_status='succeeded', last_run_finished_at=$3
					where id=$1 and last_run_id=$2`, v.TaskID, v.RunID, at)
			}
		}
	case domain.RunFailed{}.EventType():
		var v domain.RunFailed
		if err = json.Unmarshal(e.Payload, &v); err == nil {
			status := "failed"
			if v.Paused {
				status = "paused"
			}
			var tag interface{ RowsAffected() int64 }
			samples, _ := json.Marshal(nonNilRows(v.SampleRows))
			if tag, err = tx.Exec(ctx, `update integration_runs set status=$2, error=$3, failed_table=$4, last_chunk=case when $5 = '' then last_chunk else $5 end,
				finished_at=$6, updated_at=$6, sample_rows=$7 where id=$1 and status in ('running','queued')`, v.RunID, status, v.Reason, v.Table, v.LastChunk, at,
				string(samples)); err == nil && tag.RowsAffected() > 0 {
				_, err = tx.Exec(ctx, `update integration_tasks set last_run_status=$3, last_run_finished_at=$4
					where id=$1 and last_run_id=$2`, v.TaskID, v.RunID, status, at)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("apply %s: %w", e.Type, err)
	}
	return nil
}

func nonNilRows(s []map[string]string) []map[string]string {
	if s == nil {
		return []map[string]string{}
	}
	return s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Task is a task row.
type Task struct {
	ID                 string      `json:"id"`
	Name               string      `json:"name"`
	Scope              string      `json:"scope"`
	Spec               domain.Spec `json:"spec"`
	Status             string      `json:"status"`
	Schedule           string      `json:"schedule"`
	SourceDatasourceID string      `json:"source_datasource_id"`
	TargetDatasourceID string      `json:"target_datasource_id"`
	Mode               string      `json:"mode"`
	WriteMode          string      `json:"write_mode"`
	OwnerID            string      `json:"owner_id"`
	OwnerName          string      `json:"owner_name"`
	CreatedAt          time.Time   `json:"created_at"`
	UpdatedAt          time.Time   `json:"updated_at"`
	LastRunID          *string     `json:"last_run_id"`
	LastRunStatus      *string     `json:"last_run_status"`
	LastRunStartedAt   *time.Time  `json:"last_run_started_at"`
	LastRunFinishedAt  *time.Time  `json:"last_run_finished_at"`
	// NextRunAt is filled by the caller from the schedule.
	NextRunAt *time.Time `json:"next_run_at"`
}

const taskCols = `id, name, scope, spec, status, schedule, source_datasource_id, target_datasource_id, mode, write_mode,
	owner_id, owner_name, created_at, updated_at, last_run_id, last_run_status, last_run_started_at, last_run_finished_at, null::timestamptz
	from integration_tasks`

// TaskFilter narrows the task list.
type TaskFilter struct {
	Keyword string
	Scope   string
	Status  string
}

// Queries reads the model.
type Queries struct{ Pool *pgxpool.Pool }

// Tasks returns a page of tasks by name.
func (q Queries) Tasks(ctx context.Context, f TaskFilter, p page.Request) (page.Result[Task], error) {
	var res page.Result[Task]
	where := ` where ($1 = '' or name ilike '%' || $1 || '%') and ($2 = '' or scope = $2) and ($3 = '' or status = $3)`
	if err := q.Pool.QueryRow(ctx, `select count(*) from integration_tasks`+where, f.Keyword, f.Scope, f.Status).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count sync tasks: %w", err)
	}
	rows, err := q.Pool.Query(ctx, `select `+taskCols+where+` order by lower(name), id limit $4 offset $5`, f.Keyword, f.Scope, f.Status, p.Limit(), p.Offset())
	if err != nil {
		return res, fmt.Errorf("list sync tasks: %w", err)
	}
	res.Items, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Task])
	return res, err
}

// Task returns one task.
func (q Queries) Task(ctx context.Context, id string) (Task, error) {
	return postgres.One(ctx, q.Pool, "sync task", id, `select `+taskCols+` where id = $1`, pgx.RowToStructByPos[Task])
}

// ScheduledTasks lists active tasks with a schedule.
func (q Queries) ScheduledTasks(ctx context.Context) ([]Task, error) {
	rows, err := q.Pool.Query(ctx, `select `+taskCols+` where status = 'active' and schedule <> '' order by id`)
	if err != nil {
		return nil, fmt.Errorf("scheduled sync tasks: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Task])
}

// UsagesOf names the tasks that read from or write to a datasource.
func (q Queries) UsagesOf(ctx context.Context, datasourceID string) ([]string, error) {
	rows, err := q.Pool.Query(ctx, `select 'sync task ' || name from integration_tasks
		where source_datasource_id = $1 or target_datasource_id = $1 order by lower(name)`, datasourceID)
	if err != nil {
		return nil, fmt.Errorf("sync tasks of a datasource: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Run is a run row with its progress.
type Run struct {
	ID           string     `json:"id"`
	TaskID       string     `json:"task_id"`
	TaskName     string     `json:"task_name"`
	Trigger      string     `json:"trigger"`
	Mode         string     `json:"mode"`
	Status       string     `json:"status"`
	Tables       []string   `json:"tables"`
	TablesTotal  int        `json:"tables_total"`
	TablesDone   int        `json:"tables_done"`
	Chunks       int        `json:"chunks"`
	RowsRead     int64      `json:"rows_read"`
	RowsWritten  int64      `json:"rows_written"`
	RowsEstimate int64      `json:"rows_estimate"`
	Bytes        int64      `json:"bytes"`
	CurrentTable string     `json:"current_table"`
	Error        string     `json:"error"`
	FailedTable  string     `json:"failed_table"`
	LastChunk    string     `json:"last_chunk"`
	ActorName    string     `json:"actor_name"`
	StartedAt    time.Time  `json:"started_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	FinishedAt   *time.Time `json:"finished_at"`
	DurationMs   int64      `json:"duration_ms"`
	RowsPerSec   float64    `json:"rows_per_sec"`
	// SampleRows are rows the target refused (column → value), when it said which.
	SampleRows []map[string]string `json:"sample_rows"`
	// Progress is tables done over tables total, or rows written over the estimate while a full
	// run runs, 0..1.
	Progress float64 `json:"progress"`
	// Details lists the run's tables (one run only).
	Details []RunTable `json:"details,omitempty"`
}

// RunTable is one table of a run.
type RunTable struct {
	SourceTable  string   `json:"source_table"`
	TargetTable  string   `json:"target_table"`
	Chunks       int      `json:"chunks"`
	RowsRead     int64    `json:"rows_read"`
	RowsWritten  int64    `json:"rows_written"`
	Bytes        int64    `json:"bytes"`
	Watermark    string   `json:"watermark"`
	LastKey      string   `json:"last_key"`
	Done         bool     `json:"done"`
	Created      bool     `json:"created"`
	AddedColumns []string `json:"added_columns"`
}

const runCols = `id, task_id, task_name, trigger, mode, status, tables, tables_total, tables_done, chunks, rows_read, rows_written, rows_estimate, bytes,
	current_table, error, failed_table, last_chunk, actor_name, started_at, updated_at, finished_at, sample_rows from integration_runs`

func scanRun(row pgx.CollectableRow) (Run, error) {
	var r Run
	err := row.Scan(&r.ID, &r.TaskID, &r.TaskName, &r.Trigger, &r.Mode, &r.Status, &r.Tables, &r.TablesTotal, &r.TablesDone, &r.Chunks,
		&r.RowsRead, &r.RowsWritten, &r.RowsEstimate, &r.Bytes, &r.CurrentTable, &r.Error, &r.FailedTable, &r.LastChunk, &r.ActorName, &r.StartedAt, &r.UpdatedAt, &r.FinishedAt, &r.SampleRows)
	end := r.UpdatedAt
	if r.FinishedAt != nil {
		end = *r.FinishedAt
	} else if r.Status == "running" {
		end = time.Now()
	}
	if d := end.Sub(r.StartedAt); d > 0 {
		r.DurationMs = d.Milliseconds()
		r.RowsPerSec = float64(r.RowsWritten) / d.Seconds()
	}
	if r.TablesTotal > 0 {
		r.Progress = float64(r.TablesDone) / float64(r.TablesTotal)
	}
	if r.Status == "running" && r.RowsEstimate > 0 {
		// Rows are the finer measure while running; estimates are rough, so never claim the end.
		r.Progress = max(r.Progress, min(0.99, float64(r.RowsWritten)/float64(r.RowsEstimate)))
	}
	if r.Status == "succeeded" {
		r.Progress = 1
	}
	if r.Tables == nil {
		r.Tables = []string{}
	}
	return r, err
}

// Runs returns a page of runs, newest first; taskID "" lists every task's.
func (q Queries) Runs(ctx context.Context, taskID, status string, p page.Request) (page.Result[Run], error) {
	var res page.Result[Run]
	where := ` where ($1 = '' or task_id = $1) and ($2 = '' or status = $2)`
	if err := q.Pool.QueryRow(ctx, `select count(*) from integration_runs`+where, taskID, status).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count sync runs: %w", err)
	}
	rows, err := q.Pool.Query(ctx, `select `+runCols+where+` order by started_at desc, id limit $3 offset $4`, taskID, status, p.Limit(), p.Offset())
	if err != nil {
		return res, fmt.Errorf("list sync runs: %w", err)
	}
	res.Items, err = pgx.CollectRows(rows, scanRun)
	return res, err
}

// Run returns one run with its tables.
func (q Queries) Run(ctx context.Context, id string) (Run, error) {
	r, err := postgres.One(ctx, q.Pool, "sync run", id, `select `+runCols+` where id = $1`, scanRun)
	if err != nil {
		return r, err
	}
	rows, err := q.Pool.Query(ctx, `select source_table, target_table, chunks, rows_read, rows_written, bytes, watermark, last_key, done,
		created, added_columns from integration_run_tables where run_id = $1 order by source_table`, id)
	if err != nil {
		return r, fmt.Errorf("sync run tables: %w", err)
	}
	r.Details, err = pgx.CollectRows(rows, pgx.RowToStructByPos[RunTable])
	if r.Details == nil {
		r.Details = []RunTable{}
	}
	return r, err
}

// RunningRuns lists the ids of a task's runs still shown as running.
func (q Queries) RunningRuns(ctx context.Context, taskID string) ([]string, error) {
	rows, err := q.Pool.Query(ctx, `select id from integration_runs where task_id = $1 and status = 'running'`, taskID)
	if err != nil {
		return nil, fmt.Errorf("running sync runs: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// SilentRuns lists runs still shown as running whose last progress is older than since.
func (q Queries) SilentRuns(ctx context.Context, since time.Time) ([]appint.RunRef, error) {
	rows, err := q.Pool.Query(ctx, `select id, task_id from integration_runs where status in ('running','queued') and updated_at < $1`, since)
	if err != nil {
		return nil, fmt.Errorf("silent sync runs: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[appint.RunRef])
}

// QueuedRuns lists a task's runs requested since a time and not started yet.
func (q Queries) QueuedRuns(ctx context.Context, taskID string, since time.Time) ([]string, error) {
	rows, err := q.Pool.Query(ctx, `select id from integration_runs where task_id = $1 and status = 'queued' and started_at >= $2`, taskID, since)
	if err != nil {
		return nil, fmt.Errorf("queued sync runs: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// chunkName names a chunk as runs report their last one: "table#n", or "table#split-k/n#c".
func chunkName(v domain.ChunkCommitted) string {
	if v.Split != "" {
		return fmt.Sprintf("%s#split-%s#%d", v.SourceTable, v.Split, v.Chunk)
	}
	return fmt.Sprintf("%s#%d", v.SourceTable, v.Chunk)
}
