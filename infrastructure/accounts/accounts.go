// Package accounts persists users, API keys, sessions and sign-in facts for the access use cases:
// events in the event store, plus the username claim and password hash in the same transaction.
package accounts

import (
	"context"
	"embed"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	domain "assetflow/domain/access"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/postgres"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration creates the credentials table.
func Migration() postgres.Migration {
	return postgres.Embedded("accounts", migrationFiles)
}

const usernameScope = "username"

// Users implements the access application's Users port.
type Users struct{ Repo *eventstore.Repository }

// Load rebuilds a user; a missing one comes back with Exists() false.
func (u Users) Load(ctx context.Context, id string) (*domain.User, error) {
	user := &domain.User{}
	if err := u.Repo.Load(ctx, id, user); err != nil {
		return nil, err
	}
	if !user.Exists() {
		return nil, fault.NotFound("user", id)
	}
	return user, nil
}

// Create stores a new user, claiming its username.
func (u Users) Create(ctx context.Context, user *domain.User, passwordHash string, meta es.Metadata) (es.Ref, error) {
	return u.Repo.Save(ctx, user, meta,
		func(ctx context.Context, tx pgx.Tx) error {
			return eventstore.Claim(ctx, tx, usernameScope, user.Username, user.ID())
		},
		setPassword(user.ID(), passwordHash))
}

// Save stores changes; a non-empty hash replaces the password.
func (u Users) Save(ctx context.Context, user *domain.User, newPasswordHash string, meta es.Metadata) (es.Ref, error) {
	var side []eventstore.TxFunc
	if newPasswordHash != "" {
		side = append(side, setPassword(user.ID(), newPasswordHash))
	}
	return u.Repo.Save(ctx, user, meta, side...)
}

func setPassword(userID, hash string) eventstore.TxFunc {
	return func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `insert into credentials (user_id, password_hash, updated_at) values ($1, $2, now())
			on conflict (user_id) do update set password_hash = excluded.password_hash, updated_at = now()`, userID, hash)
		if err != nil {
			return fmt.Errorf("store credential: %w", err)
		}
		return nil
	}
}

// IDByUsername returns the user id holding username, or "".
func (u Users) IDByUsername(ctx context.Context, username string) (string, error) {
	return u.Repo.Store().ClaimOwner(ctx, usernameScope, username)
}

// PasswordHash returns the stored hash.
func (u Users) PasswordHash(ctx context.Context, userID string) (string, error) {
	var h string
	err := u.Repo.Store().Pool().QueryRow(ctx, `select password_hash from credentials where user_id = $1`, userID).Scan(&h)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fault.NotFound("user", userID)
	}
	if err != nil {
		return "", fmt.Errorf("read credential: %w", err)
	}
	return h, nil
}

// APIKeys implements the APIKeys port.
type APIKeys struct{ Repo *eventstore.Repository }

// Load rebuilds a key.
func (k APIKeys) Load(ctx context.Context, id string) (*domain.APIKey, error) {
	key := &domain.APIKey{}
	if err := k.Repo.Load(ctx, id, key); err != nil {
		return nil, err
	}
	return key, nil
}

// Save stores a key's changes.
func (k APIKeys) Save(ctx context.Context, key *domain.APIKey, meta es.Metadata) (es.Ref, error) {
	return k.Repo.Save(ctx, key, meta)
}

// Sessions ends sessions synchronously.
type Sessions struct {
	Facts eventstore.FactSink
	Store *eventstore.Store
}

// End flushes pending facts (the session's sign-in may still be queued) and appends the logout.
func (s Sessions) End(ctx context.Context, sessionID string, e domain.UserLoggedOut, meta es.Metadata) (es.Ref, error) {
	if err := s.Facts.Appender.Flush(ctx); err != nil {
		return es.Ref{}, fmt.Errorf("flush facts: %w", err)
	}
	p, err := s.Facts.Codec.Encode(e)
	if err != nil {
		return es.Ref{}, err
	}
	stream := "session-" + sessionID
	evs, err := s.Store.Append(ctx, eventstore.StreamAppend{StreamID: stream, StreamType: domain.StreamSession, ExpectedVersion: eventstore.AnyVersion,
		Events: []eventstore.Pending{p}, Metadata: meta})
	if err != nil {
		return es.Ref{}, fmt.Errorf("end session: %w", err)
	}
	return es.Ref{StreamID: stream, Version: evs[0].Version}, nil
}
