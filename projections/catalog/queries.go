package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	appcat "assetflow/application/catalog"
	"assetflow/application/page"
	domain "assetflow/domain/catalog"
	"assetflow/domain/fault"
	"assetflow/infrastructure/postgres"
)

// Queries reads the catalog model.
type Queries struct{ Pool *pgxpool.Pool }

// Table is a catalog entry.
type Table struct {
	ID              string          `json:"id"`
	DatasourceID    string          `json:"datasource_id"`
	DatasourceName  string          `json:"datasource_name"`
	Database        string          `json:"database"`
	Schema          string          `json:"schema"`
	Name            string          `json:"name"`
	Comment         string          `json:"comment"`
	Type            string          `json:"type"`
	Description     string          `json:"description"`
	Owner           string          `json:"owner"`
	Tags            []string        `json:"tags"`
	CategoryID      string          `json:"category_id"`
	CategoryName    string          `json:"category_name"`
	Rows            *int64          `json:"rows"`
	SizeBytes       *int64          `json:"size_bytes"`
	ColumnCount     int             `json:"column_count"`
	SourceCreatedAt *time.Time      `json:"source_created_at"`
	SourceUpdatedAt *time.Time      `json:"source_updated_at"`
	FirstSyncedAt   *time.Time      `json:"first_synced_at"`
	LastSyncedAt    *time.Time      `json:"last_synced_at"`
	LastChangedAt   time.Time       `json:"last_changed_at"`
	CollectedBy     string          `json:"collected_by"`
	UpdatedBy       string          `json:"updated_by"`
	Status          string          `json:"status"` // active | dropped | deleted
	Manual          bool            `json:"manual"`
	Profile         json.RawMessage `json:"profile"`
	ProfiledAt      *time.Time      `json:"profiled_at"`
}

// Column is a catalog column.
type Column struct {
	Order        int      `json:"order"`
	Name         string   `json:"name"`
	Type         string   `json:"type"`
	Comment      string   `json:"comment"`
	PrimaryKey   bool     `json:"primary_key"`
	Nullable     bool     `json:"nullable"`
	Default      *string  `json:"default"`
	Tags         []string `json:"tags"`
	CategoryID   string   `json:"category_id"`
	CategoryName string   `json:"category_name"`
	// Mask is the data-permission mask the caller reads this column through ("" for none).
	Mask string `json:"mask,omitempty"`
}

const tableCols = `t.id, t.datasource_id, t.datasource_name, t.database, t.schema, t.name, t.comment, t.type, t.description, t.owner,
	array(select x from unnest(t.tags) x where exists (select 1 from catalog_tags g where g.name = x)),
	coalesce(cat.id, ''), coalesce(cat.name, ''), t.rows, t.size_bytes, t.column_count, t.source_created_at, t.source_updated_at,
	t.first_synced_at,
	case when t.dropped then t.own_synced_at else greatest(t.own_synced_at, ds.synced_at, ts.synced_at) end,
	t.last_changed_at, t.collected_by, t.updated_by,
	case when t.deleted then 'deleted' when t.dropped then 'dropped' else 'active' end, t.manual,
	case when t.profile is null then null else t.profile::text end, t.profiled_at
	from catalog_tables t
	left join catalog_categories cat on cat.id = t.category_id
	left join catalog_db_syncs ds on ds.datasource_id = t.datasource_id and ds.database = t.database
	left join catalog_table_syncs ts on ts.table_id = t.id`

func scanTable(r pgx.CollectableRow) (Table, error) {
	var t Table
	var profile *string
	err := r.Scan(&t.ID, &t.DatasourceID, &t.DatasourceName, &t.Database, &t.Schema, &t.Name, &t.Comment, &t.Type, &t.Description,
		&t.Owner, &t.Tags, &t.CategoryID, &t.CategoryName, &t.Rows, &t.SizeBytes, &t.ColumnCount, &t.SourceCreatedAt, &t.SourceUpdatedAt,
		&t.FirstSyncedAt, &t.LastSyncedAt, &t.LastChangedAt, &t.CollectedBy, &t.UpdatedBy, &t.Status, &t.Manual, &profile, &t.ProfiledAt)
	if profile != nil {
		t.Profile = json.RawMessage(*profile)
	}
	return t, err
}

// TableFilter narrows the catalog. Times compare with the table's creation (source, else first
// sync) and last change (source, else catalog).
type TableFilter struct {
	Name, Database, DatasourceID, Tag, CategoryID, Q string
	CreatedFrom, CreatedTo, UpdatedFrom, UpdatedTo   time.Time
	Status                                           string // "" = active and dropped; "all"; or one status
	// Viewer, when set, limits the catalog to what a restricted user may see.
	Viewer *Viewer
}

// Viewer is a restricted user: their id and their grant subjects ("user:<id>", "role:<name>").
type Viewer struct {
	UserID   string
	Subjects []string
}

// visible is the condition under which a restricted viewer sees catalog table t (arguments $u and
// $s): tables of datasources they own; tables whose most specific table-or-wider grant allows
// them (a deny of query on the same level wins); tables with a column granted to them. It reads
// the access read model (access_grants) and the datasource read model beside the catalog.
const visible = `(t.datasource_id in (select d.id from datasources d where d.owner_id = $u)
	or coalesce((select g.effect from access_grants g where (g.subject_type || ':' || g.subject) = any($s)
		and (g.expires_at is null or g.expires_at > now()) and g.datasource_id = t.datasource_id and g.col = ''
		and (g.db = '' or g.db = t.schema or g.db = t.database) and (g.tbl = '' or g.tbl = t.name)
		and (g.effect = 'allow' or g.privilege = 'query')
		order by g.depth desc, g.effect = 'deny' desc limit 1), 'deny') = 'allow'
	or exists (select 1 from access_grants g where (g.subject_type || ':' || g.subject) = any($s)
		and (g.expires_at is null or g.expires_at > now()) and g.datasource_id = t.datasource_id and g.col <> ''
		and (g.db = t.schema or g.db = t.database) and g.tbl = t.name and g.effect = 'allow'))`

// visibleTo renders the condition with its arguments numbered from n+1.
func visibleTo(v *Viewer, n int) (string, []any) {
	cond := strings.ReplaceAll(strings.ReplaceAll(visible, "$u", fmt.Sprintf("$%d", n+1)), "$s", fmt.Sprintf("$%d", n+2))
	return cond, []any{v.UserID, v.Subjects}
}

// VisibleIDs answers which of the given catalog tables a restricted viewer may see.
func (q Queries) VisibleIDs(ctx context.Context, ids []string, v *Viewer) (map[string]bool, error) {
	out := map[string]bool{}
	cond, args := visibleTo(v, 1)
	rows, err := q.Pool.Query(ctx, `select t.id from catalog_tables t where t.id = any($1) and `+cond, append([]any{ids}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("catalog visibility: %w", err)
	}
	visible, err := pgx.CollectRows(rows, pgx.RowTo[string])
	for _, id := range visible {
		out[id] = true
	}
	return out, err
}

// Visible reports whether a restricted viewer may see a catalog table.
func (q Queries) Visible(ctx context.Context, tableID string, v *Viewer) (bool, error) {
	if v == nil {
		return true, nil
	}
	cond, args := visibleTo(v, 1)
	var ok bool
	if err := q.Pool.QueryRow(ctx, `select exists (select 1 from catalog_tables t where t.id = $1 and `+cond+`)`, append([]any{tableID}, args...)...).Scan(&ok); err != nil {
		return false, fmt.Errorf("catalog visibility: %w", err)
	}
	return ok, nil
}

func (f TableFilter) where() (string, []any) {
	conds := []string{}
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Name != "" {
		add(`lower(t.name) like ?`, like(f.Name))
	}
	if f.Database != "" {
		add(`lower(t.database) like ?`, like(f.Database))
	}
	if f.DatasourceID != "" {
		add(`t.datasource_id = ?`, f.DatasourceID)
	}
	if f.Tag != "" {
		add(`(? = any(t.tags) or exists (select 1 from catalog_columns c where c.table_id = t.id and ? = any(c.tags)))`, f.Tag)
	}
	if f.CategoryID != "" {
		add(`t.category_id in (with recursive sub as (select id from catalog_categories where id = ?
			union all select c.id from catalog_categories c join sub on c.parent_id = sub.id) select id from sub)`, f.CategoryID)
	}
	if f.Q != "" {
		add(`t.search like ?`, like(f.Q))
	}
	created, updated := `coalesce(t.source_created_at, t.first_synced_at)`, `coalesce(t.source_updated_at, t.last_changed_at)`
	if !f.CreatedFrom.IsZero() {
		add(created+` >= ?`, f.CreatedFrom)
	}
	if !f.CreatedTo.IsZero() {
		add(created+` < ?`, f.CreatedTo)
	}
	if !f.UpdatedFrom.IsZero() {
		add(updated+` >= ?`, f.UpdatedFrom)
	}
	if !f.UpdatedTo.IsZero() {
		add(updated+` < ?`, f.UpdatedTo)
	}
	if f.Viewer != nil {
		cond, vargs := visibleTo(f.Viewer, len(args))
		args = append(args, vargs...)
		conds = append(conds, cond)
	}
	switch f.Status {
	case "":
		conds = append(conds, `not t.deleted`)
	case "active":
		conds = append(conds, `not t.deleted and not t.dropped`)
	case "dropped":
		conds = append(conds, `not t.deleted and t.dropped`)
	case "deleted":
		conds = append(conds, `t.deleted`)
	}
	if len(conds) == 0 {
		return "", args
	}
	return " where " + strings.Join(conds, " and "), args
}

// Tables lists catalog entries, most recently changed first.
func (q Queries) Tables(ctx context.Context, f TableFilter, p page.Request) (page.Result[Table], error) {
	var res page.Result[Table]
	where, args := f.where()
	// Counting stops at CountLimit: an exact count of a search matching most of 100,000 tables
	// costs more than the page itself, and nobody pages that far.
	// Search patterns must be planned with their values (a generic plan would pick the trigram
	// index even for two-character patterns that match everything), hence QueryExecModeExec.
	args = append([]any{pgx.QueryExecModeExec}, args...)
	if err := q.Pool.QueryRow(ctx, fmt.Sprintf(`select count(*) from (select 1 from catalog_tables t%s limit %d) x`, where, CountLimit+1), args...).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count catalog tables: %w", err)
	}
	if res.Total > CountLimit {
		res.Total, res.Capped = CountLimit, true
	}
	n := len(args) - 1
	rows, err := q.Pool.Query(ctx, `select `+tableCols+where+fmt.Sprintf(` order by t.last_changed_at desc, t.id limit $%d offset $%d`, n+1, n+2),
		append(args, p.Limit(), p.Offset())...)
	if err != nil {
		return res, fmt.Errorf("list catalog tables: %w", err)
	}
	res.Items, err = pgx.CollectRows(rows, scanTable)
	return res, err
}

// CountLimit is where catalog totals stop counting.
const CountLimit = 10000

// Table returns one entry.
func (q Queries) Table(ctx context.Context, id string) (Table, error) {
	return postgres.One(ctx, q.Pool, "catalog table", id, `select `+tableCols+` where t.id = $1`, scanTable)
}

// Columns lists a table's columns in order.
func (q Queries) Columns(ctx context.Context, id string) ([]Column, error) {
	if _, err := q.Table(ctx, id); err != nil {
		return nil, err
	}
	rows, err := q.Pool.Query(ctx, `select c.ord, c.name, c.type, c.comment, c.primary_key, c.nullable, c."default",
		array(select x from unnest(c.tags) x where exists (select 1 from catalog_tags g where g.name = x)),
		coalesce(cat.id, ''), coalesce(cat.name, ''), ''
		from catalog_columns c left join catalog_categories cat on cat.id = c.category_id where c.table_id = $1 order by c.ord`, id)
	if err != nil {
		return nil, fmt.Errorf("list catalog columns: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Column])
}

// SensitiveColumns names a table's columns that carry a sensitive tag (directly or via the table).
func (q Queries) SensitiveColumns(ctx context.Context, id string) (map[string]bool, error) {
	rows, err := q.Pool.Query(ctx, `select c.name from catalog_columns c where c.table_id = $1 and exists
		(select 1 from catalog_tags g where g.sensitive and g.name = any(c.tags))`, id)
	if err != nil {
		return nil, fmt.Errorf("sensitive columns: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	return out, err
}

// Run is a collection run.
type Run struct {
	ID             string     `json:"id"`
	DatasourceID   string     `json:"datasource_id"`
	DatasourceName string     `json:"datasource_name"`
	Database       string     `json:"database"`
	Tables         []string   `json:"tables"`
	Status         string     `json:"status"`
	Total          int        `json:"total"`
	Done           int        `json:"done"`
	Collected      int        `json:"collected"`
	Changed        int        `json:"changed"`
	Unchanged      int        `json:"unchanged"`
	Dropped        int        `json:"dropped"`
	Failed         int        `json:"failed"`
	Error          string     `json:"error"`
	RequestedBy    string     `json:"requested_by"`
	Scheduled      bool       `json:"scheduled"`
	StartedAt      time.Time  `json:"started_at"`
	FinishedAt     *time.Time `json:"finished_at"`
}

const runCols = `id, datasource_id, datasource_name, database, tables, status, total, done, collected, changed, unchanged, dropped,
	failed, error, requested_by, scheduled, started_at, finished_at from catalog_runs`

// Run returns one run.
func (q Queries) Run(ctx context.Context, id string) (Run, error) {
	return postgres.One(ctx, q.Pool, "collection run", id, `select `+runCols+` where id = $1`, pgx.RowToStructByPos[Run])
}

// Runs lists runs, newest first; datasourceID "" lists all.
func (q Queries) Runs(ctx context.Context, datasourceID string, p page.Request) (page.Result[Run], error) {
	var res page.Result[Run]
	if err := q.Pool.QueryRow(ctx, `select count(*) from catalog_runs where $1 = '' or datasource_id = $1`, datasourceID).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count runs: %w", err)
	}
	rows, err := q.Pool.Query(ctx, `select `+runCols+` where $1 = '' or datasource_id = $1 order by started_at desc limit $2 offset $3`,
		datasourceID, p.Limit(), p.Offset())
	if err != nil {
		return res, fmt.Errorf("list runs: %w", err)
	}
	res.Items, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Run])
	return res, err
}

// RunningRuns lists runs not finished yet.
func (q Queries) RunningRuns(ctx context.Context) ([]Run, error) {
	rows, err := q.Pool.Query(ctx, `select `+runCols+` where status = 'running' order by started_at`)
	if err != nil {
		return nil, fmt.Errorf("running runs: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Run])
}

// Category is a node of the classification tree, with how many tables it holds directly.
type Category struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	ParentID    string    `json:"parent_id"`
	Description string    `json:"description"`
	TableCount  int64     `json:"table_count"`
	CreatedAt   time.Time `json:"created_at"`
}

// Categories lists every category (the console builds the tree from parent_id).
func (q Queries) Categories(ctx context.Context) ([]Category, error) {
	rows, err := q.Pool.Query(ctx, `select c.id, c.name, c.parent_id, c.description,
		(select count(*) from catalog_tables t where t.category_id = c.id and not t.deleted), c.created_at
		from catalog_categories c order by c.name`)
	if err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Category])
}

// Tag is a defined tag with its use count.
type Tag struct {
	Name        string    `json:"name"`
	Color       string    `json:"color"`
	Description string    `json:"description"`
	Sensitive   bool      `json:"sensitive"`
	TableCount  int64     `json:"table_count"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Tags lists tags by name.
func (q Queries) Tags(ctx context.Context) ([]Tag, error) {
	rows, err := q.Pool.Query(ctx, `select g.name, g.color, g.description, g.sensitive,
		(select count(*) from catalog_tables t where not t.deleted and (g.name = any(t.tags)
			or exists (select 1 from catalog_columns c where c.table_id = t.id and g.name = any(c.tags)))), g.updated_at
		from catalog_tags g order by g.name`)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Tag])
}

// Schedule is a datasource's periodic collection.
type Schedule struct {
	DatasourceID string    `json:"datasource_id"`
	Cron         string    `json:"cron"`
	Enabled      bool      `json:"enabled"`
	ProfileCron  string    `json:"profile_cron"`
	UpdatedBy    string    `json:"updated_by"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Schedules lists schedules.
func (q Queries) Schedules(ctx context.Context) ([]Schedule, error) {
	rows, err := q.Pool.Query(ctx, `select datasource_id, cron, enabled, profile_cron, updated_by, updated_at from catalog_schedules order by datasource_id`)
	if err != nil {
		return nil, fmt.Errorf("list schedules: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Schedule])
}

// Counts returns catalog totals for the dashboard.
func (q Queries) Counts(ctx context.Context) (tables, columns int64, err error) {
	err = q.Pool.QueryRow(ctx, `select (select count(*) from catalog_tables where not deleted),
		(select coalesce(sum(column_count), 0) from catalog_tables where not deleted)`).Scan(&tables, &columns)
	return
}

// TagDefined reports whether a tag exists.
func (q Queries) TagDefined(ctx context.Context, name string) (bool, error) {
	var ok bool
	err := q.Pool.QueryRow(ctx, `select exists(select 1 from catalog_tags where name = $1)`, name).Scan(&ok)
	return ok, err
}

// CategoryPath returns a category's ancestors, nearest first, and whether it exists.
func (q Queries) CategoryPath(ctx context.Context, id string) ([]string, bool, error) {
	rows, err := q.Pool.Query(ctx, `with recursive up as (select id, parent_id, 0 as depth from catalog_categories where id = $1
		union all select c.id, c.parent_id, up.depth + 1 from catalog_categories c join up on c.id = up.parent_id where up.depth < 100)
		select id from up order by depth`, id)
	if err != nil {
		return nil, false, fmt.Errorf("category path: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(ids) == 0 {
		return nil, false, err
	}
	return ids[1:], true, nil
}

// CategoryHasChildren reports whether a category has sub-categories.
func (q Queries) CategoryHasChildren(ctx context.Context, id string) (bool, error) {
	var ok bool
	err := q.Pool.QueryRow(ctx, `select exists(select 1 from catalog_categories where parent_id = $1)`, id).Scan(&ok)
	return ok, err
}

// ProfileTarget resolves a table for profiling: where it lives, its columns, which are masked.
func (q Queries) ProfileTarget(ctx context.Context, id string) (appcat.ProfileTarget, error) {
	t, err := q.Table(ctx, id)
	if err != nil {
		return appcat.ProfileTarget{}, err
	}
	if t.Manual || t.Status != "active" {
		return appcat.ProfileTarget{}, fault.Conflict("only collected tables that still exist can be profiled")
	}
	cols, err := q.Columns(ctx, id)
	if err != nil {
		return appcat.ProfileTarget{}, err
	}
	masked, err := q.SensitiveColumns(ctx, id)
	if err != nil {
		return appcat.ProfileTarget{}, err
	}
	out := appcat.ProfileTarget{DatasourceID: t.DatasourceID, Database: t.Database, Schema: t.Schema, Name: t.Name, Masked: masked, Rows: t.Rows, SizeBytes: t.SizeBytes}
	for _, c := range cols {
		out.Columns = append(out.Columns, catalogColumn(c))
	}
	return out, nil
}

func catalogColumn(c Column) domain.Column {
	return domain.Column{Order: c.Order, Name: c.Name, Type: c.Type, Comment: c.Comment, PrimaryKey: c.PrimaryKey, Nullable: c.Nullable, Default: c.Default}
}

// ActiveTableIDs lists the ids of a datasource's active tables (scheduled profiling).
func (q Queries) ActiveTableIDs(ctx context.Context, datasourceID string) ([]string, error) {
	rows, err := q.Pool.Query(ctx, `select id from catalog_tables where datasource_id = $1 and not dropped and not deleted and not manual order by name`, datasourceID)
	if err != nil {
		return nil, fmt.Errorf("active tables: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// CompletionTable is a table with its columns, for editor autocomplete.
type CompletionTable struct {
	Name     string             `json:"name"`
	Schema   string             `json:"schema"`
	Database string             `json:"database"`
	Comment  string             `json:"comment"`
	Columns  []CompletionColumn `json:"columns"`
}

// CompletionColumn is a column for autocomplete.
type CompletionColumn struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Comment string `json:"comment"`
}

// Completions lists up to limit active tables of a datasource (one database, or all) with columns.
// A restricted viewer gets the tables they may see.
func (q Queries) Completions(ctx context.Context, datasourceID, database string, limit int, v *Viewer) ([]CompletionTable, error) {
	cond, args := "true", []any{datasourceID, database, limit}
	if v != nil {
		var vargs []any
		cond, vargs = visibleTo(v, 3)
		args = append(args, vargs...)
	}
	rows, err := q.Pool.Query(ctx, `select t.name, t.schema, t.database, t.comment,
		coalesce((select json_agg(json_build_object('name', c.name, 'type', c.type, 'comment', c.comment) order by c.ord)
			from catalog_columns c where c.table_id = t.id), '[]')::text
		from catalog_tables t where t.datasource_id = $1 and ($2 = '' or t.database = $2 or t.schema = $2) and not t.deleted and not t.dropped
		and `+cond+` order by t.name limit $3`, args...)
	if err != nil {
		return nil, fmt.Errorf("completions: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CompletionTable, error) {
		var t CompletionTable
		var cols string
		if err := r.Scan(&t.Name, &t.Schema, &t.Database, &t.Comment, &cols); err != nil {
			return t, err
		}
		return t, json.Unmarshal([]byte(cols), &t.Columns)
	})
}

// Schedule returns one datasource's schedule.
func (q Queries) Schedule(ctx context.Context, datasourceID string) (appcat.ScheduleView, bool, error) {
	var v appcat.ScheduleView
	err := q.Pool.QueryRow(ctx, `select cron, profile_cron, enabled from catalog_schedules where datasource_id = $1`, datasourceID).Scan(&v.Cron, &v.ProfileCron, &v.Enabled)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, false, nil
	}
	return v, err == nil, err
}

// ColumnNames returns, in ordinal order, the columns of the active table of a datasource with this
// name in the schema or database qualifier (any when empty); nil when the catalog has no such table.
func (q Queries) ColumnNames(ctx context.Context, datasourceID, qualifier, name string) ([]string, error) {
	rows, err := q.Pool.Query(ctx, `select c.name from catalog_columns c where c.table_id = (
			select t.id from catalog_tables t where t.datasource_id = $1 and t.name = $3
			and ($2 = '' or t.schema = $2 or t.database = $2) and not t.deleted and not t.dropped order by t.id limit 1)
		order by c.ord`, datasourceID, qualifier, name)
	if err != nil {
		return nil, fmt.Errorf("column names of %s.%s: %w", qualifier, name, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// AccessColumns lists a table's columns for data-permission checks, nil when the catalog does not
// hold the table. Names compare without case (MySQL-family engines fold them), an exact match first.
func (q Queries) AccessColumns(ctx context.Context, datasourceID, qualifier, name string) ([]string, error) {
	rows, err := q.Pool.Query(ctx, `with t as (select t.id from catalog_tables t where t.datasource_id = $1 and not t.deleted and not t.dropped
			and lower(t.name) = lower($3) and (lower(t.schema) = lower($2) or lower(t.database) = lower($2))
			order by (t.name = $3 and (t.schema = $2 or t.database = $2)) desc, t.id limit 1)
		select c.name from t left join catalog_columns c on c.table_id = t.id order by c.ord`, datasourceID, qualifier, name)
	if err != nil {
		return nil, fmt.Errorf("columns of %s.%s: %w", qualifier, name, err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[*string])
	if err != nil || len(names) == 0 {
		return nil, err
	}
	out := []string{}
	for _, n := range names {
		if n != nil {
			out = append(out, *n)
		}
	}
	return out, nil
}

// HoldsDB reports whether the catalog holds any table in a database or schema of a datasource.
func (q Queries) HoldsDB(ctx context.Context, datasourceID, db string) (bool, error) {
	var ok bool
	err := q.Pool.QueryRow(ctx, `select exists (select 1 from catalog_tables where datasource_id = $1 and (schema = $2 or database = $2)
		and not deleted and not dropped)`, datasourceID, db).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("catalog databases: %w", err)
	}
	return ok, nil
}

// LineageNames maps lineage table names ("<datasource name>.<schema or database>.<table>") to the
// ids of the active catalog tables they name.
func (q Queries) LineageNames(ctx context.Context, names []string) (map[string]string, error) {
	rows, err := q.Pool.Query(ctx, `select n, t.id from unnest($1::text[]) n
		join catalog_tables t on not t.deleted and not t.dropped and (
			n = t.datasource_name || '.' || t.schema || '.' || t.name or n = t.datasource_name || '.' || t.database || '.' || t.name)`, names)
	if err != nil {
		return nil, fmt.Errorf("resolve lineage names: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var n, id string
		if err := rows.Scan(&n, &id); err != nil {
			return nil, err
		}
		out[n] = id
	}
	return out, rows.Err()
}
