package runner

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Snapshot renders every row of the projections' tables as sorted JSON lines, so two states of
// the read models can be compared (e.g. live versus a fresh replay).
func Snapshot(ctx context.Context, pool *pgxpool.Pool, projections ...Projection) (string, error) {
	var b strings.Builder
	for _, p := range projections {
		for _, table := range p.Tables() {
			rows, err := pool.Query(ctx, `select to_jsonb(t)::text from `+pgx.Identifier{table}.Sanitize()+` t order by 1`)
			if err != nil {
				return "", fmt.Errorf("snapshot %s: %w", table, err)
			}
			lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return "", fmt.Errorf("snapshot %s: %w", table, err)
			}
			for _, l := range lines {
				b.WriteString(table + " " + l + "\n")
			}
		}
	}
	return b.String(), nil
}
