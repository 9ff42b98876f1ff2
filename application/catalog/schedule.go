package catalog

import (
	"context"
	"strings"

	domain "assetflow/domain/catalog"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
)

// ScheduleStream is a datasource's schedule stream.
func ScheduleStream(datasourceID string) string { return "schedule-" + datasourceID }

// SetSchedule sets a datasource's periodic collection and, with profileCron, profiling; validCron
// checks the expressions.
func (c *Collector) SetSchedule(ctx context.Context, datasourceID, cron, profileCron string, enabled bool, validCron func(string) error, meta es.Metadata) (es.Ref, error) {
	cron, profileCron = strings.TrimSpace(cron), strings.TrimSpace(profileCron)
	var v fault.Collect
	const help = "must have five fields: minute hour day month weekday (e.g. 0 2 * * *)"
	v.Check(validCron(cron) == nil, "cron", "cron "+help)
	v.Check(profileCron == "" || validCron(profileCron) == nil, "profile_cron", "profile_cron "+help)
	if err := v.Err(); err != nil {
		return es.Ref{}, err
	}
	if _, _, err := c.sources.Open(ctx, datasourceID); fault.KindOf(err) == fault.KindNotFound {
		return es.Ref{}, err
	}
	return c.recorder.Record(ctx, ScheduleStream(datasourceID), domain.StreamSchedule, domain.ScheduleSet{DatasourceID: datasourceID, Cron: cron, Enabled: enabled, ProfileCron: profileCron}, meta)
}

// RunningRun is a run the read model still shows as running.
type RunningRun struct {
	ID, DatasourceID string
}

// ReapInterrupted ends runs whose replica died: a running run whose datasource lock nobody holds
// can never finish.
func (c *Collector) ReapInterrupted(ctx context.Context, running []RunningRun, meta es.Metadata) (int, error) {
	n := 0
	for _, r := range running {
		held, err := c.locks.Held(ctx, lockKey(r.DatasourceID))
		if err != nil {
			return n, err
		}
		if held {
			continue
		}
		if _, err := c.recorder.Record(ctx, RunStream(r.ID), domain.StreamRun, domain.CollectionFinished{RunID: r.ID, Status: "failed",
			Error: "interrupted: the server running the collection stopped"}, meta); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Pause disables (or, with resume, re-enables) a datasource's schedule, keeping its crons.
func (c *Collector) Pause(ctx context.Context, datasourceID string, resume bool, meta es.Metadata) error {
	cur, ok, err := c.schedules.Schedule(ctx, datasourceID)
	if err != nil {
		return err
	}
	if !ok {
		return fault.NotFound("schedule", datasourceID)
	}
	_, err = c.recorder.Record(ctx, ScheduleStream(datasourceID), domain.StreamSchedule,
		domain.ScheduleSet{DatasourceID: datasourceID, Cron: cur.Cron, ProfileCron: cur.ProfileCron, Enabled: resume}, meta)
	return err
}

// ScheduleView is a stored schedule.
type ScheduleView struct {
	Cron, ProfileCron string
	Enabled           bool
}

// Schedules reads stored schedules.
type Schedules interface {
	Schedule(ctx context.Context, datasourceID string) (ScheduleView, bool, error)
}
