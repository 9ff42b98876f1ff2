// Package integration holds the data-integration use cases: defining sync tasks, starting runs
// (by hand or on schedules) and the engine that copies tables chunk by chunk from a source
// datasource to a target one.
package integration

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"assetflow/domain/datasource"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
	domain "assetflow/domain/integration"
)

// Aggregates loads and saves event-sourced aggregates.
type Aggregates interface {
	Load(ctx context.Context, id string, agg es.Aggregate) error
	Commit(ctx context.Context, agg es.Aggregate, meta es.Metadata) (es.Ref, error)
}

// Recorder appends single events to run streams.
type Recorder interface {
	Record(ctx context.Context, streamID, streamType string, e es.Event, meta es.Metadata) (es.Ref, error)
}

// Locker takes a cluster-wide lock; ok is false when another holder has it.
type Locker interface {
	TryLock(ctx context.Context, key string) (unlock func(), ok bool, err error)
	Held(ctx context.Context, key string) (bool, error)
}

// Source is a datasource read by a sync.
type Source interface {
	ListDatabases(ctx context.Context) ([]string, error)
	ListTablesInfo(ctx context.Context, db string) ([]datasource.TableInfo, error)
	SyncColumns(ctx context.Context, db, table string) ([]domain.SyncColumn, error)
	ReadChunk(ctx context.Context, r domain.ChunkRead) ([][]any, error)
	MaxValue(ctx context.Context, db, table string, column domain.SyncColumn) (any, error)
}

// Target is a datasource written by a sync.
type Target interface {
	PrepareTable(ctx context.Context, db, table string, cols []domain.SyncColumn) (domain.TargetTable, error)
	LastMark(ctx context.Context, db, taskID, sourceTable string) (*domain.ChunkMark, error)
	WriteChunk(ctx context.Context, w domain.ChunkWrite) (int64, error)
}

// Endpoints opens datasources as sync sources and targets of a task's spec (the scope decides which
// engines may take part; a Hive target writes the partition the spec names). A datasource that
// does not exist is a fault.KindNotFound error; one whose engine cannot take part in a sync of
// the spec's scope is fault.KindInvalid.
type Endpoints interface {
	Source(ctx context.Context, datasourceID string, spec domain.Spec) (Source, error)
	Target(ctx context.Context, datasourceID string, spec domain.Spec) (Target, error)
}

// Runs lists runs the read model still shows as running: a task's, or every task's that has shown
// no progress since a time.
type Runs interface {
	RunningRuns(ctx context.Context, taskID string) ([]string, error)
	// QueuedRuns lists a task's runs requested since a time and not started yet.
	QueuedRuns(ctx context.Context, taskID string, since time.Time) ([]string, error)
	SilentRuns(ctx context.Context, since time.Time) ([]RunRef, error)
}

// RunLog counts a run stream's stored events (the store, not a read model: a worker must know for
// sure whether a requested run already started).
type RunLog interface {
	Events(ctx context.Context, runID string) (int, error)
}

// RunRef names a run of a task.
type RunRef struct {
	RunID  string
	TaskID string
}

// CopiedTable is one table a completed run copied, for lineage.
type CopiedTable struct {
	SourceDatabase string
	SourceTable    string
	TargetDatabase string
	TargetTable    string
	// Columns and TargetColumns pair each copied column with its name in the target.
	Columns       []string
	TargetColumns []string
}

// Lineage records which tables and columns a task's completed run copied where.
type Lineage interface {
	RecordSync(ctx context.Context, task *domain.Task, tables []CopiedTable, meta es.Metadata) error
}

// Service runs the integration use cases.
type Service struct {
	aggs      Aggregates
	recorder  Recorder
	locks     Locker
	endpoints Endpoints
	runs      Runs
	validCron func(string) error
	// Background is the context runs live in (the server's lifetime).
	Background context.Context
	// Lineage, when set, records each completed run's edges (a failure is logged, not the run's).
	Lineage Lineage
	// log is set by Dispatch: runs are then requested here and executed by bus workers.
	log RunLog
	// AfterChunk, when set, is called after each chunk is committed to the target and before its
	// event is recorded; an error stops the run there (tests use it to interrupt runs).
	AfterChunk func(runID, table string, chunk int) error
	// Now is the clock; tests may replace it.
	Now func() time.Time
	// MinSplitRows is the fewest rows a parallel split of a table is planned for (tests lower it).
	MinSplitRows int
	// MaxParallelism bounds the splits of one table copied at once, whatever a task asks.
	MaxParallelism int

	mu      sync.Mutex
	active  map[string]context.CancelCauseFunc // task id -> cancel of its run on this replica
	running sync.WaitGroup
}

// Dispatch makes Start record run requests for the bus workers (Execute) instead of running here.
func (s *Service) Dispatch(log RunLog) { s.log = log }

// Wait blocks until every run started on this replica has recorded its end (after Background is
// cancelled, runs stop after their current chunk).
func (s *Service) Wait() { s.running.Wait() }

// NewService wires the use cases.
func NewService(aggs Aggregates, recorder Recorder, locks Locker, endpoints Endpoints, runs Runs, validCron func(string) error) *Service {
	if aggs == nil || recorder == nil || locks == nil || endpoints == nil || runs == nil || validCron == nil {
		panic("integration.NewService: nil dependency")
	}
	return &Service{aggs: aggs, recorder: recorder, locks: locks, endpoints: endpoints, runs: runs, validCron: validCron,
		Background: context.Background(), Now: time.Now, MinSplitRows: domain.DefaultMinSplitRows,
		MaxParallelism: domain.MaxParallelism, active: map[string]context.CancelCauseFunc{}}
}

// TaskStream is the stream of a task.
func TaskStream(id string) string { return id }

// Create defines a task owned by the caller.
func (s *Service) Create(ctx context.Context, spec domain.Spec, meta es.Metadata) (es.Ref, error) {
	spec, err := s.check(ctx, spec)
	if err != nil {
		return es.Ref{}, err
	}
	t := domain.CreateTask("synctask-"+uuid.NewString(), spec, meta.ActorID, meta.ActorName)
	return s.aggs.Commit(ctx, t, meta)
}

// Update replaces a task's spec.
func (s *Service) Update(ctx context.Context, id string, spec domain.Spec, meta es.Metadata) (es.Ref, error) {
	t, err := s.load(ctx, id)
	if err != nil {
		return es.Ref{}, err
	}
	if spec, err = s.check(ctx, spec); err != nil {
		return es.Ref{}, err
	}
	if err := t.Update(spec); err != nil {
		return es.Ref{}, err
	}
	return s.aggs.Commit(ctx, t, meta)
}

// Pause stops scheduled runs and the task's active run on this replica (after its current chunk).
func (s *Service) Pause(ctx context.Context, id string, meta es.Metadata) (es.Ref, error) {
	return s.command(ctx, id, meta, func(t *domain.Task) error {
		if err := t.Pause(); err != nil {
			return err
		}
		s.stop(id, errPaused)
		return nil
	})
}

// Resume lets scheduled runs start again.
func (s *Service) Resume(ctx context.Context, id string, meta es.Metadata) (es.Ref, error) {
	return s.command(ctx, id, meta, func(t *domain.Task) error { return t.Resume() })
}

// Delete removes a task and stops its active run on this replica.
func (s *Service) Delete(ctx context.Context, id string, meta es.Metadata) (es.Ref, error) {
	return s.command(ctx, id, meta, func(t *domain.Task) error {
		if err := t.Delete(); err != nil {
			return err
		}
		s.stop(id, errDeleted)
		return nil
	})
}

func (s *Service) command(ctx context.Context, id string, meta es.Metadata, fn func(*domain.Task) error) (es.Ref, error) {
	t, err := s.load(ctx, id)
	if err != nil {
		return es.Ref{}, err
	}
	if err := fn(t); err != nil {
		return es.Ref{}, err
	}
	if len(t.Changes()) == 0 {
		return es.Ref{StreamID: t.ID(), Version: t.Version()}, nil
	}
	return s.aggs.Commit(ctx, t, meta)
}

func (s *Service) load(ctx context.Context, id string) (*domain.Task, error) {
	t := &domain.Task{}
	if !strings.HasPrefix(id, "synctask-") {
		return nil, fault.NotFound("sync task", id)
	}
	if err := s.aggs.Load(ctx, TaskStream(id), t); err != nil {
		return nil, err
	}
	if !t.Exists() {
		return nil, fault.NotFound("sync task", id)
	}
	return t, nil
}

// check normalizes the spec and checks what it refers to: the datasources, databases, tables and
// the incremental column, and the schedule. Every problem is reported at once.
func (s *Service) check(ctx context.Context, spec domain.Spec) (domain.Spec, error) {
	spec, err := spec.Normalize()
	wellFormed := err == nil
	var problems []fault.Detail
	var fe *fault.Error
	if err != nil {
		if !errors.As(err, &fe) || fe.Kind != fault.KindInvalid {
			return spec, err
		}
		problems = append(problems, fe.Details...)
	}
	add := func(field, msg string) { problems = append(problems, fault.Detail{Field: field, Message: msg}) }
	if spec.Schedule != "" {
		if err := s.validCron(spec.Schedule); err != nil {
			add("schedule", fmt.Sprintf("schedule is not a valid cron expression: %v", err))
		}
	}
	var src Source
	if spec.SourceDatasourceID != "" {
		if src, err = s.endpoints.Source(ctx, spec.SourceDatasourceID, spec); err != nil {
			switch fault.KindOf(err) {
			case fault.KindNotFound:
				add("source_datasource_id", "no such datasource")
			case fault.KindInvalid:
				add("source_datasource_id", err.Error())
			default:
				return spec, err
			}
			src = nil
		}
	}
	if spec.TargetDatasourceID != "" {
		if _, err := s.endpoints.Target(ctx, spec.TargetDatasourceID, spec); err != nil {
			switch fault.KindOf(err) {
			case fault.KindNotFound:
				add("target_datasource_id", "no such datasource")
			case fault.KindInvalid:
				add("target_datasource_id", err.Error())
			default:
				return spec, err
			}
		}
	}
	if src != nil && wellFormed {
		if err := s.checkSource(ctx, src, spec, add); err != nil {
			return spec, err
		}
	}
	if len(problems) > 0 {
		msg := problems[0].Message
		if len(problems) > 1 {
			msg = fmt.Sprintf("%s (and %d more)", msg, len(problems)-1)
		}
		return spec, fault.Invalid(msg, problems...)
	}
	return spec, nil
}

// checkSource checks databases, tables and the incremental column against what the source reports.
func (s *Service) checkSource(ctx context.Context, src Source, spec domain.Spec, add func(field, msg string)) error {
	if dbs, err := src.ListDatabases(ctx); err != nil {
		return err
	} else if dbs != nil {
		for _, db := range spec.SourceDatabases {
			if !slices.Contains(dbs, db) {
				add("source_databases", fmt.Sprintf("the source has no database %q", db))
			}
		}
	}
	tables, err := s.resolve(ctx, src, spec)
	if err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) && fe.Kind == fault.KindInvalid {
			for _, d := range fe.Details {
				add(d.Field, d.Message)
			}
			return nil
		}
		return err
	}
	if len(tables) == 0 && spec.TablePattern == "" && spec.DatabasePattern == "" {
		add("tables", "no source table matches")
	}
	if spec.Mode != domain.ModeIncremental && len(spec.ColumnMap) == 0 && spec.Scope != domain.ScopeClusterToDB && spec.Scope != domain.ScopeDBToCluster {
		return nil
	}
	mapped := map[string]bool{}
	for _, t := range tables {
		cols, err := src.SyncColumns(ctx, t.Database, t.Table)
		if err != nil {
			return err
		}
		if spec.Mode == domain.ModeIncremental && !slices.ContainsFunc(cols, func(c domain.SyncColumn) bool { return strings.EqualFold(c.Name, spec.IncrementalColumn) }) {
			add("incremental_column", fmt.Sprintf("table %s has no column %q", t.Source(), spec.IncrementalColumn))
		}
		read, write, err := spec.MapColumns(cols)
		var fe *fault.Error
		switch {
		case errors.As(err, &fe) && len(fe.Details) > 0:
			add(fe.Details[0].Field, fmt.Sprintf("table %s: %s", t.Source(), fe.Details[0].Message))
		case err != nil:
			add("column_map", err.Error())
		case spec.Scope == domain.ScopeClusterToDB && !slices.ContainsFunc(read, func(c domain.SyncColumn) bool { return c.PrimaryKey }):
			add("key_columns", fmt.Sprintf("table %s has no primary key (Hive tables have none): name the columns that identify a row in key_columns", t.Source()))
		case spec.Scope == domain.ScopeDBToCluster && slices.ContainsFunc(write, func(c domain.SyncColumn) bool { return strings.EqualFold(c.Name, spec.PartitionColumn) }):
			add("partition_column", fmt.Sprintf("table %s already has a column %q: choose another partition column or rename it with column_map", t.Source(), spec.PartitionColumn))
		}
		for _, c := range cols {
			if _, ok := spec.ColumnMap[c.Name]; ok {
				mapped[c.Name] = true
			}
		}
	}
	for from := range spec.ColumnMap {
		if !mapped[from] && len(tables) > 0 {
			add("column_map", fmt.Sprintf("no source table has a column %q", from))
		}
	}
	return nil
}

// tableRef is one source table and where it goes.
type tableRef struct {
	Database    string
	Table       string
	TargetTable string
	// Rows is the source's estimate of the table's rows (0 when unknown).
	Rows int64
}

// Source names the table as "database.table" (or the bare name when the source has no database
// level).
func (t tableRef) Source() string {
	if t.Database == "" {
		return t.Table
	}
	return t.Database + "." + t.Table
}

// resolve lists the source tables a run of spec copies, in a stable order.
func (s *Service) resolve(ctx context.Context, src Source, spec domain.Spec) ([]tableRef, error) {
	dbs := spec.SourceDatabases
	if spec.DatabasePattern != "" {
		re := regexp.MustCompile(spec.DatabasePattern)
		all, err := src.ListDatabases(ctx)
		if err != nil {
			return nil, err
		}
		for _, db := range all {
			if re.MatchString(db) && !slices.Contains(dbs, db) {
				dbs = append(dbs, db)
			}
		}
	}
	if len(dbs) == 0 {
		dbs = []string{""}
	}
	var pattern *regexp.Regexp
	if spec.TablePattern != "" {
		pattern = regexp.MustCompile(spec.TablePattern)
	}
	var out []tableRef
	var missing []fault.Detail
	for _, db := range dbs {
		infos, err := src.ListTablesInfo(ctx, db)
		if err != nil {
			return nil, err
		}
		var names []string
		estimates := map[string]int64{}
		for _, ti := range infos {
			if ti.Type == "table" && ti.Name != domain.ProgressTableName {
				names = append(names, ti.Name)
				if ti.Rows != nil {
					estimates[ti.Name] = *ti.Rows
				}
			}
		}
		var chosen []string
		switch {
		case len(spec.Tables) > 0:
			for _, t := range spec.Tables {
				if slices.Contains(names, t) {
					chosen = append(chosen, t)
				} else if spec.Scope != domain.ScopeSharded {
					missing = append(missing, fault.Detail{Field: "tables", Message: fmt.Sprintf("table %q not found in %q", t, db)})
				}
			}
		case pattern != nil:
			for _, n := range names {
				if pattern.MatchString(n) {
					chosen = append(chosen, n)
				}
			}
		default:
			chosen = names
		}
		slices.Sort(chosen)
		for _, t := range chosen {
			target := t
			switch spec.Scope {
			case domain.ScopeSingleTable:
				if spec.TargetTable != "" {
					target = spec.TargetTable
				}
			case domain.ScopeWholeDatabase:
				target = spec.TablePrefix + t
			case domain.ScopeDBToCluster, domain.ScopeClusterToDB:
				target = spec.TablePrefix + t
				if spec.TargetTable != "" {
					target = spec.TargetTable
				}
			case domain.ScopeSharded:
				target = spec.TargetTable
			}
			out = append(out, tableRef{Database: db, Table: t, TargetTable: target, Rows: estimates[t]})
		}
	}
	if len(missing) > 0 {
		return nil, fault.Invalid(missing[0].Message, missing...)
	}
	return out, nil
}
