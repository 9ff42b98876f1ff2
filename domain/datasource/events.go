package datasource

import "assetflow/domain/eventsourcing"

// Registered: a datasource was added.
type Registered struct {
	ID string `json:"id"`
	Config
	OwnerID   string `json:"owner_id"`
	OwnerName string `json:"owner_name"`
}

// Updated: the connection settings changed (never the password: see CredentialsRotated).
type Updated struct {
	ID string `json:"id"`
	Config
}

// CredentialsRotated: a new password was stored (encrypted, outside the event), or with Cleared,
// the stored one was removed.
type CredentialsRotated struct {
	ID      string `json:"id"`
	Cleared bool   `json:"cleared"`
}

// ConnectionTested: a connection test ran. Stream "dstest-<datasource id>".
type ConnectionTested struct {
	DatasourceID string `json:"datasource_id"`
	OK           bool   `json:"ok"`
	Version      string `json:"version"`
	LatencyMs    int64  `json:"latency_ms"`
	Error        string `json:"error"`
	ErrorKind    string `json:"error_kind"`
}

// Removed: the datasource was deleted; with Cascade, the assets listed in Usages go with it.
type Removed struct {
	ID      string   `json:"id"`
	Cascade bool     `json:"cascade"`
	Usages  []string `json:"usages"`
}

func (Registered) EventType() string         { return "datasource.registered" }
func (Updated) EventType() string            { return "datasource.updated" }
func (CredentialsRotated) EventType() string { return "datasource.credentials_rotated" }
func (ConnectionTested) EventType() string   { return "datasource.connection_tested" }
func (Removed) EventType() string            { return "datasource.removed" }

// Events lists the context's events.
func Events() []eventsourcing.Event {
	return []eventsourcing.Event{Registered{}, Updated{}, CredentialsRotated{}, ConnectionTested{}, Removed{}}
}

// TestStream is the stream of a datasource's connection tests, kept apart so tests never conflict
// with edits.
func TestStream(datasourceID string) string { return "dstest-" + datasourceID }
