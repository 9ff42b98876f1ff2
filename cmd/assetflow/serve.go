package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	appcat "assetflow/application/catalog"
	appdsvc "assetflow/application/dataservice"
	"assetflow/application/page"
	appquality "assetflow/application/quality"
	"assetflow/domain/access"
	"assetflow/domain/catalog"
	"assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
	"assetflow/domain/monitor"
	"assetflow/infrastructure/bus"
	"assetflow/infrastructure/config"
	"assetflow/infrastructure/datasources"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/exportstore"
	"assetflow/infrastructure/hostinfo"
	"assetflow/infrastructure/httpapi"
	"assetflow/infrastructure/postgres"
	"assetflow/infrastructure/relay"
	"assetflow/infrastructure/scheduler"
	"assetflow/infrastructure/secrets"
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
	"assetflow/webui"
)

func serve(ctx context.Context) error {
	// A request allocates little and briefly while the live heap stays small, so the default
	// (collect each time the heap doubles) runs the collector often for little gain: collect at
	// three times the live heap unless GOGC says otherwise (docs/operations.md).
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	c, err := openCore(ctx)
	if err != nil {
		return err
	}
	defer c.close()
	cfg := c.cfg
	key, err := c.masterKey()
	if err != nil {
		return err
	}
	pools := datasources.NewPools()
	defer pools.Close()
	dsService, err := c.datasourceService(key, pools)
	if err != nil {
		return err
	}
	metrics := httpapi.NewMetrics()
	c.store.OnAppend = func(n int) { metrics.EventsAppended.Add(float64(n)) }

	brokers := cfg.KafkaBrokers
	var embedded *bus.Embedded
	if len(brokers) == 0 {
		if embedded, err = bus.StartEmbedded(cfg.EmbeddedKafkaAddr, cfg.DataDir); err != nil {
			return err
		}
		brokers = []string{embedded.Addr}
		slog.Info("embedded Kafka broker started", "addr", embedded.Addr)
	}
	publisher, err := bus.NewPublisher(brokers, "assetflow-relay")
	if err != nil {
		if embedded != nil {
			embedded.Close()
		}
		return err
	}

	svc, facts := c.accessService(key)
	svc.Lockout = monitorproj.Queries{Pool: c.pool}
	sessions := httpapi.NewSessionTracker()
	collector, curator, profiler := c.catalogServices(dsService)
	guard, permissions := c.permissions()
	queryConsole, cancels := c.console(dsService, facts, guard)
	interfaces, gateway := c.reportAPIs(dsService, facts, httpapi.Status, guard)
	hub := runner.NewHub()
	run := runner.New(c.store, hub, projections()...)
	run.OnApplied = func(p string, _ eventstore.Event) { metrics.EventsApplied.WithLabelValues(p).Inc() }
	rel := relay.New(c.store, publisher, relay.Options{})

	if err := bootstrapAdmin(ctx, svc, cfg.AdminPassword); err != nil {
		return err
	}

	lineageSvc := c.lineageService()
	qualitySvc := c.qualityService(dsService)
	bg, cancel := context.WithCancel(ctx)
	waiter := runner.NewWaiter(c.pool, hub, run, cfg.ReadYourWritesTimeout)
	syncSvc := c.integrationService(dsService, lineageSvc, bg)
	syncSvc.Dispatch(runLog{c.store})
	app := httpapi.New(httpapi.Deps{
		Access: svc, Datasources: dsService, DatasourceQ: dsproj.Queries{Pool: c.pool},
		Collector: collector, Curator: curator, Profiler: profiler, ValidCron: scheduler.ValidCron,
		Queries: queryConsole, Interfaces: interfaces, Gateway: gateway, Sources: querySources{dsService}, QueryLog: dsvcproj.Queries{Pool: c.pool}, ExportFiles: exportstore.Store{Pool: c.pool},
		Recorder: eventstore.Recorder{Store: c.store, Codec: c.codec}, Background: bg,
		Quality:     httpapi.QualityDeps{Service: qualitySvc, Queries: qualityproj.Queries{Pool: c.pool}, NextRun: scheduler.Next},
		Integration: httpapi.IntegrationDeps{Service: syncSvc, Queries: intproj.Queries{Pool: c.pool}, NextRun: scheduler.Next},
		Lineage:     lineageSvc, Permissions: permissions, LineageQ: lineageproj.Queries{Pool: c.pool, Catalog: catproj.Queries{Pool: c.pool}.LineageNames},
		Monitor2: httpapi.MonitorDeps{Pool: c.pool, Brokers: brokers, DataDir: cfg.DataDir, Sessions: sessions,
			RelayActive: rel.Active,
			RelayLag: func(ctx context.Context) int64 {
				head, _ := c.store.Head(ctx)
				return max(0, head-rel.Position())
			},
			Jobs: func(ctx context.Context) ([]httpapi.Job, error) {
				return listJobs(ctx, catproj.Queries{Pool: c.pool}, dsproj.Queries{Pool: c.pool})
			},
			JobNow: func(ctx context.Context, key string, resume, pause bool, meta eventsourcing.Metadata) error {
				return jobAction(ctx, collector, key, resume, pause, meta)
			},
		}, CatalogQ: catproj.Queries{Pool: c.pool}, Users: accessproj.Queries{Pool: c.pool}, Audit: audit.Queries{Pool: c.pool}, Monitor: monitorproj.Queries{Pool: c.pool},
		Tokens: secrets.Tokens{Key: secrets.Derive(key, "token")}, Waiter: waiter,
		Store: c.store, Facts: facts, Codec: c.codec, Metrics: metrics, Console: webui.Console(), NodeID: cfg.NodeID, Version: version,
		Ready: func(ctx context.Context) error {
			if err := c.pool.Ping(ctx); err != nil {
				return fmt.Errorf("database: %w", err)
			}
			if !run.CaughtUp() {
				return errors.New("projections are catching up")
			}
			if !run.Following() {
				return errors.New("projections are subscribing to Kafka")
			}
			return brokerReachable(ctx, brokers)
		},
	})

	collector.Background = bg
	collector.Settler = catalogSettler{runner.NewWaiter(c.pool, hub, run, time.Minute)}
	var wg sync.WaitGroup
	start := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(bg); err != nil {
				slog.Error(name+" stopped", "err", err)
			}
		}()
	}
	start("relay", rel.Run)
	start("query-cancel", cancels.Listen)
	start("heartbeat", func(ctx context.Context) error {
		return heartbeat(ctx, cfg, eventstore.FactSink{Appender: facts, Codec: c.codec}, rel, sessions)
	})
	start("projections", func(ctx context.Context) error { return run.Run(ctx, brokers) })
	start("etl-logs", func(ctx context.Context) error { return consumeETLLogs(ctx, brokers, lineageSvc) })
	start("sync-worker", func(ctx context.Context) error { return consumeSyncRequests(ctx, brokers, syncSvc) })
	start("lineage-feed", func(ctx context.Context) error {
		return feedLineage(ctx, brokers, lineageSvc, func(ctx context.Context, id string) (catalog.Source, error) {
			t, err := catproj.Queries{Pool: c.pool}.Table(ctx, id)
			return catalog.Source{DatasourceID: t.DatasourceID, DatasourceName: t.DatasourceName, Database: t.Database, Schema: t.Schema, Name: t.Name}, err
		})
	})
	start("lag", func(ctx context.Context) error { return watchLag(ctx, c.store, rel, run, metrics) })
	if cfg.Demo {
		start("demo", func(ctx context.Context) error {
			ok, err := wantDemo(ctx, c.pool)
			if err != nil || !ok {
				return err
			}
			users := accessproj.Queries{Pool: c.pool}
			var admin string
			for i := 0; admin == "" && i < 300; i++ { // the bootstrap admin reaches the read model shortly after start
				if admin, _, err = users.UserRoles(ctx, "admin"); err != nil {
					time.Sleep(100 * time.Millisecond)
				}
			}
			if admin == "" {
				return fmt.Errorf("demo: no admin user: %w", err)
			}
			d := &demo{cfgURL: cfg.DatabaseURL, mariaDSN: cfg.DemoMariaDB, access: svc, users: accessproj.Queries{Pool: c.pool},
				sources: dsService, sourcesQ: dsproj.Queries{Pool: c.pool}, collector: collector, curator: curator, catalog: catproj.Queries{Pool: c.pool},
				lineage: lineageSvc, quality: qualitySvc, qualityQ: qualityproj.Queries{Pool: c.pool}, interfaces: interfaces,
				ifaceQ: dsvcproj.Queries{Pool: c.pool}, perms: permissions, sync: syncSvc, syncQ: intproj.Queries{Pool: c.pool}, waiter: waiter,
				meta: eventsourcing.Metadata{ActorID: admin, ActorName: "admin", CorrelationID: "demo"}}
			return d.seed(ctx)
		})
	}
	start("grant-expiry", func(ctx context.Context) error {
		return expireGrants(ctx, accessproj.Queries{Pool: c.pool}, permissions)
	})
	start("scheduler", func(ctx context.Context) error {
		return runSchedules(ctx, postgres.Locks{Pool: c.pool}, catproj.Queries{Pool: c.pool}, collector, profiler,
			appdsvc.NewAlarms(dsvcproj.Queries{Pool: c.pool}), syncSchedules(intproj.Queries{Pool: c.pool}, syncSvc))
	})

	start("quality-scheduler", func(ctx context.Context) error {
		return runQualitySchedules(ctx, postgres.Locks{Pool: c.pool}, qualityproj.Queries{Pool: c.pool}, qualitySvc, 10*time.Second)
	})
	start("quality-alerts", func(ctx context.Context) error {
		alerts := appquality.NewAlerts(qualityproj.Queries{Pool: c.pool}, appdsvc.NewWebhook())
		alerts.Claims = qualityproj.AlertClaims{Pool: c.pool}
		return alertQuality(ctx, brokers, alerts)
	})

	if cfg.PprofAddr != "" {
		start("pprof", func(ctx context.Context) error { return servePprof(ctx, cfg.PprofAddr) })
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		cancel()
		wg.Wait()
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	slog.Info("AssetFlow is up", "url", "http://"+ln.Addr().String(), "node", cfg.NodeID, "kafka", brokers)
	fmt.Printf("\n  AssetFlow console: http://%s   (user: admin)\n\n", ln.Addr().String())
	go func() {
		<-ctx.Done()
		_ = app.ShutdownWithTimeout(10 * time.Second)
	}()
	err = app.Listener(ln)
	// Orderly shutdown: stop taking requests, flush facts, stop consumers and the relay, close the
	// publisher, and only then the broker.
	_ = gateway.FlushCalls(context.Background())
	facts.Close()
	cancel()
	wg.Wait()
	syncSvc.Wait()
	_ = publisher.Close()
	if embedded != nil {
		embedded.Close()
	}
	return err
}

func bootstrapAdmin(ctx context.Context, svc interface {
	EnsureAdmin(ctx context.Context, password string, reset bool) (bool, error)
}, password string) error {
	generated := false
	if password == "" {
		b := make([]byte, 12)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		password = base64.RawURLEncoding.EncodeToString(b)
		generated = true
	}
	created, err := svc.EnsureAdmin(ctx, password, !generated)
	if err != nil {
		return fmt.Errorf("bootstrap admin: %w", err)
	}
	switch {
	case created && generated:
		fmt.Printf("\n  Bootstrap admin created: user admin, password %s\n  (shown once; set ASSETFLOW_ADMIN_PASSWORD to choose it)\n", password)
	case created:
		slog.Info("bootstrap admin created from ASSETFLOW_ADMIN_PASSWORD", "user", "admin")
	}
	return nil
}

func watchLag(ctx context.Context, store *eventstore.Store, rel *relay.Relay, run *runner.Runner, m *httpapi.Metrics) error {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		head, err := store.Head(ctx)
		if err != nil {
			continue
		}
		if rel.Active() {
			m.RelayActive.Set(1)
			m.RelayLag.Set(float64(head - rel.Position()))
		} else {
			m.RelayActive.Set(0)
		}
		for _, p := range run.Projections() {
			m.ProjectionLag.WithLabelValues(p.Name()).Set(float64(max(0, head-run.AppliedPosition(p.Name()))))
		}
	}
}

// brokerReachable reports whether any configured Kafka broker accepts connections.
func brokerReachable(ctx context.Context, brokers []string) error {
	var d net.Dialer
	for _, b := range brokers {
		dctx, cancel := context.WithTimeout(ctx, time.Second)
		conn, err := d.DialContext(dctx, "tcp", b)
		cancel()
		if err == nil {
			_ = conn.Close()
			return nil
		}
	}
	return fmt.Errorf("no Kafka broker reachable (%v)", brokers)
}

// runSchedules keeps the scheduled collections in step with the schedules read model and, on the
// leader, ends runs whose replica died. Every replica runs this; only the lock holder's jobs fire.
func runSchedules(ctx context.Context, locks postgres.Locks, q catproj.Queries, collector *appcat.Collector, profiler *appcat.Profiler, alarms *appdsvc.Alarms,
	more ...func(context.Context) []scheduler.Entry) error {
	elector := &scheduler.LockElector{Locks: locks, Key: "assetflow-scheduler"}
	s, err := scheduler.New(ctx, elector)
	if err != nil {
		return err
	}
	defer s.Close()
	system := eventsourcing.Metadata{ActorID: "scheduler", ActorName: "scheduler"}
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for {
		if list, err := q.Schedules(ctx); err == nil {
			var entries []scheduler.Entry
			for _, sch := range list {
				if !sch.Enabled {
					continue
				}
				ds := sch.DatasourceID
				entries = append(entries, scheduler.Entry{Key: "collect:" + ds, Cron: sch.Cron, Run: func(ctx context.Context) {
					if _, _, err := collector.Start(ctx, appcat.CollectRequest{DatasourceID: ds}, true, system); err != nil {
						slog.Warn("scheduled collection did not start", "datasource", ds, "err", err)
					}
				}})
				if sch.ProfileCron != "" {
					entries = append(entries, scheduler.Entry{Key: "profile:" + ds, Cron: sch.ProfileCron, Run: func(ctx context.Context) {
						ids, err := q.ActiveTableIDs(ctx, ds)
						if err != nil {
							slog.Warn("scheduled profiling: cannot list tables", "datasource", ds, "err", err)
							return
						}
						failed := 0
						for _, id := range ids {
							if _, _, err := profiler.Profile(ctx, id, system); err != nil {
								failed++
							}
						}
						slog.Info("scheduled profiling done", "datasource", ds, "tables", len(ids), "failed", failed)
					}})
				}
			}
			for _, m := range more {
				entries = append(entries, m(ctx)...)
			}
			s.Sync(entries)
		}
		if elector.IsLeader(ctx) == nil {
			if running, err := q.RunningRuns(ctx); err == nil {
				var rr []appcat.RunningRun
				for _, r := range running {
					if time.Since(r.StartedAt) > 30*time.Second {
						rr = append(rr, appcat.RunningRun{ID: r.ID, DatasourceID: r.DatasourceID})
					}
				}
				if n, err := collector.ReapInterrupted(ctx, rr, system); err == nil && n > 0 {
					slog.Warn("ended interrupted collection runs", "count", n)
				}
			}
			if fired, err := alarms.Check(ctx, time.Now()); err == nil && len(fired) > 0 {
				slog.Warn("report API alarms delivered", "count", len(fired))
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// heartbeat reports this replica every 15 s and flushes the sessions seen since the last beat.
func heartbeat(ctx context.Context, cfg config.Config, facts eventstore.FactSink, rel *relay.Relay, sessions *httpapi.SessionTracker) error {
	started := time.Now().UTC().Format(time.RFC3339)
	system := eventsourcing.Metadata{ActorID: "system", ActorName: cfg.NodeID}
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		snap := hostinfo.Read(ctx, cfg.DataDir, 100*time.Millisecond)
		_ = facts.Submit(ctx, "replica-"+cfg.NodeID, monitor.StreamReplica, monitor.ReplicaHeartbeat{NodeID: cfg.NodeID, HTTPAddr: cfg.HTTPAddr,
			Version: version, StartedAt: started, RelayActive: rel.Active(), Figures: map[string]any{
				"cpu_percent": snap.CPU.Percent, "memory_percent": snap.Memory.UsedPercent, "goroutines": snap.Runtime.Goroutines,
				"heap_bytes": snap.Runtime.HeapAlloc, "load1": snap.CPU.Load1}}, system)
		if seen := sessions.Flush(); len(seen) > 0 {
			_ = facts.Submit(ctx, "seen-"+uuid.NewString(), access.StreamSeen, access.SessionsSeen{Sessions: seen}, system)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// listJobs lists the scheduled collections and profilings with their next and last runs.
func listJobs(ctx context.Context, q catproj.Queries, ds dsproj.Queries) ([]httpapi.Job, error) {
	schedules, err := q.Schedules(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var out []httpapi.Job
	for _, s := range schedules {
		name := s.DatasourceID
		if d, err := ds.Get(ctx, s.DatasourceID); err == nil {
			name = d.Name
		}
		job := httpapi.Job{Key: "collect:" + s.DatasourceID, Kind: "collect", Target: s.DatasourceID, TargetName: name, Cron: s.Cron, Enabled: s.Enabled}
		if next, err := scheduler.Next(s.Cron, now); err == nil && s.Enabled {
			job.NextRun = &next
		}
		if runs, err := q.Runs(ctx, s.DatasourceID, mustPage(1, 1)); err == nil && len(runs.Items) > 0 {
			r := runs.Items[0]
			job.LastRun, job.LastStatus = &r.StartedAt, r.Status
			if r.FinishedAt != nil {
				job.LastDuration = r.FinishedAt.Sub(r.StartedAt).Seconds()
			}
		}
		out = append(out, job)
		if s.ProfileCron != "" {
			p := httpapi.Job{Key: "profile:" + s.DatasourceID, Kind: "profile", Target: s.DatasourceID, TargetName: name, Cron: s.ProfileCron, Enabled: s.Enabled}
			if next, err := scheduler.Next(s.ProfileCron, now); err == nil && s.Enabled {
				p.NextRun = &next
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// jobAction runs a collection now, or pauses/resumes a datasource's schedule.
func jobAction(ctx context.Context, collector *appcat.Collector, key string, resume, pause bool, meta eventsourcing.Metadata) error {
	kind, ds, ok := strings.Cut(key, ":")
	if !ok || (kind != "collect" && kind != "profile") || ds == "" {
		return fault.NotFound("job", key)
	}
	if !resume && !pause {
		if kind != "collect" {
			return fault.Invalid("only collections can be run now; profile tables from the catalog")
		}
		_, _, err := collector.Start(ctx, appcat.CollectRequest{DatasourceID: ds}, false, meta)
		return err
	}
	return collector.Pause(ctx, ds, resume, meta)
}

func mustPage(n, size int) page.Request {
	p, _ := page.New(n, size)
	return p
}

// servePprof serves Go's profiles on their own listener until ctx ends.
func servePprof(ctx context.Context, addr string) error {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	slog.Info("profiles served", "url", "http://"+addr+"/debug/pprof/")
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("pprof on %s: %w", addr, err)
	}
	return nil
}
