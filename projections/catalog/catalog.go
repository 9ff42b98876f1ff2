// Package catalog is the read model of the data asset catalog: tables and columns with their
// curation (descriptions, owners, tags, categories), sync times, profiles, the classification
// tree, tags, collection runs and schedules.
package catalog

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	domain "assetflow/domain/catalog"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/postgres"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Name of the projection.
const Name = "catalog"

// Projection maintains the catalog_* tables.
type Projection struct{}

func (Projection) Name() string       { return Name }
func (Projection) Contexts() []string { return []string{"catalog"} }
func (Projection) Tables() []string {
	return []string{"catalog_tables", "catalog_columns", "catalog_db_syncs", "catalog_table_syncs", "catalog_categories",
		"catalog_tags", "catalog_runs", "catalog_schedules"}
}
func (Projection) Migration() postgres.Migration { return postgres.Embedded("catalog", migrationFiles) }

func decode[T any](e eventstore.Event) (T, error) {
	var v T
	err := json.Unmarshal(e.Payload, &v)
	return v, err
}

// Apply updates the read model. Table events touch only their table; run and tag events are
// written so that any delivery order gives the same rows.
func (p Projection) Apply(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	if err := p.apply(ctx, tx, e); err != nil {
		return fmt.Errorf("apply %s: %w", e.Type, err)
	}
	return nil
}

func (Projection) apply(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	at, actor := e.OccurredAt, e.Metadata.ActorName
	switch e.Type {
	case domain.TableCollected{}.EventType():
		v, err := decode[domain.TableCollected](e)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `insert into catalog_tables (id, datasource_id, datasource_name, database, schema, name, comment, type,
			rows, size_bytes, source_created_at, source_updated_at, first_synced_at, own_synced_at, last_changed_at, collected_by, updated_by)
			values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13,$13,$14,$14)
			on conflict (id) do update set datasource_name=excluded.datasource_name, comment=excluded.comment, type=excluded.type,
			rows=excluded.rows, size_bytes=excluded.size_bytes, source_created_at=excluded.source_created_at,
			source_updated_at=excluded.source_updated_at, own_synced_at=excluded.own_synced_at, last_changed_at=excluded.last_changed_at,
			updated_by=excluded.updated_by, dropped=false`,
			v.TableID, v.DatasourceID, v.DatasourceName, v.Database, v.Schema, v.Name, v.Comment, v.Type, v.Rows, v.SizeBytes,
			v.SourceCreatedAt, v.SourceUpdatedAt, at, actor)
		if err != nil {
			return err
		}
		return replaceColumns(ctx, tx, v.TableID, v.Columns)
	case domain.TableRegistered{}.EventType():
		v, err := decode[domain.TableRegistered](e)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `insert into catalog_tables (id, datasource_id, datasource_name, database, schema, name, comment, manual,
			last_changed_at, collected_by, updated_by) values ($1,$2,$3,$4,$5,$6,$7,true,$8,$9,$9) on conflict (id) do nothing`,
			v.TableID, v.DatasourceID, v.DatasourceName, v.Database, v.Schema, v.Name, v.Comment, at, actor)
		if err != nil {
			return err
		}
		return replaceColumns(ctx, tx, v.TableID, v.Columns)
	case domain.ColumnsChanged{}.EventType():
		v, err := decode[domain.ColumnsChanged](e)
		if err != nil {
			return err
		}
		if err := touch(ctx, tx, v.TableID, at, actor, `own_synced_at = greatest(own_synced_at, $2)`); err != nil {
			return err
		}
		return replaceColumns(ctx, tx, v.TableID, v.Columns)
	case domain.SourceFactsChanged{}.EventType():
		v, err := decode[domain.SourceFactsChanged](e)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `update catalog_tables set comment=$2, type=$3, rows=$4, size_bytes=$5, source_created_at=$6,
			source_updated_at=$7, own_synced_at=greatest(own_synced_at, $8), last_changed_at=$8, updated_by=$9 where id=$1`,
			v.TableID, v.Comment, v.Type, v.Rows, v.SizeBytes, v.SourceCreatedAt, v.SourceUpdatedAt, at, actor)
		if err != nil {
			return err
		}
		return refreshSearch(ctx, tx, v.TableID)
	case domain.TableDropped{}.EventType():
		return touch(ctx, tx, e.StreamID, at, actor, `dropped = true`)
	case domain.TableDescribed{}.EventType():
		v, err := decode[domain.TableDescribed](e)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update catalog_tables set description=$2, owner=$3 where id=$1`, v.TableID, v.Description, v.Owner); err != nil {
			return err
		}
		if err := touch(ctx, tx, v.TableID, at, actor, ""); err != nil {
			return err
		}
		return refreshSearch(ctx, tx, v.TableID)
	case domain.TableTagged{}.EventType():
		v, err := decode[domain.TableTagged](e)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update catalog_tables set tags=$2 where id=$1`, v.TableID, v.Tags); err != nil {
			return err
		}
		return touch(ctx, tx, v.TableID, at, actor, "")
	case domain.ColumnTagged{}.EventType():
		v, err := decode[domain.ColumnTagged](e)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update catalog_columns set tags=$3 where table_id=$1 and name=$2`, v.TableID, v.Column, v.Tags); err != nil {
			return err
		}
		return touch(ctx, tx, v.TableID, at, actor, "")
	case domain.TableClassified{}.EventType():
		v, err := decode[domain.TableClassified](e)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update catalog_tables set category_id=$2 where id=$1`, v.TableID, v.CategoryID); err != nil {
			return err
		}
		return touch(ctx, tx, v.TableID, at, actor, "")
	case domain.ColumnClassified{}.EventType():
		v, err := decode[domain.ColumnClassified](e)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update catalog_columns set category_id=$3 where table_id=$1 and name=$2`, v.TableID, v.Column, v.CategoryID); err != nil {
			return err
		}
		return touch(ctx, tx, v.TableID, at, actor, "")
	case domain.TableProfiled{}.EventType():
		_, err := tx.Exec(ctx, `update catalog_tables set profile=$2, profiled_at=$3 where id=$1 and (profiled_at is null or profiled_at <= $3)`,
			e.StreamID, string(e.Payload), at)
		return err
	case domain.TableDeleted{}.EventType():
		return touch(ctx, tx, e.StreamID, at, actor, `deleted = true`)
	case domain.TableRestored{}.EventType():
		return touch(ctx, tx, e.StreamID, at, actor, `deleted = false`)
	case domain.CategoryCreated{}.EventType():
		v, err := decode[domain.CategoryCreated](e)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `insert into catalog_categories (id, name, parent_id, description, created_at) values ($1,$2,$3,$4,$5)
			on conflict (id) do nothing`, v.CategoryID, v.Name, v.ParentID, v.Description, at)
		return err
	case domain.CategoryUpdated{}.EventType():
		v, err := decode[domain.CategoryUpdated](e)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `update catalog_categories set name=$2, parent_id=$3, description=$4 where id=$1`, v.CategoryID, v.Name, v.ParentID, v.Description)
		return err
	case domain.CategoryDeleted{}.EventType():
		_, err := tx.Exec(ctx, `delete from catalog_categories where id=$1`, e.StreamID)
		return err
	case domain.TagDefined{}.EventType():
		v, err := decode[domain.TagDefined](e)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `insert into catalog_tags (name, color, description, sensitive, updated_at) values ($1,$2,$3,$4,$5)
			on conflict (name) do update set color=excluded.color, description=excluded.description, sensitive=excluded.sensitive,
			updated_at=excluded.updated_at where catalog_tags.updated_at <= excluded.updated_at`, v.Name, v.Color, v.Description, v.Sensitive, at)
		return err
	case domain.TagDeleted{}.EventType():
		v, err := decode[domain.TagDeleted](e)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `delete from catalog_tags where name=$1 and updated_at <= $2`, v.Name, at); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update catalog_tables set tags=array_remove(tags, $1) where $1 = any(tags)`, v.Name); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `update catalog_columns set tags=array_remove(tags, $1) where $1 = any(tags)`, v.Name)
		return err
	case domain.CollectionStarted{}.EventType():
		v, err := decode[domain.CollectionStarted](e)
		if err != nil {
			return err
		}
		tables := v.Tables
		if tables == nil {
			tables = []string{}
		}
		_, err = tx.Exec(ctx, `insert into catalog_runs (id, datasource_id, datasource_name, database, tables, status, requested_by, scheduled, started_at)
			values ($1,$2,$3,$4,$5,'running',$6,$7,$8) on conflict (id) do nothing`,
			v.RunID, v.DatasourceID, v.DatasourceName, v.Database, tables, actor, v.Scheduled, at)
		return err
	case domain.CollectionProgressed{}.EventType():
		v, err := decode[domain.CollectionProgressed](e)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `update catalog_runs set total=$2, done=$3 where id=$1 and status='running'`, v.RunID, v.Total, v.Done)
		return err
	case domain.CollectionFinished{}.EventType():
		v, err := decode[domain.CollectionFinished](e)
		if err != nil {
			return err
		}
		var ds string
		if err := tx.QueryRow(ctx, `update catalog_runs set status=$2, error=$3, total=$4, done=$4, collected=$5, changed=$6, unchanged=$7,
			dropped=$8, failed=$9, finished_at=$10 where id=$1 returning datasource_id`,
			v.RunID, v.Status, v.Error, v.Total, v.Collected, v.Changed, v.Unchanged, v.Dropped, v.Failed, at).Scan(&ds); err != nil {
			return err
		}
		for _, db := range v.SyncedDatabases {
			if _, err := tx.Exec(ctx, `insert into catalog_db_syncs (datasource_id, database, synced_at) values ($1,$2,$3)
				on conflict (datasource_id, database) do update set synced_at = greatest(catalog_db_syncs.synced_at, excluded.synced_at)`, ds, db, at); err != nil {
				return err
			}
		}
		for _, id := range v.SyncedTables {
			if _, err := tx.Exec(ctx, `insert into catalog_table_syncs (table_id, synced_at) values ($1,$2)
				on conflict (table_id) do update set synced_at = greatest(catalog_table_syncs.synced_at, excluded.synced_at)`, id, at); err != nil {
				return err
			}
		}
	case domain.ScheduleSet{}.EventType():
		v, err := decode[domain.ScheduleSet](e)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `insert into catalog_schedules (datasource_id, cron, enabled, profile_cron, updated_by, updated_at) values ($1,$2,$3,$4,$5,$6)
			on conflict (datasource_id) do update set cron=excluded.cron, enabled=excluded.enabled, profile_cron=excluded.profile_cron,
			updated_by=excluded.updated_by, updated_at=excluded.updated_at where catalog_schedules.updated_at <= excluded.updated_at`,
			v.DatasourceID, v.Cron, v.Enabled, v.ProfileCron, actor, at)
		return err
	}
	return nil
}

// touch records who changed a table and when, plus an extra assignment.
func touch(ctx context.Context, tx pgx.Tx, id string, at time.Time, actor, extra string) error {
	set := `last_changed_at = $2, updated_by = $3`
	if extra != "" {
		set += ", " + extra
	}
	_, err := tx.Exec(ctx, `update catalog_tables set `+set+` where id = $1`, id, at, actor)
	return err
}

// replaceColumns writes a table's full column list, keeping curation (tags, categories) of columns
// that survive, and refreshes the search text.
func replaceColumns(ctx context.Context, tx pgx.Tx, tableID string, cols []domain.Column) error {
	names := make([]string, len(cols))
	ords := make([]int, len(cols))
	types := make([]string, len(cols))
	comments := make([]string, len(cols))
	pks := make([]bool, len(cols))
	nulls := make([]bool, len(cols))
	defs := make([]*string, len(cols))
	for i, c := range cols {
		names[i], ords[i], types[i], comments[i], pks[i], nulls[i], defs[i] = c.Name, c.Order, c.Type, c.Comment, c.PrimaryKey, c.Nullable, c.Default
	}
	if _, err := tx.Exec(ctx, `delete from catalog_columns where table_id = $1 and not (name = any($2))`, tableID, names); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `insert into catalog_columns (table_id, name, ord, type, comment, primary_key, nullable, "default")
		select $1, * from unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::bool[], $7::bool[], $8::text[])
		on conflict (table_id, name) do update set ord=excluded.ord, type=excluded.type, comment=excluded.comment,
		primary_key=excluded.primary_key, nullable=excluded.nullable, "default"=excluded."default"`,
		tableID, names, ords, types, comments, pks, nulls, defs); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `update catalog_tables set column_count = $2 where id = $1`, tableID, len(cols)); err != nil {
		return err
	}
	return refreshSearch(ctx, tx, tableID)
}

// refreshSearch rebuilds the text searched by q: table name, comment, description, and every
// column's name and comment.
func refreshSearch(ctx context.Context, tx pgx.Tx, id string) error {
	_, err := tx.Exec(ctx, `update catalog_tables t set search = lower(concat_ws(' ', t.name, t.comment, t.description, t.database,
		(select string_agg(c.name || ' ' || c.comment, ' ') from catalog_columns c where c.table_id = t.id))) where t.id = $1`, id)
	return err
}

// like escapes a user's search text for LIKE.
func like(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}
