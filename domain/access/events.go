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
		Granted{}, Revoked{}, Expired{}, Requested{}, Approved{}, Rejected{}, MaskSet{}, MaskRemoved{}, RowFilterSet{}, RowFilterRemoved{},
	}
}

// Stream types of the context.
const (
	StreamUser    = "user"
	StreamSession = "session"
	StreamAPIKey  = "apikey"
	StreamLogin   = "login_attempt"
	StreamSeen    = "sessions_seen"
	StreamPolicy  = "access_policy"
)

// Granted: a subject was allowed or denied a privilege on an object of a datasource.
type Granted struct {
	GrantID      string     `json:"grantId"`
	DatasourceID string     `json:"datasourceId"`
	SubjectType  string     `json:"subjectType"`
	Subject      string     `json:"subject"`
	Object       string     `json:"object"`
	Privilege    string     `json:"privilege"`
	Effect       string     `json:"effect"`
	ExpiresAt    *time.Time `json:"expiresAt"`
}

// Revoked: a grant was withdrawn.
type Revoked struct {
	GrantID string `json:"grantId"`
}

// Expired: a grant's expiry passed (it stopped applying at its expiry already; this records it).
type Expired struct {
	GrantID string `json:"grantId"`
}

// Requested: a user asked for a privilege on an object, with a reason.
type Requested struct {
	RequestID    string     `json:"requestId"`
	DatasourceID string     `json:"datasourceId"`
	RequesterID  string     `json:"requesterId"`
	Object       string     `json:"object"`
	Privilege    string     `json:"privilege"`
	Reason       string     `json:"reason"`
	ExpiresAt    *time.Time `json:"expiresAt"`
}

// Approved: an owner or admin granted a request; the grant follows in the same stream.
type Approved struct {
	RequestID string `json:"requestId"`
	GrantID   string `json:"grantId"`
}

// Rejected: an owner or admin refused a request.
type Rejected struct {
	RequestID string `json:"requestId"`
	Reason    string `json:"reason"`
}

// MaskSet: a column's values are masked for restricted users (full, partial, hash, null, year).
type MaskSet struct {
	MaskID       string `json:"maskId"`
	DatasourceID string `json:"datasourceId"`
	Object       string `json:"object"`
	Mask         string `json:"mask"`
	KeepLast     int    `json:"keepLast,omitempty"`
}

// MaskRemoved: the column is shown as stored again.
type MaskRemoved struct {
	MaskID string `json:"maskId"`
}

// RowFilterSet: a subject sees only the rows of a table matching a predicate.
type RowFilterSet struct {
	FilterID     string `json:"filterId"`
	DatasourceID string `json:"datasourceId"`
	Object       string `json:"object"`
	SubjectType  string `json:"subjectType"`
	Subject      string `json:"subject"`
	Predicate    string `json:"predicate"`
}

// RowFilterRemoved: the subject sees every row of the table again (as far as grants allow).
type RowFilterRemoved struct {
	FilterID string `json:"filterId"`
}

func (Granted) EventType() string          { return "access.granted" }
func (Revoked) EventType() string          { return "access.revoked" }
func (Expired) EventType() string          { return "access.expired" }
func (Requested) EventType() string        { return "access.requested" }
func (Approved) EventType() string         { return "access.approved" }
func (Rejected) EventType() string         { return "access.rejected" }
func (MaskSet) EventType() string          { return "access.mask_set" }
func (MaskRemoved) EventType() string      { return "access.mask_removed" }
func (RowFilterSet) EventType() string     { return "access.row_filter_set" }
func (RowFilterRemoved) EventType() string { return "access.row_filter_removed" }
