// Package catalogstate keeps the catalog collector's write-side memory beside the event store and
// commits a batch of collected tables (their events and their new state) in one transaction.
package catalogstate

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	app "assetflow/application/catalog"
	domain "assetflow/domain/catalog"
	es "assetflow/domain/eventsourcing"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/postgres"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration creates catalog_collector_state.
func Migration() postgres.Migration { return postgres.Embedded("catalogstate", migrationFiles) }

// State implements the collector's State port.
type State struct {
	Store *eventstore.Store
	Codec *eventstore.Codec
}

// Load returns what the collector last wrote for a datasource, by table id.
func (s State) Load(ctx context.Context, datasourceID string) (map[string]app.StateRow, error) {
	rows, err := s.Store.Pool().Query(ctx, `select table_id, database, schema, name, columns::text, facts::text, dropped
		from catalog_collector_state where datasource_id = $1`, datasourceID)
	if err != nil {
		return nil, fmt.Errorf("load collector state: %w", err)
	}
	defer rows.Close()
	out := map[string]app.StateRow{}
	for rows.Next() {
		var r app.StateRow
		var cols, facts string
		if err := rows.Scan(&r.TableID, &r.Database, &r.Schema, &r.Name, &cols, &facts, &r.Dropped); err != nil {
			return nil, fmt.Errorf("scan collector state: %w", err)
		}
		if err := json.Unmarshal([]byte(cols), &r.Columns); err != nil {
			return nil, fmt.Errorf("decode columns of %s: %w", r.TableID, err)
		}
		if err := json.Unmarshal([]byte(facts), &r.Facts); err != nil {
			return nil, fmt.Errorf("decode facts of %s: %w", r.TableID, err)
		}
		out[r.TableID] = r
	}
	return out, rows.Err()
}

// Commit appends every change's events and stores the new state rows in one transaction. The
// collector is the only writer of a table's columns and source facts (one run per datasource at a
// time, by lock), while curation events from users land on the same streams, so events are appended
// after whatever the stream holds rather than at the collector's own version.
func (s State) Commit(ctx context.Context, datasourceID string, changes []app.Change, meta es.Metadata) ([]es.Ref, error) {
	appends := make([]eventstore.StreamAppend, 0, len(changes))
	ids, dbs, schemas, names := make([]string, len(changes)), make([]string, len(changes)), make([]string, len(changes)), make([]string, len(changes))
	cols, facts, dropped := make([]string, len(changes)), make([]string, len(changes)), make([]bool, len(changes))
	for i, ch := range changes {
		a := eventstore.StreamAppend{StreamID: ch.Row.TableID, StreamType: domain.StreamTable, ExpectedVersion: eventstore.AnyVersion, Metadata: meta}
		for _, e := range ch.Events {
			p, err := s.Codec.Encode(e)
			if err != nil {
				return nil, err
			}
			a.Events = append(a.Events, p)
		}
		appends = append(appends, a)
		c, err := json.Marshal(ch.Row.Columns)
		if err != nil {
			return nil, fmt.Errorf("encode columns: %w", err)
		}
		f, err := json.Marshal(ch.Row.Facts)
		if err != nil {
			return nil, fmt.Errorf("encode facts: %w", err)
		}
		r := ch.Row
		ids[i], dbs[i], schemas[i], names[i], cols[i], facts[i], dropped[i] = r.TableID, r.Database, r.Schema, r.Name, string(c), string(f), r.Dropped
	}
	var refs []es.Ref
	err := postgres.InTx(ctx, s.Store.Pool(), func(tx pgx.Tx) error {
		stored, err := s.Store.AppendTx(ctx, tx, appends...)
		if err != nil {
			return err
		}
		last := map[string]int{}
		for _, e := range stored {
			last[e.StreamID] = e.Version
		}
		refs = refs[:0]
		for id, v := range last {
			refs = append(refs, es.Ref{StreamID: id, Version: v})
		}
		_, err = tx.Exec(ctx, `insert into catalog_collector_state (table_id, datasource_id, database, schema, name, columns, facts, dropped)
			select id, $1, db, sch, nm, c::jsonb, f::jsonb, d from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bool[])
				as x(id, db, sch, nm, c, f, d)
			on conflict (table_id) do update set columns = excluded.columns, facts = excluded.facts,
				dropped = excluded.dropped, database = excluded.database, schema = excluded.schema, name = excluded.name`,
			datasourceID, ids, dbs, schemas, names, cols, facts, dropped)
		if err != nil {
			return fmt.Errorf("store collector state: %w", err)
		}
		return nil
	})
	return refs, err
}
