package access

import (
	"time"

	"assetflow/domain/eventsourcing"
)

// UserCreated: an account was created (by an admin, the CLI or the bootstrap).
type UserCreated struct {
	UserID      string   `json:"userId"`
	Username    string   `json:"username"`
	DisplayName string   `json:"displayName"`
	Email       string   `json:"email"`
	Roles       []string `json:"roles"`
}

// UserUpdated: profile fields and roles were changed.
type UserUpdated struct {
	UserID      string   `json:"userId"`
	DisplayName string   `json:"displayName"`
	Email       string   `json:"email"`
	Roles       []string `json:"roles"`
}

// UserDisabled: the account may no longer sign in; its sessions and API keys stop working.
type UserDisabled struct {
	UserID string `json:"userId"`
}

// UserEnabled: a disabled account may sign in again.
type UserEnabled struct {
	UserID string `json:"userId"`
}

// PasswordChanged: the password was set. The hash is never part of an event.
type PasswordChanged struct {
	UserID  string `json:"userId"`
	ByAdmin bool   `json:"byAdmin"`
}

// UserLoggedIn opens a session stream.
type UserLoggedIn struct {
	SessionID string    `json:"sessionId"`
	UserID    string    `json:"userId"`
	Username  string    `json:"username"`
	ClientIP  string    `json:"clientIp"`
	UserAgent string    `json:"userAgent"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// UserLoggedOut closes a session; its token stops working. Forced: an admin ended it.
type UserLoggedOut struct {
	SessionID string `json:"sessionId"`
	UserID    string `json:"userId"`
	Forced    bool   `json:"forced"`
}

// SessionsSeen: sessions that made requests recently, with when (batched per replica).
type SessionsSeen struct {
	Sessions map[string]time.Time `json:"sessions"`
}

// LoginFailed records a rejected sign-in attempt.
type LoginFailed struct {
	Username string `json:"username"`
	Reason   string `json:"reason"`
	ClientIP string `json:"clientIp"`
}

// APIKeyCreated: a key for programmatic callers. Hash is the SHA-256 of the secret; the secret
// itself is shown once to its creator and stored nowhere.
type APIKeyCreated struct {
	KeyID     string     `json:"keyId"`
	Name      string     `json:"name"`
	Prefix    string     `json:"prefix"`
	Hash      string     `json:"hash"`
	OwnerID   string     `json:"ownerId"`
	OwnerName string     `json:"ownerName"`
	ExpiresAt *time.Time `json:"expiresAt"`
}

// APIKeyRevoked: the key stops working.
type APIKeyRevoked struct {
	KeyID string `json:"keyId"`
}

func (UserCreated) EventType() string     { return "access.user_created" }
func (UserUpdated) EventType() string     { return "access.user_updated" }
func (UserDisabled) EventType() string    { return "access.user_disabled" }
func (UserEnabled) EventType() string     { return "access.user_enabled" }
func (PasswordChanged) EventType() string { return "access.password_changed" }
func (UserLoggedIn) EventType() string    { return "access.user_logged_in" }
func (UserLoggedOut) EventType() string   { return "access.user_logged_out" }
func (SessionsSeen) EventType() string    { return "access.sessions_seen" }
func (LoginFailed) EventType() string     { return "access.login_failed" }
func (APIKeyCreated) EventType() string   { return "access.api_key_created" }
func (APIKeyRevoked) EventType() string   { return "access.api_key_revoked" }

// Events lists every event type of the context, for the codec registry and the docs check.
func Events() []eventsourcing.Event {
	return []eventsourcing.Event{
		UserCreated{}, UserUpdated{}, UserDisabled{}, UserEnabled{}, PasswordChanged{},
		UserLoggedIn{}, UserLoggedOut{}, SessionsSeen{}, LoginFailed{}, APIKeyCreated{}, APIKeyRevoked{},
	}
}

// Stream types of the context.
const (
	StreamUser    = "user"
	StreamSession = "session"
	StreamAPIKey  = "apikey"
	StreamLogin   = "login_attempt"
	StreamSeen    = "sessions_seen"
)
