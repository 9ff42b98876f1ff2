package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	appaccess "assetflow/application/access"
	appcat "assetflow/application/catalog"
	appdsvc "assetflow/application/dataservice"
	appds "assetflow/application/datasource"
	appint "assetflow/application/integration"
	applineage "assetflow/application/lineage"
	"assetflow/application/permission"
	"assetflow/domain/access"
	"assetflow/domain/catalog"
	"assetflow/domain/dataservice"
	"assetflow/domain/datasource"
	"assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
	"assetflow/domain/integration"
	"assetflow/domain/lineage"
	"assetflow/domain/monitor"
	"assetflow/domain/quality"
	"assetflow/infrastructure/accounts"
	"assetflow/infrastructure/catalogstate"
	"assetflow/infrastructure/config"
	"assetflow/infrastructure/connectors"
	"assetflow/infrastructure/datasources"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/exportstore"
	"assetflow/infrastructure/postgres"
	"assetflow/infrastructure/querycancel"
	"assetflow/infrastructure/scheduler"
	"assetflow/infrastructure/secrets"
	"assetflow/infrastructure/sqlparse"
	"assetflow/infrastructure/sqltemplate"
	accessproj "assetflow/projections/access"
	"assetflow/projections/audit"
	catproj "assetflow/projections/catalog"
	dsvcproj "assetflow/projections/dataservice"
	dsproj "assetflow/projections/datasource"
	intproj "assetflow/projections/integration"
	lineageproj "assetflow/projections/lineage"
	monitorproj "assetflow/projections/monitor"
	qualityproj "assetflow/projections/quality"
	"assetflow/projections/runner"
)

// allEvents lists every event type of every context: the codec and docs/events.md are built from it.
func allEvents() []eventsourcing.Event {
	var out []eventsourcing.Event
	out = append(out, access.Events()...)
	out = append(out, datasource.Events()...)
	out = append(out, catalog.Events()...)
	out = append(out, dataservice.Events()...)
	out = append(out, monitor.Events()...)
	out = append(out, lineage.Events()...)
	out = append(out, quality.Events()...)
	out = append(out, integration.Events()...)
	return out
}

// projections lists every read model.
func projections() []runner.Projection {
	return []runner.Projection{audit.Projection{}, accessproj.Projection{}, monitorproj.Projection{}, dsproj.Projection{}, catproj.Projection{}, dsvcproj.Projection{}, lineageproj.Projection{},
		qualityproj.Projection{}, intproj.Projection{}}
}

// migrations lists every schema owner in order.
func migrations() []postgres.Migration {
	ms := []postgres.Migration{eventstore.Migration(), runner.Migration(), accounts.Migration(), datasources.Migration(), catalogstate.Migration(), exportstore.Migration()}
	for _, p := range projections() {
		ms = append(ms, p.Migration())
	}
	return ms
}

// core is what every command needs: configuration, a migrated database and the store.
type core struct {
	cfg   config.Config
	pool  *pgxpool.Pool
	store *eventstore.Store
	codec *eventstore.Codec
	repo  *eventstore.Repository
}

func openCore(ctx context.Context) (*core, error) {
	cfg, err := config.FromEnv()
	if err != nil {
		return nil, fmt.Errorf("configuration:\n%w", err)
	}
	pool, err := postgres.Connect(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := postgres.Migrate(ctx, pool, migrations()...); err != nil {
		pool.Close()
		return nil, err
	}
	store := eventstore.New(pool)
	codec := eventstore.NewCodec(allEvents()...)
	return &core{cfg: cfg, pool: pool, store: store, codec: codec, repo: eventstore.NewRepository(store, codec)}, nil
}

func (c *core) close() { c.pool.Close() }

// accessService wires the access use cases; the caller closes the returned fact appender.
func (c *core) accessService(key []byte) (*appaccess.Service, *eventstore.FactAppender) {
	facts := eventstore.NewFactAppender(c.store, eventstore.FactAppenderOptions{Window: c.cfg.FactBatchWindow})
	f := eventstore.FactSink{Appender: facts, Codec: c.codec}
	svc := appaccess.NewService(accounts.Users{Repo: c.repo}, accounts.APIKeys{Repo: c.repo}, f,
		accounts.Sessions{Facts: f, Store: c.store}, secrets.Bcrypt{Cost: c.cfg.BcryptCost},
		secrets.Tokens{Key: secrets.Derive(key, "token")}, c.cfg.TokenTTL)
	return svc, facts
}

// masterKey loads the server key, generating it under the data directory on first start.
func (c *core) masterKey() ([]byte, error) {
	return secrets.LoadOrCreateKey(c.cfg.SecretKey, c.cfg.DataDir)
}

// datasourceRepository seals and opens datasource passwords with keys derived from the master key.
func (c *core) datasourceRepository(key []byte) (datasources.Repository, error) {
	var previous [][]byte
	if len(c.cfg.SecretKeyPrevious) == 32 {
		previous = append(previous, c.cfg.SecretKeyPrevious)
	}
	cipher, err := secrets.NewCipher(key, previous...)
	if err != nil {
		return datasources.Repository{}, err
	}
	return datasources.Repository{Repo: c.repo, Cipher: cipher}, nil
}

// datasourceService wires the datasource use cases over a pool registry.
func (c *core) datasourceService(key []byte, pools *datasources.Pools) (*appds.Service, error) {
	repo, err := c.datasourceRepository(key)
	if err != nil {
		return nil, err
	}
	return appds.NewService(repo, pools, eventstore.Recorder{Store: c.store, Codec: c.codec}, intproj.Queries{Pool: c.pool}), nil
}

// catalogSources lets the collector read datasources through the datasource service's pools.
type catalogSources struct{ ds *appds.Service }

func (s catalogSources) Open(ctx context.Context, id string) (appcat.Source, string, error) {
	c, cfg, err := s.ds.Open(ctx, id)
	return c, cfg.Name, err
}

// catalogSettler waits for the catalog read model through the runner's waiter.
type catalogSettler struct{ w *runner.Waiter }

func (s catalogSettler) Settle(ctx context.Context, refs []eventsourcing.Ref) error {
	if done, err := s.w.AwaitAll(ctx, refs, catproj.Name); err != nil || !done {
		return fmt.Errorf("%d table(s) not yet in the catalog: %v", len(refs), err)
	}
	return nil
}

// catalogServices wires collection, curation and profiling.
func (c *core) catalogServices(ds *appds.Service) (*appcat.Collector, *appcat.Curator, *appcat.Profiler) {
	rec := eventstore.Recorder{Store: c.store, Codec: c.codec}
	queries := catproj.Queries{Pool: c.pool}
	collector := appcat.NewCollector(catalogSources{ds}, catalogstate.State{Store: c.store, Codec: c.codec}, rec, postgres.Locks{Pool: c.pool}, queries)
	return collector, appcat.NewCurator(c.repo, queries, rec), appcat.NewProfiler(catalogSources{ds}, queries, rec)
}

// querySources lets the console query datasources through the datasource service's pools.
type querySources struct{ ds *appds.Service }

func (s querySources) OpenQuerier(ctx context.Context, id string) (appdsvc.Querier, datasource.Config, error) {
	return s.ds.Open(ctx, id)
}

// sqlParser adapts sqlparse to the console's Parser port.
type sqlParser struct{}

func (sqlParser) Single(t datasource.Type, sql string) (appdsvc.Statement, error) {
	st, err := sqlparse.Single(sqlparse.DialectOf(t), sql)
	return appdsvc.Statement{ReadOnly: st.ReadOnly, Pageable: st.Pageable, Limited: st.Limited}, err
}

func (sqlParser) CheckReadOnly(t datasource.Type, sql string) error {
	st, err := sqlparse.Single(sqlparse.DialectOf(t), sql)
	if err != nil {
		return err
	}
	return sqlparse.CheckReadOnly(st)
}

// console wires the query console; the registry's Listen must run for cross-replica cancels.
func (c *core) console(ds *appds.Service, facts *eventstore.FactAppender, guard *permission.Guard) (*appdsvc.Console, *querycancel.Registry) {
	reg := querycancel.New(c.pool)
	con := appdsvc.NewConsole(querySources{ds}, sqlParser{}, sqltemplate.Render, eventstore.FactSink{Appender: facts, Codec: c.codec}, reg, consoleGuard{guard})
	con.MaxConcurrent, con.ExportCap = c.cfg.QueryMaxConcurrent, c.cfg.ExportMaxRows
	return con, reg
}

// definitions resolves gateway calls through the interfaces read model.
type definitions struct{ q dsvcproj.Queries }

func (d definitions) Definition(ctx context.Context, code, version string) (dataservice.Definition, string, error) {
	row, err := d.q.Interface(ctx, code, version)
	return row.Definition, row.Status, err
}

// reportAPIs wires report-API management and the /data-api gateway.
func (c *core) reportAPIs(ds *appds.Service, facts *eventstore.FactAppender, statusOf func(fault.Kind) int, guard *permission.Guard) (*appdsvc.Interfaces, *appdsvc.Gateway) {
	q := dsvcproj.Queries{Pool: c.pool}
	mgmt := appdsvc.NewInterfaces(c.repo, querySources{ds}, q, eventstore.Recorder{Store: c.store, Codec: c.codec})
	gw := appdsvc.NewGateway(definitions{q}, querySources{ds}, eventstore.FactSink{Appender: facts, Codec: c.codec})
	gw.StatusOf = statusOf
	gw.Guard = gatewayGuard{guard, permissionDirectory{accessproj.Queries{Pool: c.pool}}}
	return mgmt, gw
}

// lineageAnalyser adapts sqlparse to the lineage service.
type lineageAnalyser struct{}

func (lineageAnalyser) Analyse(r applineage.Request) (lineage.Result, error) {
	return sqlparse.Lineage(sqlparse.LineageOptions{Dialect: r.Dialect, DefaultSchema: r.DefaultSchema, Columns: r.Columns}, r.SQL)
}

// lineageSources names lineage nodes after the datasource, picks its dialect and expands
// SELECT * through the catalog.
type lineageSources struct {
	q   dsproj.Queries
	cat catproj.Queries
}

func (s lineageSources) TableColumns(ctx context.Context, datasourceID, qualifier, table string) ([]string, error) {
	return s.cat.ColumnNames(ctx, datasourceID, qualifier, table)
}

func (s lineageSources) LineageSource(ctx context.Context, id string) (applineage.Source, error) {
	d, err := s.q.Get(ctx, id)
	if err != nil {
		return applineage.Source{}, err
	}
	src := applineage.Source{Name: d.Name, DefaultSchema: d.Database}
	switch datasource.Type(d.Type) {
	case datasource.MySQL, datasource.MariaDB:
		src.Dialect = "mysql"
	case datasource.StarRocks:
		src.Dialect = "starrocks"
	case datasource.Hive:
		src.Dialect = "hive"
	case datasource.Trino, datasource.Presto:
		src.Dialect = "trino"
	default:
		src.Dialect, src.DefaultSchema = "postgres", "public"
	}
	return src, nil
}

// lineageService wires lineage recording.
func (c *core) lineageService() *applineage.Service {
	return applineage.NewService(lineageAnalyser{}, lineageSources{dsproj.Queries{Pool: c.pool}, catproj.Queries{Pool: c.pool}}, c.repo)
}

// syncEndpoints opens datasources as sync sources and targets through the datasource service's
// pools; which engines can take part depends on the task's scope (integration.CheckEngine), and a
// Hive target writes the partition the spec names, evaluated at the run's start.
type syncEndpoints struct{ ds *appds.Service }

func (e syncEndpoints) Source(ctx context.Context, id string, spec integration.Spec) (appint.Source, error) {
	c, cfg, err := e.ds.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := integration.CheckEngine(spec.Scope, string(cfg.Type), true); err != nil {
		return nil, err
	}
	src, ok := c.(appint.Source)
	if !ok {
		return nil, fault.Invalid(fmt.Sprintf("%s datasources cannot be a sync source", cfg.Type))
	}
	return src, nil
}

func (e syncEndpoints) Target(ctx context.Context, id string, spec integration.Spec) (appint.Target, error) {
	c, cfg, err := e.ds.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := integration.CheckEngine(spec.Scope, string(cfg.Type), false); err != nil {
		return nil, err
	}
	return syncTarget(c, spec, time.Now())
}

// syncTarget is the connector as the target of spec: Hive targets write the spec's partition.
func syncTarget(c any, spec integration.Spec, now time.Time) (appint.Target, error) {
	if spec.Scope == integration.ScopeDBToCluster {
		value, err := integration.PartitionValueAt(spec.PartitionValue, now)
		if err != nil {
			return nil, fault.Field("partition_value", err.Error())
		}
		return connectors.NewHiveTarget(c, spec.PartitionColumn, value)
	}
	tgt, ok := c.(appint.Target)
	if !ok {
		return nil, fault.Invalid("this datasource cannot be a sync target")
	}
	return tgt, nil
}

// integrationService wires sync tasks and runs; runs live in background.
func (c *core) integrationService(ds *appds.Service, lin *applineage.Service, background context.Context) *appint.Service {
	svc := appint.NewService(c.repo, eventstore.Recorder{Store: c.store, Codec: c.codec}, postgres.Locks{Pool: c.pool},
		syncEndpoints{ds}, intproj.Queries{Pool: c.pool}, scheduler.ValidCron)
	svc.Background, svc.Lineage, svc.MaxParallelism = background, syncLineage{lin}, c.cfg.SyncMaxParallelism
	return svc
}

// syncLineage records completed sync runs as lineage edges of the task.
type syncLineage struct{ svc *applineage.Service }

func (l syncLineage) RecordSync(ctx context.Context, task *integration.Task, tables []appint.CopiedTable, meta eventsourcing.Metadata) error {
	synced := make([]applineage.SyncedTable, len(tables))
	for i, t := range tables {
		synced[i] = applineage.SyncedTable{SourceDatasourceID: task.Spec.SourceDatasourceID, SourceQualifier: t.SourceDatabase, SourceTable: t.SourceTable,
			TargetDatasourceID: task.Spec.TargetDatasourceID, TargetQualifier: t.TargetDatabase, TargetTable: t.TargetTable, Columns: t.Columns,
			TargetColumns: t.TargetColumns}
	}
	_, err := l.svc.RecordSync(ctx, task.ID(), synced, meta)
	return err
}

// syncSchedules lists the scheduled sync tasks as scheduler entries, and ends runs whose replica
// stopped (any replica may: a run's lock tells whether it is alive).
func syncSchedules(q intproj.Queries, svc *appint.Service) func(context.Context) []scheduler.Entry {
	system := eventsourcing.Metadata{ActorID: "scheduler", ActorName: "scheduler"}
	return func(ctx context.Context) []scheduler.Entry {
		if n, err := svc.ReapInterrupted(ctx, system); err == nil && n > 0 {
			slog.Warn("ended interrupted sync runs", "count", n)
		}
		tasks, err := q.ScheduledTasks(ctx)
		if err != nil {
			return nil
		}
		var out []scheduler.Entry
		for _, t := range tasks {
			id := t.ID
			out = append(out, scheduler.Entry{Key: "sync:" + id, Cron: t.Schedule, Run: func(ctx context.Context) {
				if _, _, err := svc.Start(ctx, id, appint.TriggerSchedule, system); err != nil {
					slog.Warn("scheduled sync did not start", "task", id, "err", err)
				}
			}})
		}
		return out
	}
}
