// Package datasources persists datasource aggregates (events, name claim, sealed password in one
// transaction) and keeps one connection pool per datasource, opened with the decrypted password.
package datasources

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	app "assetflow/application/datasource"
	domain "assetflow/domain/datasource"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
	"assetflow/infrastructure/connectors"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/postgres"
	"assetflow/infrastructure/secrets"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration creates datasource_secrets.
func Migration() postgres.Migration { return postgres.Embedded("datasources", migrationFiles) }

const nameScope = "datasource_name"

// Repository implements the application's Repository.
type Repository struct {
	Repo   *eventstore.Repository
	Cipher *secrets.Cipher
}

// Load rebuilds a datasource (Exists() is false when it was never registered or was removed).
func (r Repository) Load(ctx context.Context, id string) (*domain.Datasource, error) {
	d := &domain.Datasource{}
	if err := r.Repo.Load(ctx, id, d); err != nil {
		return nil, err
	}
	return d, nil
}

// Save appends changes, keeping the name claim and the sealed password in step.
func (r Repository) Save(ctx context.Context, d *domain.Datasource, oldName string, password *string, meta es.Metadata) (es.Ref, error) {
	var side []eventstore.TxFunc
	switch {
	case d.Removed:
		side = append(side, func(ctx context.Context, tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `delete from datasource_secrets where datasource_id = $1`, d.ID()); err != nil {
				return fmt.Errorf("delete secret: %w", err)
			}
			return eventstore.Release(ctx, tx, nameScope, oldName, d.ID())
		})
	case oldName != d.Config.Name:
		side = append(side, func(ctx context.Context, tx pgx.Tx) error {
			if oldName != "" {
				if err := eventstore.Release(ctx, tx, nameScope, oldName, d.ID()); err != nil {
					return err
				}
			}
			err := eventstore.Claim(ctx, tx, nameScope, d.Config.Name, d.ID())
			if errors.Is(err, fault.ErrConflict) {
				msg := fmt.Sprintf("a datasource named %q already exists", d.Config.Name)
				return &fault.Error{Kind: fault.KindConflict, Message: msg, Details: []fault.Detail{{Field: "name", Message: msg}}}
			}
			return err
		})
	}
	if password != nil && *password == "" {
		side = append(side, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `delete from datasource_secrets where datasource_id = $1`, d.ID())
			return err
		})
	} else if password != nil {
		sealed, err := r.Cipher.Seal(*password, d.ID())
		if err != nil {
			return es.Ref{}, err
		}
		side = append(side, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `insert into datasource_secrets (datasource_id, sealed, key_id, updated_at) values ($1, $2, $3, now())
				on conflict (datasource_id) do update set sealed = excluded.sealed, key_id = excluded.key_id, updated_at = now()`,
				d.ID(), sealed, r.Cipher.KeyID())
			if err != nil {
				return fmt.Errorf("store secret: %w", err)
			}
			return nil
		})
	}
	return r.Repo.Save(ctx, d, meta, side...)
}

// Password opens the stored password.
func (r Repository) Password(ctx context.Context, id string) (string, error) {
	var sealed string
	err := r.Repo.Store().Pool().QueryRow(ctx, `select sealed from datasource_secrets where datasource_id = $1`, id).Scan(&sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read secret: %w", err)
	}
	pw, err := r.Cipher.Open(sealed, id)
	if err != nil {
		return "", fmt.Errorf("open secret of %s: %w", id, err)
	}
	return pw, nil
}

// RotateSecrets re-seals every password sealed with an older key; it returns how many changed.
func (r Repository) RotateSecrets(ctx context.Context) (int, error) {
	pool := r.Repo.Store().Pool()
	rows, err := pool.Query(ctx, `select datasource_id, sealed from datasource_secrets where key_id <> $1`, r.Cipher.KeyID())
	if err != nil {
		return 0, fmt.Errorf("read secrets: %w", err)
	}
	type row struct{ id, sealed string }
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.id, &x.sealed)
	})
	if err != nil {
		return 0, err
	}
	for _, x := range list {
		pw, err := r.Cipher.Open(x.sealed, x.id)
		if err != nil {
			return 0, fmt.Errorf("open secret of %s: %w", x.id, err)
		}
		sealed, err := r.Cipher.Seal(pw, x.id)
		if err != nil {
			return 0, err
		}
		if _, err := pool.Exec(ctx, `update datasource_secrets set sealed = $2, key_id = $3, updated_at = now() where datasource_id = $1`, x.id, sealed, r.Cipher.KeyID()); err != nil {
			return 0, fmt.Errorf("store secret of %s: %w", x.id, err)
		}
	}
	return len(list), nil
}

// Pools keeps one connector per datasource, replaced when the datasource's version changes.
type Pools struct {
	mu    sync.Mutex
	pools map[string]pooled
	// ConnectTimeout bounds dialling; default 5s.
	ConnectTimeout time.Duration
}

type pooled struct {
	version int
	conn    connectors.Connector
}

// NewPools returns an empty registry.
func NewPools() *Pools { return &Pools{pools: map[string]pooled{}} }

func (p *Pools) settings(s app.Settings) connectors.Settings {
	c := s.Config
	return connectors.Settings{Type: c.Type, Host: c.Host, Port: c.Port, Database: c.Database, Username: c.Username,
		Password: s.Password, Params: c.Params, TLSMode: c.TLSMode, ConnectTimeout: p.ConnectTimeout}
}

// For returns the pool of id at version, opening it on first use.
func (p *Pools) For(_ context.Context, id string, version int, settings func() (app.Settings, error)) (app.Connector, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.pools[id]; ok && c.version == version {
		return c.conn, nil
	}
	s, err := settings()
	if err != nil {
		return nil, err
	}
	conn, err := connectors.Open(p.settings(s))
	if err != nil {
		return nil, err
	}
	if old, ok := p.pools[id]; ok {
		_ = old.conn.Close()
	}
	p.pools[id] = pooled{version: version, conn: conn}
	return conn, nil
}

// Connector returns the full executor of a pool opened by For (query console, report APIs).
func (p *Pools) Connector(id string) (connectors.Connector, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.pools[id]
	return c.conn, ok
}

// Probe opens a one-off connection.
func (p *Pools) Probe(_ context.Context, s app.Settings, fn func(app.Connector) error) error {
	conn, err := connectors.Open(p.settings(s))
	if err != nil {
		return err
	}
	defer conn.Close()
	return fn(conn)
}

// Forget closes a datasource's pool.
func (p *Pools) Forget(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.pools[id]; ok {
		_ = c.conn.Close()
		delete(p.pools, id)
	}
}

// Close closes every pool.
func (p *Pools) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, c := range p.pools {
		_ = c.conn.Close()
		delete(p.pools, id)
	}
}
