package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	appds "assetflow/application/datasource"
	appquality "assetflow/application/quality"
	"assetflow/domain/datasource"
	"assetflow/domain/eventsourcing"
	"assetflow/domain/quality"
	"assetflow/infrastructure/bus"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/postgres"
	"assetflow/infrastructure/scheduler"
	catproj "assetflow/projections/catalog"
	qualityproj "assetflow/projections/quality"
)

// qualitySources lets checks run through the datasource service's pools.
type qualitySources struct{ ds *appds.Service }

func (s qualitySources) OpenSource(ctx context.Context, id string) (appquality.Source, datasource.Type, error) {
	c, cfg, err := s.ds.Open(ctx, id)
	return c, cfg.Type, err
}

// qualityService wires the rule use cases.
func (c *core) qualityService(ds *appds.Service) *appquality.Service {
	return appquality.NewService(c.repo, catproj.Queries{Pool: c.pool}, qualitySources{ds}, sqlParser{}, scheduler.ValidCron)
}

// qualityCheckSlots bounds the scheduled checks running at once on the leader, so that a
// minute with hundreds of due rules queues them instead of opening hundreds of connections.
const qualityCheckSlots = 16

// runQualitySchedules keeps one gocron job per scheduled rule in step with the rules read model;
// only the replica holding the lock runs them. A failing check is an errored result and never
// stops the scheduler or the other checks.
func runQualitySchedules(ctx context.Context, locks postgres.Locks, q qualityproj.Queries, svc *appquality.Service, every time.Duration) error {
	elector := &scheduler.LockElector{Locks: locks, Key: "assetflow-quality-scheduler"}
	s, err := scheduler.New(ctx, elector)
	if err != nil {
		return err
	}
	defer s.Close()
	system := eventsourcing.Metadata{ActorID: "scheduler", ActorName: "scheduler"}
	slots := make(chan struct{}, qualityCheckSlots)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if rules, err := q.Scheduled(ctx); err == nil {
			entries := make([]scheduler.Entry, 0, len(rules))
			for id, cron := range rules {
				entries = append(entries, scheduler.Entry{Key: "quality:" + id, Cron: cron, Run: func(ctx context.Context) {
					slots <- struct{}{}
					defer func() { <-slots }()
					defer func() {
						if p := recover(); p != nil {
							slog.Error("scheduled quality check panicked", "rule", id, "panic", p)
						}
					}()
					res, _, err := svc.Run(ctx, id, appquality.TriggerSchedule, system)
					if err != nil {
						slog.Warn("scheduled quality check not recorded", "rule", id, "err", err)
					} else if res.Status != quality.Passed {
						slog.Info("scheduled quality check", "rule", id, "status", res.Status)
					}
				}})
			}
			s.Sync(entries)
		} else {
			slog.Warn("quality schedules: cannot list rules", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// qualityAlertMaxAge skips alerts for checks older than this: a new consumer group starts at
// the oldest offset and must not announce incidents long over.
const qualityAlertMaxAge = 15 * time.Minute

// alertQuality follows the quality topic in its own consumer group and delivers the alerts
// checks call for. Each partition holds whole rule streams, so one replica sees a rule's checks
// in order; a webhook that keeps refusing is given up on after a few attempts rather than
// blocking the partition.
func alertQuality(ctx context.Context, brokers []string, alerts *appquality.Alerts) error {
	sub, err := bus.NewSubscriber(brokers, "assetflow.quality-alerts")
	if err != nil {
		return err
	}
	defer sub.Close()
	msgs, err := sub.Subscribe(ctx, bus.Topic("quality"))
	if err != nil {
		return fmt.Errorf("subscribe to %s: %w", bus.Topic("quality"), err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for msg := range msgs {
		if t := msg.Metadata.Get(bus.MetaEventType); t != "" && !checkEvents[t] {
			msg.Ack()
			continue
		}
		var e eventstore.Event
		if err := json.Unmarshal(msg.Payload, &e); err != nil || !checkEvents[e.Type] || time.Since(e.OccurredAt) > qualityAlertMaxAge {
			msg.Ack()
			continue
		}
		var res quality.Result
		if err := json.Unmarshal(e.Payload, &res); err != nil {
			slog.Warn("quality alerts: message skipped", "event", e.ID, "err", err)
			msg.Ack()
			continue
		}
		res.RuleID = e.StreamID
		for attempt := 1; ; attempt++ {
			sent, err := alerts.Handle(ctx, res, e.OccurredAt)
			if err == nil {
				if sent {
					slog.Info("quality alert delivered", "rule", res.RuleID, "status", res.Status, "incident", res.Incident)
				}
				break
			}
			if attempt == 3 || ctx.Err() != nil {
				slog.Error("quality alert not delivered", "rule", res.RuleID, "err", err)
				break
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Duration(attempt) * time.Second):
			}
		}
		msg.Ack()
	}
	return nil
}

var checkEvents = map[string]bool{
	quality.CheckPassed{}.EventType(): true, quality.CheckFailed{}.EventType(): true, quality.CheckErrored{}.EventType(): true,
}
