// Package access is the read model of users, API keys and sessions; the auth middleware and the
// system-management pages read it.
package access

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"assetflow/application/page"
	domain "assetflow/domain/access"
	"assetflow/domain/fault"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/postgres"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Name of the projection.
const Name = "access"

// Projection maintains access_users, access_api_keys and access_sessions.
type Projection struct{}

func (Projection) Name() string       { return Name }
func (Projection) Contexts() []string { return []string{"access"} }
func (Projection) Tables() []string {
	return []string{"access_users", "access_api_keys", "access_sessions",
		"access_policies", "access_grants", "access_masks", "access_row_filters", "access_requests"}
}
func (Projection) Migration() postgres.Migration {
	return postgres.Embedded("access", migrationFiles)
}

func decode[T any](e eventstore.Event) (T, error) {
	var v T
	if err := json.Unmarshal(e.Payload, &v); err != nil {
		return v, fmt.Errorf("decode %s: %w", e.Type, err)
	}
	return v, nil
}

// Apply updates the tables for access events.
func (Projection) Apply(ctx context.Context, tx pgx.Tx, e eventstore.Event) error {
	var err error
	at := e.OccurredAt
	switch e.Type {
	case domain.UserCreated{}.EventType():
		var v domain.UserCreated
		if v, err = decode[domain.UserCreated](e); err == nil {
			// Sign-ins live on session streams and may be applied before the user's creation.
			_, err = tx.Exec(ctx, `insert into access_users (id, username, display_name, email, roles, status, created_at, updated_at, last_login_at)
				values ($1,$2,$3,$4,$5,'active',$6,$6,(select max(logged_in_at) from access_sessions where user_id = $1))
				on conflict (id) do nothing`, v.UserID, v.Username, v.DisplayName, v.Email, v.Roles, at)
		}
	case domain.UserUpdated{}.EventType():
		var v domain.UserUpdated
		if v, err = decode[domain.UserUpdated](e); err == nil {
			_, err = tx.Exec(ctx, `update access_users set display_name=$2, email=$3, roles=$4, updated_at=$5 where id=$1`,
				v.UserID, v.DisplayName, v.Email, v.Roles, at)
		}
	case domain.UserDisabled{}.EventType():
		_, err = tx.Exec(ctx, `update access_users set status='disabled', updated_at=$2 where id=$1`, e.StreamID, at)
	case domain.UserEnabled{}.EventType():
		_, err = tx.Exec(ctx, `update access_users set status='active', updated_at=$2 where id=$1`, e.StreamID, at)
	case domain.PasswordChanged{}.EventType():
		_, err = tx.Exec(ctx, `update access_users set updated_at=$2 where id=$1`, e.StreamID, at)
	case domain.UserLoggedIn{}.EventType():
		var v domain.UserLoggedIn
		if v, err = decode[domain.UserLoggedIn](e); err == nil {
			_, err = tx.Exec(ctx, `insert into access_sessions (id, user_id, username, client_ip, user_agent, logged_in_at, expires_at)
				values ($1,$2,$3,$4,$5,$6,$7) on conflict (id) do update set user_id=excluded.user_id, username=excluded.username,
				client_ip=excluded.client_ip, user_agent=excluded.user_agent, logged_in_at=excluded.logged_in_at, expires_at=excluded.expires_at`,
				v.SessionID, v.UserID, v.Username, v.ClientIP, v.UserAgent, at, v.ExpiresAt)
			if err == nil {
				_, err = tx.Exec(ctx, `update access_users set last_login_at = greatest(coalesce(last_login_at, $2), $2) where id=$1`, v.UserID, at)
			}
		}
	case domain.UserLoggedOut{}.EventType():
		var v domain.UserLoggedOut
		if v, err = decode[domain.UserLoggedOut](e); err == nil {
			// A logout may be applied before its login (different partitions on replay): keep the row.
			_, err = tx.Exec(ctx, `insert into access_sessions (id, user_id, username, logged_out_at, forced, forced_by) values ($1,$2,'',$3,$4,$5)
				on conflict (id) do update set logged_out_at=excluded.logged_out_at, forced=excluded.forced, forced_by=excluded.forced_by`,
				v.SessionID, v.UserID, at, v.Forced, forcedBy(v.Forced, e.Metadata.ActorName))
		}
	case domain.SessionsSeen{}.EventType():
		var v domain.SessionsSeen
		if v, err = decode[domain.SessionsSeen](e); err == nil {
			ids := make([]string, 0, len(v.Sessions))
			times := make([]time.Time, 0, len(v.Sessions))
			for id, t := range v.Sessions {
				ids, times = append(ids, id), append(times, t)
			}
			_, err = tx.Exec(ctx, `update access_sessions s set last_seen_at = greatest(s.last_seen_at, x.t)
				from unnest($1::text[], $2::timestamptz[]) x(id, t) where s.id = x.id`, ids, times)
		}
	case domain.APIKeyCreated{}.EventType():
		var v domain.APIKeyCreated
		if v, err = decode[domain.APIKeyCreated](e); err == nil {
			_, err = tx.Exec(ctx, `insert into access_api_keys (id, name, prefix, hash, owner_id, owner_name, created_at, expires_at)
				values ($1,$2,$3,$4,$5,$6,$7,$8) on conflict (id) do nothing`, v.KeyID, v.Name, v.Prefix, v.Hash, v.OwnerID, v.OwnerName, at, v.ExpiresAt)
		}
	case domain.APIKeyRevoked{}.EventType():
		_, err = tx.Exec(ctx, `update access_api_keys set revoked_at=$2 where id=$1`, e.StreamID, at)
	default:
		if e.StreamType == domain.StreamPolicy {
			err = applyPolicy(ctx, tx, e)
		}
	}
	if err != nil {
		return fmt.Errorf("apply %s: %w", e.Type, err)
	}
	return nil
}

func forcedBy(forced bool, actor string) string {
	if forced {
		return actor
	}
	return ""
}

// OnlineSession is a session that has not ended.
type OnlineSession struct {
	SessionID  string     `json:"session_id"`
	UserID     string     `json:"user_id"`
	Username   string     `json:"username"`
	IP         string     `json:"ip"`
	Client     string     `json:"client"`
	LoginAt    *time.Time `json:"login_at"`
	LastSeenAt *time.Time `json:"last_seen_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
}

// Online lists sessions not logged out and not expired, most recently active first.
func (q Queries) Online(ctx context.Context, now time.Time) ([]OnlineSession, error) {
	rows, err := q.Pool.Query(ctx, `select id, user_id, username, client_ip, user_agent, logged_in_at, coalesce(last_seen_at, logged_in_at), expires_at
		from access_sessions where logged_out_at is null and logged_in_at is not null and (expires_at is null or expires_at > $1)
		order by coalesce(last_seen_at, logged_in_at) desc limit 1000`, now)
	if err != nil {
		return nil, fmt.Errorf("online sessions: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[OnlineSession])
}

// Session returns one session's user and whether it still runs.
func (q Queries) Session(ctx context.Context, id string) (userID string, active bool, err error) {
	err = q.Pool.QueryRow(ctx, `select user_id, logged_out_at is null from access_sessions where id = $1 and logged_in_at is not null`, id).Scan(&userID, &active)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, fault.NotFound("session", id)
	}
	return userID, active, err
}

// User is a user row.
type User struct {
	ID          string     `json:"id"`
	Username    string     `json:"username"`
	DisplayName string     `json:"displayName"`
	Email       string     `json:"email"`
	Roles       []string   `json:"roles"`
	Status      string     `json:"status"`
	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	LastLoginAt *time.Time `json:"lastLoginAt"`
}

// APIKey is an API key row (never the secret).
type APIKey struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	OwnerID    string     `json:"ownerId"`
	OwnerName  string     `json:"ownerName"`
	CreatedAt  time.Time  `json:"createdAt"`
	ExpiresAt  *time.Time `json:"expiresAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	Revoked    bool       `json:"revoked"`
	RevokedAt  *time.Time `json:"revokedAt"`
}

// Queries reads the access model.
type Queries struct{ Pool *pgxpool.Pool }

const userCols = `id, username, display_name, email, roles, status, created_at, updated_at, last_login_at`

// User returns one user.
func (q Queries) User(ctx context.Context, id string) (User, error) {
	return postgres.One(ctx, q.Pool, "user", id, `select `+userCols+` from access_users where id = $1`, pgx.RowToStructByPos[User])
}

// UserFilter narrows the user list.
type UserFilter struct {
	Keyword string
	Status  string
}

// Users lists users by username.
func (q Queries) Users(ctx context.Context, f UserFilter, p page.Request) (page.Result[User], error) {
	var res page.Result[User]
	args := []any{"%" + strings.ToLower(f.Keyword) + "%", f.Status}
	where := ` where (lower(username) like $1 or lower(display_name) like $1 or lower(email) like $1) and ($2 = '' or status = $2)`
	if err := q.Pool.QueryRow(ctx, `select count(*) from access_users`+where, args...).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count users: %w", err)
	}
	rows, err := q.Pool.Query(ctx, `select `+userCols+` from access_users`+where+` order by username limit $3 offset $4`,
		append(args, p.Limit(), p.Offset())...)
	if err != nil {
		return res, fmt.Errorf("list users: %w", err)
	}
	res.Items, err = pgx.CollectRows(rows, pgx.RowToStructByPos[User])
	return res, err
}

// Counts returns user and API-key totals for the dashboard.
func (q Queries) Counts(ctx context.Context) (users, active, keys int64, err error) {
	err = q.Pool.QueryRow(ctx, `select (select count(*) from access_users), (select count(*) from access_users where status='active'),
		(select count(*) from access_api_keys where revoked_at is null)`).Scan(&users, &active, &keys)
	if err != nil {
		err = fmt.Errorf("count users: %w", err)
	}
	return
}

const keyCols = `id, name, prefix, owner_id, owner_name, created_at, expires_at, null::timestamptz, revoked_at is not null, revoked_at`

// APIKeys lists keys, newest first; ownerID "" lists everyone's.
func (q Queries) APIKeys(ctx context.Context, ownerID string, p page.Request) (page.Result[APIKey], error) {
	var res page.Result[APIKey]
	if err := q.Pool.QueryRow(ctx, `select count(*) from access_api_keys where $1 = '' or owner_id = $1`, ownerID).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count api keys: %w", err)
	}
	rows, err := q.Pool.Query(ctx, `select `+keyCols+` from access_api_keys where $1 = '' or owner_id = $1
		order by created_at desc, id limit $2 offset $3`, ownerID, p.Limit(), p.Offset())
	if err != nil {
		return res, fmt.Errorf("list api keys: %w", err)
	}
	res.Items, err = pgx.CollectRows(rows, pgx.RowToStructByPos[APIKey])
	return res, err
}

// Principal is who a request acts as.
type Principal struct {
	UserID    string
	Username  string
	Roles     []string
	SessionID string
	APIKeyID  string
}

// ErrUnknownUser: the token names a user the read model does not hold.
var ErrUnknownUser = &fault.Error{Kind: fault.KindUnauthorized, Message: "the account does not exist"}

// SessionPrincipal resolves a token's user and session: the user must be active and the session
// not logged out.
func (q Queries) SessionPrincipal(ctx context.Context, userID, sessionID string) (Principal, error) {
	var p Principal
	var status string
	var loggedOut bool
	err := q.Pool.QueryRow(ctx, `select u.id, u.username, u.roles, u.status,
		exists(select 1 from access_sessions s where s.id = $2 and s.logged_out_at is not null)
		from access_users u where u.id = $1`, userID, sessionID).Scan(&p.UserID, &p.Username, &p.Roles, &status, &loggedOut)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, ErrUnknownUser
	}
	if err != nil {
		return p, fmt.Errorf("resolve session: %w", err)
	}
	if status != "active" {
		return p, fault.Unauthorized("the account is disabled")
	}
	if loggedOut {
		return p, fault.Unauthorized("the session has ended; sign in again")
	}
	p.SessionID = sessionID
	return p, nil
}

// APIKeyPrincipal resolves an API key by the hash of its secret.
func (q Queries) APIKeyPrincipal(ctx context.Context, hash string, now time.Time) (Principal, error) {
	var p Principal
	var status string
	var revoked bool
	var expires *time.Time
	err := q.Pool.QueryRow(ctx, `select k.id, u.id, u.username, u.roles, u.status, k.revoked_at is not null, k.expires_at
		from access_api_keys k join access_users u on u.id = k.owner_id where k.hash = $1`, hash).
		Scan(&p.APIKeyID, &p.UserID, &p.Username, &p.Roles, &status, &revoked, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, fault.Unauthorized("unknown API key")
	}
	if err != nil {
		return p, fmt.Errorf("resolve api key: %w", err)
	}
	switch {
	case revoked:
		return p, fault.Unauthorized("the API key was revoked")
	case expires != nil && now.After(*expires):
		return p, fault.Unauthorized("the API key has expired")
	case status != "active":
		return p, fault.Unauthorized("the API key's owner is disabled")
	}
	return p, nil
}

// HasAdmin reports whether any user holds the admin role.
func (q Queries) HasAdmin(ctx context.Context) (bool, error) {
	var ok bool
	err := q.Pool.QueryRow(ctx, `select exists(select 1 from access_users where 'admin' = any(roles))`).Scan(&ok)
	return ok, err
}
