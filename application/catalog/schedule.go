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

// SetSchedule sets a datasource's periodic collection; validCron checks the expression.
func (c *Collector) SetSchedule(ctx context.Context, datasourceID, cron string, enabled bool, validCron func(string) error, meta es.Metadata) (es.Ref, error) {
	cron = strings.TrimSpace(cron)
	if err := validCron(cron); err != nil {
		return es.Ref{}, fault.Field("cron", "cron must have five fields: minute hour day month weekday (e.g. 0 2 * * *)")
	}
	if _, _, err := c.sources.Open(ctx, datasourceID); fault.KindOf(err) == fault.KindNotFound {
		return es.Ref{}, err
	}
	return c.recorder.Record(ctx, ScheduleStream(datasourceID), domain.StreamSchedule, domain.ScheduleSet{DatasourceID: datasourceID, Cron: cron, Enabled: enabled}, meta)
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
