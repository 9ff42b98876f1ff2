// Package access holds the use cases of users, sessions and API keys: sign-in, sign-out, password
// changes, user administration and API-key issuance.
package access

import (
	"context"
	"time"

	domain "assetflow/domain/access"
	es "assetflow/domain/eventsourcing"
)

// Users stores user aggregates. Create claims the username and stores the password hash in the
// same transaction as the events.
type Users interface {
	Load(ctx context.Context, id string) (*domain.User, error)
	Create(ctx context.Context, u *domain.User, passwordHash string, meta es.Metadata) (es.Ref, error)
	Save(ctx context.Context, u *domain.User, newPasswordHash string, meta es.Metadata) (es.Ref, error)
	IDByUsername(ctx context.Context, username string) (string, error)
	PasswordHash(ctx context.Context, userID string) (string, error)
}

// APIKeys stores API-key aggregates.
type APIKeys interface {
	Load(ctx context.Context, id string) (*domain.APIKey, error)
	Save(ctx context.Context, k *domain.APIKey, meta es.Metadata) (es.Ref, error)
}

// Facts appends high-volume facts asynchronously (sign-ins, failed sign-ins).
type Facts interface {
	Submit(ctx context.Context, streamID, streamType string, e es.Event, meta es.Metadata) error
}

// Sessions ends sessions synchronously: a logout must be stored before the response.
type Sessions interface {
	End(ctx context.Context, sessionID string, e domain.UserLoggedOut, meta es.Metadata) (es.Ref, error)
}

// PasswordHasher hashes and checks passwords.
type PasswordHasher interface {
	Hash(password string) (string, error)
	Matches(hash, password string) bool
}

// TokenIssuer signs session tokens.
type TokenIssuer interface {
	Issue(userID, sessionID string, expires time.Time) (string, error)
}
