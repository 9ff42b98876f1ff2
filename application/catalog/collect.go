// Package catalog holds the catalog use cases: collecting metadata from datasources (on demand and
// on schedules), curating entries, the classification tree and tags, and profiling.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"

	"github.com/google/uuid"

	domain "assetflow/domain/catalog"
	"assetflow/domain/datasource"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
)

// Source is what collection reads from a datasource.
type Source interface {
	ListDatabases(ctx context.Context) ([]string, error)
	ListTablesInfo(ctx context.Context, db string) ([]datasource.TableInfo, error)
	ListColumns(ctx context.Context, db string) ([]datasource.Column, error)
	Profile(ctx context.Context, spec domain.ProfileSpec) (domain.TableProfiled, error)
}

// Sources opens a datasource for reading; name is its current name.
type Sources interface {
	Open(ctx context.Context, datasourceID string) (src Source, name string, err error)
}

// StateRow is the collector's memory of one table: what it last wrote, at which stream version.
type StateRow struct {
	TableID  string
	Database string
	Schema   string
	Name     string
	Columns  []domain.Column
	Facts    domain.SourceFacts
	Dropped  bool
}

// Change is one table's new events and the state they lead to.
type Change struct {
	Row    StateRow
	Events []es.Event
}

// State is the collector's write-side memory, committed in the same transaction as the events, so
// a diff is always against what the store holds (never a lagging read model).
type State interface {
	Load(ctx context.Context, datasourceID string) (map[string]StateRow, error)
	Commit(ctx context.Context, datasourceID string, changes []Change, meta es.Metadata) ([]es.Ref, error)
}

// Settler waits until the catalog read model shows the given stream versions, so a run reported
// finished is a run whose tables can be listed.
type Settler interface {
	Settle(ctx context.Context, refs []es.Ref) error
}

// Recorder appends single events (run progress) synchronously.
type Recorder interface {
	Record(ctx context.Context, streamID, streamType string, e es.Event, meta es.Metadata) (es.Ref, error)
}

// Locker takes a cluster-wide lock; ok is false when another holder has it.
type Locker interface {
	TryLock(ctx context.Context, key string) (unlock func(), ok bool, err error)
	Held(ctx context.Context, key string) (bool, error)
}

// Collector runs collections.
type Collector struct {
	sources  Sources
	state    State
	recorder Recorder
	locks    Locker
	// Settler, when set, is waited on before a run is recorded as finished.
	Settler Settler
	// schedules reads stored schedules (pause/resume).
	schedules Schedules
	// BatchSize is how many tables are committed per transaction; default 250.
	BatchSize int
	// ProgressEvery is how many tables pass between progress events; default 1000.
	ProgressEvery int
	// Background is the context runs started by Start live in (the server's lifetime).
	Background context.Context
}

// NewCollector wires collection.
func NewCollector(sources Sources, state State, recorder Recorder, locks Locker, schedules Schedules) *Collector {
	if sources == nil || state == nil || recorder == nil || locks == nil || schedules == nil {
		panic("catalog.NewCollector: nil dependency")
	}
	return &Collector{sources: sources, state: state, recorder: recorder, locks: locks, schedules: schedules, BatchSize: 250, ProgressEvery: 1000, Background: context.Background()}
}

// CollectRequest asks for a collection: a whole datasource, one database, or named tables.
type CollectRequest struct {
	DatasourceID string   `json:"datasource_id"`
	Database     string   `json:"database"`
	Tables       []string `json:"tables"`
}

// RunStream is the stream of a collection run.
func RunStream(runID string) string { return runID }

func lockKey(datasourceID string) string { return "catalog-collect:" + datasourceID }

// Start records the run and collects in the background; the returned ref is the run's start.
func (c *Collector) Start(ctx context.Context, req CollectRequest, scheduled bool, meta es.Metadata) (string, es.Ref, error) {
	if req.DatasourceID == "" {
		return "", es.Ref{}, fault.Field("datasource_id", "datasource_id is required")
	}
	src, name, err := c.sources.Open(ctx, req.DatasourceID)
	if err != nil {
		return "", es.Ref{}, err
	}
	unlock, ok, err := c.locks.TryLock(ctx, lockKey(req.DatasourceID))
	if err != nil {
		return "", es.Ref{}, err
	}
	if !ok {
		return "", es.Ref{}, fault.Conflict("a collection of this datasource is already running; wait for it to finish")
	}
	runID := "run-" + uuid.NewString()
	scope := domain.Scope{DatasourceID: req.DatasourceID, DatasourceName: name, Database: req.Database, Tables: req.Tables}
	ref, err := c.recorder.Record(ctx, RunStream(runID), domain.StreamRun, domain.CollectionStarted{RunID: runID, Scope: scope, Scheduled: scheduled}, meta)
	if err != nil {
		unlock()
		return "", es.Ref{}, err
	}
	go func() {
		defer unlock()
		c.run(c.Background, runID, scope, src, meta)
	}()
	return runID, ref, nil
}

// run collects and always records how the run ended.
func (c *Collector) run(ctx context.Context, runID string, scope domain.Scope, src Source, meta es.Metadata) {
	counts, synced, syncedTables, err := c.collect(ctx, runID, scope, src, meta)
	fin := domain.CollectionFinished{RunID: runID, Status: "succeeded", RunCounts: counts, SyncedDatabases: synced, SyncedTables: syncedTables}
	if err != nil {
		fin.Status, fin.Error = "failed", err.Error()
		slog.Warn("collection failed", "run", runID, "datasource", scope.DatasourceID, "err", err)
	}
	if _, err := c.recorder.Record(context.WithoutCancel(ctx), RunStream(runID), domain.StreamRun, fin, meta); err != nil {
		slog.Error("recording the end of a collection failed", "run", runID, "err", err)
	}
}

func (c *Collector) collect(ctx context.Context, runID string, scope domain.Scope, src Source, meta es.Metadata) (domain.RunCounts, []string, []string, error) {
	var counts domain.RunCounts
	dbs := []string{scope.Database}
	if scope.Database == "" && len(scope.Tables) == 0 {
		listed, err := src.ListDatabases(ctx)
		if err != nil {
			return counts, nil, nil, fmt.Errorf("list databases: %w", err)
		}
		if listed != nil { // nil: the engine has no database level (all schemas come at once)
			dbs = listed
		}
	}
	state, err := c.state.Load(ctx, scope.DatasourceID)
	if err != nil {
		return counts, nil, nil, err
	}
	type found struct {
		info datasource.TableInfo
		cols []datasource.Column
	}
	var all []found
	var readDBs []string
	for _, db := range dbs {
		tables, err := src.ListTablesInfo(ctx, db)
		if err != nil {
			return counts, nil, nil, fmt.Errorf("list tables of %q: %w", db, err)
		}
		cols, err := src.ListColumns(ctx, db)
		if err != nil {
			return counts, nil, nil, fmt.Errorf("list columns of %q: %w", db, err)
		}
		// Columns belong to a table of a schema: two schemas may hold tables of one name.
		byTable := map[[2]string][]datasource.Column{}
		schemas := false
		for _, col := range cols {
			byTable[[2]string{col.Schema, col.Table}] = append(byTable[[2]string{col.Schema, col.Table}], col)
			schemas = schemas || col.Schema != ""
		}
		for _, t := range tables {
			if len(scope.Tables) > 0 && !slices.Contains(scope.Tables, t.Name) {
				continue
			}
			key := [2]string{"", t.Name}
			if schemas {
				key[0] = t.Schema
			}
			all = append(all, found{t, byTable[key]})
		}
		readDBs = append(readDBs, db)
	}
	counts.Total = len(all)
	if len(scope.Tables) > 0 {
		for _, want := range scope.Tables {
			if !slices.ContainsFunc(all, func(f found) bool { return f.info.Name == want }) {
				counts.Failed++
				err = errors.Join(err, fmt.Errorf("table %q was not found in the datasource", want))
			}
		}
	}
	var batch []Change
	var syncedTables []string
	var written []es.Ref
	seen := map[string]bool{}
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		refs, err := c.state.Commit(ctx, scope.DatasourceID, batch, meta)
		if err != nil {
			return err
		}
		written = append(written, refs...)
		batch = batch[:0]
		return nil
	}
	for i, f := range all {
		src := domain.Source{DatasourceID: scope.DatasourceID, DatasourceName: scope.DatasourceName, Database: f.info.Database, Schema: f.info.Schema, Name: f.info.Name}
		id := domain.TableID(src)
		seen[id] = true
		if len(scope.Tables) > 0 {
			syncedTables = append(syncedTables, id)
		}
		facts := domain.SourceFacts{Comment: f.info.Comment, Type: f.info.Type, Rows: f.info.Rows, SizeBytes: f.info.SizeBytes,
			SourceCreatedAt: f.info.CreatedAt, SourceUpdatedAt: f.info.UpdatedAt, Definition: f.info.Definition}
		cols := make([]domain.Column, len(f.cols))
		copy(cols, f.cols)
		for j := range cols {
			cols[j].Table, cols[j].Schema = "", ""
		}
		old, known := state[id]
		row := StateRow{TableID: id, Database: src.Database, Schema: src.Schema, Name: src.Name, Columns: cols, Facts: facts}
		ch := Change{Row: row}
		switch {
		case !known || old.Dropped:
			ch.Events = append(ch.Events, domain.TableCollected{TableID: id, Source: src, SourceFacts: facts, Columns: cols, RunID: runID})
			counts.Collected++
		default:
			added, removed, changed := domain.Diff(old.Columns, cols)
			if len(added)+len(removed)+len(changed) > 0 {
				ch.Events = append(ch.Events, domain.ColumnsChanged{TableID: id, Added: added, Removed: removed, Changed: changed, Columns: cols, RunID: runID})
			}
			if factsChanged(old.Facts, facts) {
				ch.Events = append(ch.Events, domain.SourceFactsChanged{TableID: id, SourceFacts: facts, RunID: runID})
			} else {
				ch.Row.Facts = old.Facts // keep the recorded figures as the baseline for drift
			}
			if len(ch.Events) > 0 {
				counts.Changed++
			} else {
				counts.Unchanged++
			}
		}
		if len(ch.Events) > 0 {
			batch = append(batch, ch)
		}
		if len(batch) >= c.BatchSize {
			if err := flush(); err != nil {
				return counts, nil, nil, err
			}
		}
		if (i+1)%progressStep(counts.Total, c.ProgressEvery) == 0 {
			if err := flush(); err != nil {
				return counts, nil, nil, err
			}
			if _, err := c.recorder.Record(ctx, RunStream(runID), domain.StreamRun, domain.CollectionProgressed{RunID: runID, Total: counts.Total, Done: i + 1}, meta); err != nil {
				return counts, nil, nil, err
			}
		}
	}
	// Tables gone from a fully read database are marked dropped, never silently deleted.
	if len(scope.Tables) == 0 {
		for id, old := range state {
			if seen[id] || old.Dropped || !slices.Contains(readDBs, databaseOf(old, readDBs)) {
				continue
			}
			row := old
			row.Dropped = true
			batch = append(batch, Change{Row: row, Events: []es.Event{domain.TableDropped{TableID: id, RunID: runID}}})
			counts.Dropped++
			if len(batch) >= c.BatchSize {
				if err := flush(); err != nil {
					return counts, nil, nil, err
				}
			}
		}
	}
	if ferr := flush(); ferr != nil {
		return counts, nil, nil, ferr
	}
	if c.Settler != nil {
		if serr := c.Settler.Settle(ctx, written); serr != nil {
			slog.Warn("catalog did not show the collected tables in time", "run", runID, "err", serr)
		}
	}
	// Fully read databases, named as their tables carry them (engines without a database level read
	// under "" but their tables name the connection's database).
	var synced []string
	if len(scope.Tables) == 0 {
		for _, db := range readDBs {
			if db != "" && !slices.Contains(synced, db) {
				synced = append(synced, db)
			}
		}
		for _, f := range all {
			if !slices.Contains(synced, f.info.Database) {
				synced = append(synced, f.info.Database)
			}
		}
	}
	return counts, synced, syncedTables, err
}

// databaseOf matches a remembered table to the database argument it was read under: engines
// without a database level read everything under "".
func databaseOf(row StateRow, read []string) string {
	if slices.Contains(read, row.Database) {
		return row.Database
	}
	if slices.Contains(read, "") {
		return ""
	}
	return row.Database
}

// factsChanged ignores the churn of row counts and sizes below 10%.
func factsChanged(a, b domain.SourceFacts) bool {
	if a.Comment != b.Comment || a.Type != b.Type || a.Definition != b.Definition {
		return true
	}
	return drift(a.Rows, b.Rows) || drift(a.SizeBytes, b.SizeBytes)
}

func drift(a, b *int64) bool {
	if a == nil || b == nil {
		return (a == nil) != (b == nil)
	}
	d := math.Abs(float64(*a - *b))
	return d > 1000 && d > 0.1*math.Max(float64(*a), 1)
}

// progressStep reports progress about ten times per run, at most every `max` tables.
func progressStep(total, max int) int {
	return min(max, total/10+1)
}
