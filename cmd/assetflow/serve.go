package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	appcat "assetflow/application/catalog"
	appdsvc "assetflow/application/dataservice"
	"assetflow/domain/eventsourcing"
	"assetflow/infrastructure/bus"
	"assetflow/infrastructure/datasources"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/exportstore"
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
	monitorproj "assetflow/projections/monitor"
	"assetflow/projections/runner"
	"assetflow/webui"
)

func serve(ctx context.Context) error {
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
	collector, curator, profiler := c.catalogServices(dsService)
	queryConsole, cancels := c.console(dsService, facts)
	interfaces, gateway := c.reportAPIs(dsService, facts, httpapi.Status)
	hub := runner.NewHub()
	run := runner.New(c.store, hub, projections()...)
	run.OnApplied = func(p string, _ eventstore.Event) { metrics.EventsApplied.WithLabelValues(p).Inc() }
	rel := relay.New(c.store, publisher, relay.Options{})

	if err := bootstrapAdmin(ctx, svc, cfg.AdminPassword); err != nil {
		return err
	}

	bg, cancel := context.WithCancel(ctx)
	app := httpapi.New(httpapi.Deps{
		Access: svc, Datasources: dsService, DatasourceQ: dsproj.Queries{Pool: c.pool},
		Collector: collector, Curator: curator, Profiler: profiler, ValidCron: scheduler.ValidCron,
		Queries: queryConsole, Interfaces: interfaces, Gateway: gateway, Sources: querySources{dsService}, QueryLog: dsvcproj.Queries{Pool: c.pool}, ExportFiles: exportstore.Store{Pool: c.pool},
		Recorder: eventstore.Recorder{Store: c.store, Codec: c.codec}, Background: bg, CatalogQ: catproj.Queries{Pool: c.pool}, Users: accessproj.Queries{Pool: c.pool}, Audit: audit.Queries{Pool: c.pool}, Monitor: monitorproj.Queries{Pool: c.pool},
		Tokens: secrets.Tokens{Key: secrets.Derive(key, "token")}, Waiter: runner.NewWaiter(c.pool, hub, run, cfg.ReadYourWritesTimeout),
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
	start("projections", func(ctx context.Context) error { return run.Run(ctx, brokers) })
	start("lag", func(ctx context.Context) error { return watchLag(ctx, c.store, rel, run, metrics) })
	start("scheduler", func(ctx context.Context) error {
		return runSchedules(ctx, postgres.Locks{Pool: c.pool}, catproj.Queries{Pool: c.pool}, collector, profiler,
			appdsvc.NewAlarms(dsvcproj.Queries{Pool: c.pool}))
	})

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
	facts.Close()
	cancel()
	wg.Wait()
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
func runSchedules(ctx context.Context, locks postgres.Locks, q catproj.Queries, collector *appcat.Collector, profiler *appcat.Profiler, alarms *appdsvc.Alarms) error {
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
