// Package quality is the read model of quality rules and every check's result.
package quality

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	domain "assetflow/domain/quality"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/postgres"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Name of the projection.
const Name = "quality"

// Projection maintains quality_rules and quality_results.
type Projection struct{}

func (Projection) Name() string       { return Name }
func (Projection) Contexts() []string { return []string{"quality"} }
func (Projection) Tables() []string   { return []string{"quality_rules", "quality_results"} }
func (Projection) Migration() postgres.Migration {
	return postgres.Embedded("quality", migrationFiles)
}

// Apply upserts rules, removes deleted ones, and keeps one row per check (keyed by check id).
func (Projection) Apply(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	switch e.Type {
	case domain.RuleDefined{}.EventType(), domain.RuleUpdated{}.EventType():
		var v domain.RuleDefined // both carry the definition
		if err := json.Unmarshal(e.Payload, &v); err != nil {
			return fmt.Errorf("decode %s: %w", e.Type, err)
		}
		d := v.Definition
		def, _ := json.Marshal(d)
		_, err := tx.Exec(ctx, `insert into quality_rules (id, name, table_id, column_name, type, severity, schedule, enabled, definition,
			created_by, updated_by, created_at, updated_at) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10,$11,$11)
			on conflict (id) do update set name=excluded.name, table_id=excluded.table_id, column_name=excluded.column_name, type=excluded.type,
			severity=excluded.severity, schedule=excluded.schedule, enabled=excluded.enabled, definition=excluded.definition,
			updated_by=excluded.updated_by, updated_at=excluded.updated_at`,
			e.StreamID, d.Name, d.TableID, d.Column, d.Type, d.Severity, d.Schedule, d.IsEnabled(), string(def), e.Metadata.ActorName, e.OccurredAt)
		return err
	case domain.RuleDeleted{}.EventType():
		_, err := tx.Exec(ctx, `delete from quality_rules where id = $1`, e.StreamID)
		return err
	case domain.CheckPassed{}.EventType(), domain.CheckFailed{}.EventType(), domain.CheckErrored{}.EventType():
		var r domain.Result
		if err := json.Unmarshal(e.Payload, &r); err != nil {
			return fmt.Errorf("decode %s: %w", e.Type, err)
		}
		threshold, _ := json.Marshal(r.Threshold)
		samples, _ := json.Marshal(r.Samples)
		if r.Samples == nil {
			samples = []byte("[]")
		}
		if _, err := tx.Exec(ctx, `insert into quality_results (check_id, rule_id, rule_name, table_id, column_name, type, severity, status,
			metric, threshold, rows, duration_ms, samples, error, trigger, previous, incident, checked_by, occurred_at)
			values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19) on conflict (check_id) do nothing`,
			r.CheckID, e.StreamID, r.RuleName, r.TableID, r.Column, r.Type, r.Severity, r.Status, r.Metric, string(threshold), r.Rows,
			r.DurationMs, string(samples), r.Error, r.Trigger, r.Previous, r.Incident, e.Metadata.ActorName, e.OccurredAt); err != nil {
			return err
		}
		incident := r.Incident
		if r.Status == domain.Passed {
			incident = ""
		}
		_, err := tx.Exec(ctx, `update quality_rules set last_status=$2, last_metric=$3, last_checked_at=$4, incident=$5 where id=$1`,
			e.StreamID, r.Status, r.Metric, e.OccurredAt, incident)
		return err
	}
	return nil
}
