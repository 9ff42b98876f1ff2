// Package lineage is the read model of lineage edges and the graph queries over it.
package lineage

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	domain "assetflow/domain/lineage"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/postgres"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Name of the projection.
const Name = "lineage"

// Projection maintains lineage_edges: every edge any origin ever asserted, active until retired.
type Projection struct{}

func (Projection) Name() string       { return Name }
func (Projection) Contexts() []string { return []string{"lineage"} }
func (Projection) Tables() []string   { return []string{"lineage_edges"} }
func (Projection) Migration() postgres.Migration {
	return postgres.Embedded("lineage", migrationFiles)
}

// TableOf is the table a node belongs to: a column node less its last part, a table node itself.
func TableOf(level, node string) string {
	if level != domain.LevelColumn {
		return node
	}
	if i := strings.LastIndexByte(node, '.'); i > 0 {
		return node[:i]
	}
	return node
}

// Apply upserts found edges and marks retired ones.
func (Projection) Apply(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var err error
	switch e.Type {
	case domain.EdgeFound{}.EventType():
		var v domain.EdgeFound
		if err = json.Unmarshal(e.Payload, &v); err == nil {
			_, err = tx.Exec(ctx, `insert into lineage_edges (origin_kind, origin, level, src, dst, kind, src_table, dst_table, active, found_at)
				values ($1,$2,$3,$4,$5,$6,$7,$8,true,$9)
				on conflict (origin_kind, origin, level, src, dst, kind) do update set active = true, found_at = excluded.found_at, retired_at = null`,
				v.OriginKind, v.Origin, v.Level, v.From, v.To, v.Kind, TableOf(v.Level, v.From), TableOf(v.Level, v.To), e.OccurredAt)
		}
	case domain.EdgeRetired{}.EventType():
		var v domain.EdgeRetired
		if err = json.Unmarshal(e.Payload, &v); err == nil {
			_, err = tx.Exec(ctx, `update lineage_edges set active = false, retired_at = $7
				where origin_kind = $1 and origin = $2 and level = $3 and src = $4 and dst = $5 and kind = $6`,
				v.OriginKind, v.Origin, v.Level, v.From, v.To, v.Kind, e.OccurredAt)
		}
	}
	if err != nil {
		return fmt.Errorf("apply %s: %w", e.Type, err)
	}
	return nil
}
