// Package integration is data synchronisation between registered datasources: sync tasks (what to
// copy from where to where, how and when) and their runs (chunks committed to the target,
// watermarks, outcome).
package integration

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
)

// Scopes of a sync task.
const (
	ScopeSingleTable   = "single_table"
	ScopeWholeDatabase = "whole_database"
	ScopeSharded       = "sharded"
	ScopeDBToCluster   = "db_to_cluster"
	ScopeClusterToDB   = "cluster_to_db"
)

// Modes and write modes.
const (
	ModeFull        = "full"
	ModeIncremental = "incremental"

	WriteAppend    = "append"
	WriteOverwrite = "overwrite"
	WriteUpsert    = "upsert"
)

// Task statuses.
const (
	StatusActive  = "active"
	StatusPaused  = "paused"
	StatusDeleted = "deleted"
)

// DefaultChunkRows is how many rows a chunk holds when the task does not say; MaxChunkRows bounds
// one target transaction, and MaxChunkValues (rows × columns) the memory a chunk takes: a run
// holds at most two chunks per split.
const (
	DefaultChunkRows = 5000
	MaxChunkRows     = 100000
	MaxChunkValues   = 1000000
)

// ChunkLimit is how many rows a chunk of a table with the given number of columns holds: the
// task's chunk_rows, fewer for a table so wide that they would exceed MaxChunkValues.
func (s Spec) ChunkLimit(columns int) int {
	rows := s.ChunkRows
	if rows <= 0 {
		rows = DefaultChunkRows
	}
	return max(1, min(rows, MaxChunkValues/max(1, columns)))
}

// Spec is what a sync task copies, from where to where, how and when.
type Spec struct {
	Name               string   `json:"name"`
	Description        string   `json:"description"`
	Scope              string   `json:"scope"`
	SourceDatasourceID string   `json:"source_datasource_id"`
	SourceDatabases    []string `json:"source_databases"`
	// Tables names source tables; empty with a whole-database scope means every table.
	Tables []string `json:"tables"`
	// TablePattern is a regular expression on table names, evaluated at each run, so tables
	// created later are picked up.
	TablePattern string `json:"table_pattern"`
	// DatabasePattern (sharded) is a regular expression on the source's database names.
	DatabasePattern    string `json:"database_pattern"`
	TargetDatasourceID string `json:"target_datasource_id"`
	TargetDatabase     string `json:"target_database"`
	// TargetTable names the target table (single_table: optional rename; sharded: required).
	TargetTable string `json:"target_table"`
	// TablePrefix is put before each source table's name in the target (whole_database).
	TablePrefix       string `json:"table_prefix"`
	Mode              string `json:"mode"`
	IncrementalColumn string `json:"incremental_column"`
	WriteMode         string `json:"write_mode"`
	// ColumnMap renames source columns in the target (source name → target name); a column mapped
	// to "" is not copied. Columns not named are copied under their own name.
	ColumnMap map[string]string `json:"column_map,omitempty"`
	// Schedule is a cron expression; empty means runs start only by hand.
	Schedule  string `json:"schedule"`
	ChunkRows int    `json:"chunk_rows"`
	// Parallelism is how many splits of a big table are copied at once (1: one pass per table; 0:
	// automatic, what the target engine copes with best, see AutoParallelism).
	Parallelism int `json:"parallelism"`
	// PartitionColumn (db_to_cluster) is the Hive partition column every target table gets, last;
	// PartitionValue is its value for a run: a literal or a template over the run's date such as
	// '${date}' or ${date-1:yyyyMMdd} (see PartitionValueAt).
	PartitionColumn string `json:"partition_column,omitempty"`
	PartitionValue  string `json:"partition_value,omitempty"`
	// KeyColumns (cluster_to_db) name the columns that identify a row of a source table that has
	// no primary key (Hive tables never do): chunks are read in their order.
	KeyColumns []string `json:"key_columns,omitempty"`
}

var identRe = regexp.MustCompile(`^[^\x00]{1,128}$`)

// Normalize trims the spec, fills defaults and reports every structural problem at once.
// Whether the datasources, databases and tables exist is checked by the use case.
func (s Spec) Normalize() (Spec, error) {
	s.Name = strings.TrimSpace(s.Name)
	s.Scope = strings.TrimSpace(s.Scope)
	s.Mode = strings.TrimSpace(s.Mode)
	s.WriteMode = strings.TrimSpace(s.WriteMode)
	s.IncrementalColumn = strings.TrimSpace(s.IncrementalColumn)
	s.TargetTable = strings.TrimSpace(s.TargetTable)
	s.TargetDatabase = strings.TrimSpace(s.TargetDatabase)
	s.Schedule = strings.TrimSpace(s.Schedule)
	s.SourceDatabases = trimAll(s.SourceDatabases)
	s.Tables = trimAll(s.Tables)
	s.PartitionColumn = strings.TrimSpace(s.PartitionColumn)
	s.PartitionValue = strings.TrimSpace(s.PartitionValue)
	s.KeyColumns = trimAll(s.KeyColumns)
	if s.Mode == "" {
		s.Mode = ModeFull
	}
	if s.WriteMode == "" {
		s.WriteMode = WriteAppend
	}
	if s.ChunkRows == 0 {
		s.ChunkRows = DefaultChunkRows
	}
	var c fault.Collect
	c.Check(s.Name != "" && len(s.Name) <= 128, "name", "name is required (at most 128 characters)")
	switch s.Scope {
	case ScopeSingleTable:
		c.Check(len(s.SourceDatabases) <= 1, "source_databases", "a single-table task reads one database")
		c.Check(len(s.Tables) == 1, "tables", "a single-table task names exactly one table")
		c.Check(s.TablePattern == "", "table_pattern", "a single-table task names its table in tables, not with a pattern")
	case ScopeWholeDatabase:
		c.Check(len(s.SourceDatabases) > 0, "source_databases", "choose at least one source database")
		c.Check(len(s.Tables) == 0 || s.TablePattern == "", "table_pattern", "give a table list or a pattern, not both")
		c.Check(s.TargetTable == "", "target_table", "a whole-database task names target tables after the source tables (use table_prefix)")
	case ScopeSharded:
		c.Check(len(s.SourceDatabases) > 0 || s.DatabasePattern != "", "source_databases", "name the shard databases or give database_pattern")
		c.Check(len(s.Tables) > 0 || s.TablePattern != "", "table_pattern", "name the shard tables or give table_pattern")
		c.Check(s.TargetTable != "", "target_table", "a sharded task writes into one target table: target_table is required")
	case ScopeDBToCluster, ScopeClusterToDB:
		c.Check(len(s.Tables) > 0 || s.TablePattern != "", "tables", "name the tables to copy or give table_pattern")
		c.Check(len(s.Tables) == 0 || s.TablePattern == "", "table_pattern", "give a table list or a pattern, not both")
		c.Check(s.TargetTable == "" || (len(s.Tables) == 1 && len(s.SourceDatabases) <= 1), "target_table",
			"target_table renames a single table; several tables keep their names (use table_prefix)")
	case "":
		c.Add("scope", "scope is required: single_table, whole_database, sharded, db_to_cluster or cluster_to_db")
	default:
		c.Add("scope", "scope must be single_table, whole_database, sharded, db_to_cluster or cluster_to_db")
	}
	c.Check(s.SourceDatasourceID != "", "source_datasource_id", "source_datasource_id is required")
	c.Check(s.TargetDatasourceID != "", "target_datasource_id", "target_datasource_id is required")
	for _, p := range []struct{ field, expr string }{{"table_pattern", s.TablePattern}, {"database_pattern", s.DatabasePattern}} {
		if p.expr != "" {
			if _, err := regexp.Compile(p.expr); err != nil {
				c.Add(p.field, fmt.Sprintf("%s is not a valid regular expression: %v", p.field, err))
			}
		}
	}
	for _, t := range s.Tables {
		c.Check(identRe.MatchString(t), "tables", fmt.Sprintf("table name %q is not valid", t))
	}
	c.Check(slices.Contains([]string{ModeFull, ModeIncremental}, s.Mode), "mode", "mode must be full or incremental")
	if s.Mode == ModeIncremental {
		c.Check(s.IncrementalColumn != "", "incremental_column", "incremental mode needs incremental_column (an auto-increment id or a timestamp column)")
	} else if s.IncrementalColumn != "" {
		c.Add("incremental_column", "incremental_column is only used in incremental mode")
	}
	c.Check(slices.Contains([]string{WriteAppend, WriteOverwrite, WriteUpsert}, s.WriteMode), "write_mode", "write_mode must be append, overwrite or upsert")
	c.Check(!(s.Mode == ModeIncremental && s.WriteMode == WriteOverwrite), "write_mode", "overwrite would erase what earlier incremental runs wrote: use append or upsert")
	if len(s.ColumnMap) > 0 {
		m := make(map[string]string, len(s.ColumnMap))
		seen := map[string]bool{}
		for from, to := range s.ColumnMap {
			from, to = strings.TrimSpace(from), strings.TrimSpace(to)
			c.Check(from != "", "column_map", "column_map has an empty source column")
			if to != "" {
				c.Check(!seen[strings.ToLower(to)], "column_map", fmt.Sprintf("two columns are mapped to %q", to))
				seen[strings.ToLower(to)] = true
			}
			m[from] = to
		}
		s.ColumnMap = m
	}
	c.Check(s.ChunkRows > 0 && s.ChunkRows <= MaxChunkRows, "chunk_rows", fmt.Sprintf("chunk_rows must be between 1 and %d", MaxChunkRows))
	c.Check(s.Parallelism >= 0 && s.Parallelism <= MaxParallelism, "parallelism", fmt.Sprintf("parallelism must be between 1 and %d, or 0 (automatic)", MaxParallelism))
	s.checkCluster(&c)
	return s, c.Err()
}

// partitionColumnRe is a Hive column name (Hive folds names to lower case).
var partitionColumnRe = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,127}$`)

// checkCluster checks the fields only the cluster scopes use.
func (s Spec) checkCluster(c *fault.Collect) {
	if s.Scope == ScopeDBToCluster {
		switch {
		case s.PartitionColumn == "":
			c.Add("partition_column", "a database-to-cluster task writes Hive partitions: partition_column is required (for example dt)")
		case !partitionColumnRe.MatchString(s.PartitionColumn):
			c.Add("partition_column", "partition_column must be a lower-case Hive column name (letters, digits, _)")
		}
		if s.PartitionValue == "" {
			c.Add("partition_value", "partition_value is required: a literal or an expression over the run date such as '${date}'")
		} else if _, err := PartitionValueAt(s.PartitionValue, time.Time{}); err != nil {
			c.Add("partition_value", err.Error())
		}
		c.Check(s.WriteMode != WriteUpsert, "write_mode", "a Hive target cannot update rows: use append, or overwrite to replace the run's partition")
	} else {
		c.Check(s.PartitionColumn == "" && s.PartitionValue == "", "partition_column", "partition_column and partition_value are only used by db_to_cluster")
	}
	if s.Scope != ScopeClusterToDB {
		c.Check(len(s.KeyColumns) == 0, "key_columns", "key_columns is only used by cluster_to_db (the other sources have primary keys)")
	}
	for from, to := range s.ColumnMap {
		if s.PartitionColumn != "" && strings.EqualFold(to, s.PartitionColumn) {
			c.Add("column_map", fmt.Sprintf("column_map maps %q onto the partition column %q", from, s.PartitionColumn))
		}
	}
}

// The datasource types each side of a scope accepts.
var (
	databaseSources = []string{"mysql", "mariadb", "starrocks", "postgresql"}
	databaseTargets = []string{"mysql", "mariadb", "postgresql"}
	clusterEngines  = []string{"hive", "trino", "presto"}
)

// SourceEngines lists the datasource types a task of the scope can read.
func SourceEngines(scope string) []string {
	if scope == ScopeClusterToDB {
		return clusterEngines
	}
	return databaseSources
}

// TargetEngines lists the datasource types a task of the scope can write.
func TargetEngines(scope string) []string {
	if scope == ScopeDBToCluster {
		return clusterEngines
	}
	return databaseTargets
}

// CheckEngine says why a datasource of type typ cannot be the source (or target) of a task of the
// scope, or returns nil.
func CheckEngine(scope, typ string, source bool) error {
	allowed, side := TargetEngines(scope), "target"
	if source {
		allowed, side = SourceEngines(scope), "source"
	}
	if slices.Contains(allowed, typ) {
		return nil
	}
	what := "a sync"
	switch scope {
	case ScopeDBToCluster, ScopeClusterToDB:
		what = "a " + scope + " task"
	}
	return fault.Invalid(fmt.Sprintf("%s datasources cannot be the %s of %s (%s can)", typ, side, what, strings.Join(allowed, ", ")))
}

var partitionTemplate = regexp.MustCompile(`\$\{([a-z_]+)([+-]\d{1,4})?(?::([^}]*))?\}`)

// PartitionValueAt evaluates a partition value expression for a run at a time (in UTC): surrounding
// single quotes are dropped, and ${date} is the run date as yyyy-MM-dd, ${date-1} the day before,
// ${date:yyyyMMdd} another layout (yyyy, MM, dd, HH, mm), ${hour} the run's hour as HH. Anything
// else is taken literally.
func PartitionValueAt(expr string, at time.Time) (string, error) {
	v := strings.TrimSpace(expr)
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		v = strings.ReplaceAll(v[1:len(v)-1], "''", "'")
	}
	at = at.UTC()
	var bad error
	v = partitionTemplate.ReplaceAllStringFunc(v, func(m string) string {
		p := partitionTemplate.FindStringSubmatch(m)
		layout := "yyyy-MM-dd"
		unit := 24 * time.Hour
		switch p[1] {
		case "date":
		case "hour":
			layout, unit = "HH", time.Hour
		default:
			bad = fmt.Errorf("partition_value: unknown placeholder ${%s} (use ${date} or ${hour})", p[1])
			return m
		}
		if p[3] != "" {
			layout = p[3]
		}
		t := at
		if p[2] != "" {
			n, _ := strconv.Atoi(p[2])
			t = t.Add(time.Duration(n) * unit)
		}
		return javaLayout.Replace(layout, t)
	})
	if bad != nil {
		return "", bad
	}
	if strings.Contains(v, "${") {
		return "", fmt.Errorf("partition_value: a ${ is not closed or names nothing (use ${date} or ${hour})")
	}
	if v == "" || len(v) > 255 || strings.ContainsAny(v, "/\x00\n") {
		return "", fmt.Errorf("partition_value must give 1 to 255 characters without / or line breaks")
	}
	return v, nil
}

// javaLayout formats a time with the date patterns Hive users write (yyyy MM dd HH mm).
var javaLayout = layoutReplacer{strings.NewReplacer("yyyy", "2006", "MM", "01", "dd", "02", "HH", "15", "mm", "04")}

type layoutReplacer struct{ r *strings.Replacer }

func (l layoutReplacer) Replace(layout string, t time.Time) string {
	return t.Format(l.r.Replace(layout))
}

func trimAll(in []string) []string {
	var out []string
	for _, v := range in {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// Task is a sync task. Rules: a spec must be valid to be saved; a deleted task accepts no command;
// a paused task starts no scheduled run and keeps its spec; pausing twice changes nothing.
type Task struct {
	eventsourcing.Root
	Spec   Spec
	Status string
	Owner  string
}

func (*Task) StreamType() string { return StreamTask }

// Exists reports whether the task was created and not deleted.
func (t *Task) Exists() bool { return t.Status != "" && t.Status != StatusDeleted }

// CreateTask records a new task; the spec must already be normalized and checked.
func CreateTask(id string, spec Spec, ownerID, ownerName string) *Task {
	t := &Task{}
	t.SetID(id)
	eventsourcing.Record(t, TaskCreated{TaskID: id, Spec: spec, OwnerID: ownerID, OwnerName: ownerName})
	return t
}

// Update replaces the spec.
func (t *Task) Update(spec Spec) error {
	if !t.Exists() {
		return fault.NotFound("sync task", t.ID())
	}
	eventsourcing.Record(t, TaskUpdated{TaskID: t.ID(), Spec: spec})
	return nil
}

// Pause stops scheduled runs (and the active run, after its current chunk).
func (t *Task) Pause() error {
	if !t.Exists() {
		return fault.NotFound("sync task", t.ID())
	}
	if t.Status != StatusPaused {
		eventsourcing.Record(t, TaskPaused{TaskID: t.ID()})
	}
	return nil
}

// Resume lets scheduled runs start again.
func (t *Task) Resume() error {
	if !t.Exists() {
		return fault.NotFound("sync task", t.ID())
	}
	if t.Status == StatusPaused {
		eventsourcing.Record(t, TaskResumed{TaskID: t.ID()})
	}
	return nil
}

// Delete removes the task; what it wrote stays in the target.
func (t *Task) Delete() error {
	if !t.Exists() {
		return fault.NotFound("sync task", t.ID())
	}
	eventsourcing.Record(t, TaskDeleted{TaskID: t.ID()})
	return nil
}

// Transition applies an event.
func (t *Task) Transition(e eventsourcing.Event) {
	switch e := e.(type) {
	case TaskCreated:
		t.Spec, t.Status, t.Owner = e.Spec, StatusActive, e.OwnerID
	case TaskUpdated:
		t.Spec = e.Spec
	case TaskPaused:
		t.Status = StatusPaused
	case TaskResumed:
		t.Status = StatusActive
	case TaskDeleted:
		t.Status = StatusDeleted
	}
}

// MapColumns applies the column map to a source table's columns: the columns to read, and the
// same columns as the target names them. Key columns cannot be left out. KeyColumns, when given,
// are the key instead of the table's primary key.
func (s Spec) MapColumns(cols []SyncColumn) (read, write []SyncColumn, err error) {
	if len(s.KeyColumns) > 0 {
		keyed := make([]SyncColumn, len(cols))
		for i, c := range cols {
			c.PrimaryKey = containsFold(s.KeyColumns, c.Name)
			keyed[i] = c
		}
		for _, k := range s.KeyColumns {
			if !slices.ContainsFunc(cols, func(c SyncColumn) bool { return strings.EqualFold(c.Name, k) }) {
				return nil, nil, fault.Field("key_columns", fmt.Sprintf("the source table has no key column %q", k))
			}
		}
		cols = keyed
	}
	for _, c := range cols {
		to, mapped := s.ColumnMap[c.Name]
		if !mapped {
			read, write = append(read, c), append(write, c)
			continue
		}
		if to == "" {
			if c.PrimaryKey {
				return nil, nil, fault.Field("column_map", fmt.Sprintf("primary-key column %q cannot be left out", c.Name))
			}
			continue
		}
		w := c
		w.Name = to
		read, write = append(read, c), append(write, w)
	}
	return read, write, nil
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(v string) bool { return strings.EqualFold(v, s) })
}
