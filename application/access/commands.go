package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	domain "assetflow/domain/access"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
)

// Service runs the access commands. Dependencies are checked once, in NewService.
type Service struct {
	// Lockout, when set, refuses sign-ins after LockoutFailures failures within LockoutWindow.
	Lockout  Lockout
	users    Users
	keys     APIKeys
	facts    Facts
	sessions Sessions
	hasher   PasswordHasher
	tokens   TokenIssuer
	tokenTTL time.Duration
	now      func() time.Time
}

// NewService wires the access use cases.
func NewService(users Users, keys APIKeys, facts Facts, sessions Sessions, hasher PasswordHasher, tokens TokenIssuer, tokenTTL time.Duration) *Service {
	if users == nil || keys == nil || facts == nil || sessions == nil || hasher == nil || tokens == nil {
		panic("access.NewService: nil dependency")
	}
	return &Service{users: users, keys: keys, facts: facts, sessions: sessions, hasher: hasher, tokens: tokens, tokenTTL: tokenTTL, now: time.Now}
}

// CreateUser is the admin command to create an account.
type CreateUser struct {
	Username    string   `json:"username"`
	Password    string   `json:"password"`
	DisplayName string   `json:"displayName"`
	Email       string   `json:"email"`
	Roles       []string `json:"roles"`
}

// CreateUser creates an account; the username must be free.
func (s *Service) CreateUser(ctx context.Context, cmd CreateUser, meta es.Metadata) (es.Ref, error) {
	id := "user-" + uuid.NewString()
	u, err := domain.CreateUser(id, domain.NewUserInput(cmd))
	if err != nil {
		return es.Ref{}, err
	}
	hash, err := s.hasher.Hash(cmd.Password)
	if err != nil {
		return es.Ref{}, fmt.Errorf("hash password: %w", err)
	}
	return s.users.Create(ctx, u, hash, meta)
}

// EnsureAdmin creates the bootstrap admin when no user named "admin" exists, or resets its password
// when resetPassword is set. It reports whether it created the account.
func (s *Service) EnsureAdmin(ctx context.Context, password string, resetPassword bool) (bool, error) {
	id, err := s.users.IDByUsername(ctx, "admin")
	if err != nil {
		return false, err
	}
	meta := es.Metadata{ActorID: "system", ActorName: "system"}
	if id == "" {
		_, err := s.CreateUser(ctx, CreateUser{Username: "admin", Password: password, DisplayName: "Administrator", Roles: []string{string(domain.RoleAdmin)}}, meta)
		if errors.Is(err, fault.ErrConflict) { // another replica created it first
			return false, nil
		}
		return err == nil, err
	}
	if !resetPassword {
		return false, nil
	}
	hash, err := s.users.PasswordHash(ctx, id)
	if err != nil {
		return false, err
	}
	if s.hasher.Matches(hash, password) {
		return false, nil
	}
	_, err = s.ResetPassword(ctx, id, password, meta)
	return false, err
}

// UpdateUser changes profile and roles.
type UpdateUser struct {
	DisplayName string   `json:"displayName"`
	Email       string   `json:"email"`
	Roles       []string `json:"roles"`
}

// UpdateUser applies an admin's edit.
func (s *Service) UpdateUser(ctx context.Context, id string, cmd UpdateUser, meta es.Metadata) (es.Ref, error) {
	return s.change(ctx, id, meta, func(u *domain.User) error { return u.Update(meta.ActorID, cmd.DisplayName, cmd.Email, cmd.Roles) })
}

// DisableUser stops an account.
func (s *Service) DisableUser(ctx context.Context, id string, meta es.Metadata) (es.Ref, error) {
	return s.change(ctx, id, meta, func(u *domain.User) error { return u.Disable(meta.ActorID) })
}

// EnableUser re-activates an account.
func (s *Service) EnableUser(ctx context.Context, id string, meta es.Metadata) (es.Ref, error) {
	return s.change(ctx, id, meta, func(u *domain.User) error { return u.Enable() })
}

func (s *Service) change(ctx context.Context, id string, meta es.Metadata, fn func(*domain.User) error) (es.Ref, error) {
	u, err := s.users.Load(ctx, id)
	if err != nil {
		return es.Ref{}, err
	}
	if err := fn(u); err != nil {
		return es.Ref{}, err
	}
	return s.users.Save(ctx, u, "", meta)
}

// ResetPassword sets a user's password (admin).
func (s *Service) ResetPassword(ctx context.Context, id, password string, meta es.Metadata) (es.Ref, error) {
	u, err := s.users.Load(ctx, id)
	if err != nil {
		return es.Ref{}, err
	}
	if err := u.SetPassword(password, true); err != nil {
		return es.Ref{}, err
	}
	hash, err := s.hasher.Hash(password)
	if err != nil {
		return es.Ref{}, fmt.Errorf("hash password: %w", err)
	}
	return s.users.Save(ctx, u, hash, meta)
}

// ChangePassword is a user's own change; the old password must match.
type ChangePassword struct {
	OldPassword string `json:"oldPassword"`
	NewPassword string `json:"newPassword"`
}

// ChangePassword changes the caller's password.
func (s *Service) ChangePassword(ctx context.Context, userID string, cmd ChangePassword, meta es.Metadata) (es.Ref, error) {
	hash, err := s.users.PasswordHash(ctx, userID)
	if err != nil {
		return es.Ref{}, err
	}
	if !s.hasher.Matches(hash, cmd.OldPassword) {
		return es.Ref{}, fault.Field("oldPassword", "the current password is wrong")
	}
	if cmd.OldPassword == cmd.NewPassword {
		return es.Ref{}, fault.Field("newPassword", "the new password must differ from the current one")
	}
	u, err := s.users.Load(ctx, userID)
	if err != nil {
		return es.Ref{}, err
	}
	if err := u.SetPassword(cmd.NewPassword, false); err != nil {
		return es.Ref{}, err
	}
	newHash, err := s.hasher.Hash(cmd.NewPassword)
	if err != nil {
		return es.Ref{}, fmt.Errorf("hash password: %w", err)
	}
	return s.users.Save(ctx, u, newHash, meta)
}

// Login is a sign-in attempt.
type Login struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Session is a successful sign-in.
type Session struct {
	Token     string
	ExpiresAt time.Time
	SessionID string
	UserID    string
	User      *domain.User
	Ref       es.Ref
}

// Lockout counts recent failed sign-ins of a username (after its last success).
type Lockout interface {
	RecentFailures(ctx context.Context, username string, since time.Time) (int, time.Time, error)
}

// Lockout policy.
const (
	LockoutFailures = 5
	LockoutWindow   = 15 * time.Minute
)

// ErrBadCredentials is the one answer to any failed sign-in, so callers learn nothing about which
// part was wrong.
var ErrBadCredentials = fault.Unauthorized("invalid username or password")

// Login checks credentials and opens a session; both outcomes are recorded as facts.
func (s *Service) Login(ctx context.Context, cmd Login, clientIP, userAgent string, meta es.Metadata) (Session, error) {
	var c fault.Collect
	c.Check(strings.TrimSpace(cmd.Username) != "", "username", "username is required")
	c.Check(cmd.Password != "", "password", "password is required")
	if err := c.Err(); err != nil {
		return Session{}, err
	}
	if s.Lockout != nil {
		n, last, err := s.Lockout.RecentFailures(ctx, cmd.Username, s.now().Add(-LockoutWindow))
		if err != nil {
			return Session{}, err
		}
		if n >= LockoutFailures {
			wait := time.Until(last.Add(LockoutWindow)).Round(time.Minute)
			return Session{}, &fault.Error{Kind: fault.KindRateLimited, Message: fmt.Sprintf("the account is locked after %d failed sign-ins; try again in %s", n, max(wait, time.Minute))}
		}
	}
	// A refused sign-in returns the failure fact's ref with the error, so the caller can answer
	// only once the failure counts toward the lockout on every replica.
	fail := func(reason string) (Session, error) {
		meta := meta
		meta.ActorName = cmd.Username
		stream := "login-" + uuid.NewString()
		if err := s.facts.Submit(ctx, stream, domain.StreamLogin,
			domain.LoginFailed{Username: cmd.Username, Reason: reason, ClientIP: clientIP}, meta); err != nil {
			return Session{}, ErrBadCredentials
		}
		return Session{Ref: es.Ref{StreamID: stream, Version: 1}}, ErrBadCredentials
	}
	id, err := s.users.IDByUsername(ctx, cmd.Username)
	if err != nil {
		return Session{}, err
	}
	if id == "" {
		return fail("unknown user")
	}
	u, err := s.users.Load(ctx, id)
	if err != nil {
		return Session{}, err
	}
	hash, err := s.users.PasswordHash(ctx, id)
	if err != nil {
		return Session{}, err
	}
	if !s.hasher.Matches(hash, cmd.Password) {
		return fail("wrong password")
	}
	if u.Disabled {
		return fail("account disabled")
	}
	sid := uuid.NewString()
	exp := s.now().Add(s.tokenTTL).UTC().Truncate(time.Second)
	token, err := s.tokens.Issue(id, sid, exp)
	if err != nil {
		return Session{}, fmt.Errorf("issue token: %w", err)
	}
	meta.ActorID, meta.ActorName = id, u.Username
	stream := "session-" + sid
	if err := s.facts.Submit(ctx, stream, domain.StreamSession,
		domain.UserLoggedIn{SessionID: sid, UserID: id, Username: u.Username, ClientIP: clientIP, UserAgent: userAgent, ExpiresAt: exp}, meta); err != nil {
		return Session{}, fmt.Errorf("record sign-in: %w", err)
	}
	return Session{Token: token, ExpiresAt: exp, SessionID: sid, UserID: id, User: u, Ref: es.Ref{StreamID: stream, Version: 1}}, nil
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, userID, sessionID string, meta es.Metadata) (es.Ref, error) {
	if sessionID == "" {
		return es.Ref{}, fault.Invalid("API keys have no session to end; revoke the key instead")
	}
	return s.sessions.End(ctx, sessionID, domain.UserLoggedOut{SessionID: sessionID, UserID: userID}, meta)
}

// ForceLogout ends another user's session (an admin's action); the token stops working at once on
// every replica.
func (s *Service) ForceLogout(ctx context.Context, userID, sessionID string, meta es.Metadata) (es.Ref, error) {
	return s.sessions.End(ctx, sessionID, domain.UserLoggedOut{SessionID: sessionID, UserID: userID, Forced: true}, meta)
}

// CreateAPIKey asks for a key.
type CreateAPIKey struct {
	Name          string `json:"name"`
	ExpiresInDays int    `json:"expiresInDays"`
}

// NewAPIKey is the one moment the secret exists in clear.
type NewAPIKey struct {
	ID        string
	Name      string
	Prefix    string
	Key       string
	ExpiresAt *time.Time
	Ref       es.Ref
}

// APIKeyHash is how keys are stored and looked up: the hex SHA-256 of the whole key. A key carries
// 256 random bits, so a fast hash is safe here (unlike for passwords).
func APIKeyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// CreateAPIKey issues a key owned by the caller.
func (s *Service) CreateAPIKey(ctx context.Context, cmd CreateAPIKey, ownerID, ownerName string, meta es.Metadata) (NewAPIKey, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return NewAPIKey{}, fmt.Errorf("generate key: %w", err)
	}
	prefix := "af_" + base64.RawURLEncoding.EncodeToString(secret[:4])
	key := prefix + "_" + base64.RawURLEncoding.EncodeToString(secret)
	id := "apikey-" + uuid.NewString()
	k, err := domain.CreateAPIKey(id, cmd.Name, prefix, APIKeyHash(key), ownerID, ownerName, cmd.ExpiresInDays, s.now())
	if err != nil {
		return NewAPIKey{}, err
	}
	created := k.Changes()[0].(domain.APIKeyCreated)
	ref, err := s.keys.Save(ctx, k, meta)
	if err != nil {
		return NewAPIKey{}, err
	}
	return NewAPIKey{ID: id, Name: created.Name, Prefix: prefix, Key: key, ExpiresAt: created.ExpiresAt, Ref: ref}, nil
}

// RevokeAPIKey revokes a key; non-admins may only revoke their own.
func (s *Service) RevokeAPIKey(ctx context.Context, id, callerID string, callerRoles []string, meta es.Metadata) (es.Ref, error) {
	k, err := s.keys.Load(ctx, id)
	if err != nil {
		return es.Ref{}, err
	}
	if !k.Exists() {
		return es.Ref{}, fault.NotFound("api key", id)
	}
	if k.OwnerID != callerID && !slices.Contains(callerRoles, string(domain.RoleAdmin)) {
		return es.Ref{}, fault.Forbidden("you may only revoke your own API keys")
	}
	if err := k.Revoke(); err != nil {
		return es.Ref{}, err
	}
	return s.keys.Save(ctx, k, meta)
}
