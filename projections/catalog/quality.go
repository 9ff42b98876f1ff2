package catalog

import (
	"context"

	appquality "assetflow/application/quality"
	domquality "assetflow/domain/quality"
)

// QualityTarget resolves a table for quality checks: where it lives, whether it still exists, its
// columns and which carry a sensitive tag.
func (q Queries) QualityTarget(ctx context.Context, id string) (appquality.Target, error) {
	t, err := q.Table(ctx, id)
	if err != nil {
		return appquality.Target{}, err
	}
	out := appquality.Target{TableID: id, DatasourceID: t.DatasourceID, Status: t.Status,
		Location: domquality.Location{Database: t.Database, Schema: t.Schema, Table: t.Name}}
	cols, err := q.Columns(ctx, id)
	if err != nil {
		return out, err
	}
	for _, c := range cols {
		out.Columns = append(out.Columns, appquality.Column{Name: c.Name, Type: c.Type})
	}
	out.Sensitive, err = q.SensitiveColumns(ctx, id)
	return out, err
}
