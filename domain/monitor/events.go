// Package monitor holds the platform's own operational facts: what was done through the API, by whom.
package monitor

import "assetflow/domain/eventsourcing"

// OperationLogged records one mutating HTTP request. Summary is the request body with secrets
// masked and long values cut.
type OperationLogged struct {
	UserID     string `json:"userId"`
	UserName   string `json:"userName"`
	Method     string `json:"method"`
	Path       string `json:"path"`
	Status     int    `json:"status"`
	DurationMs int64  `json:"durationMs"`
	ClientIP   string `json:"clientIp"`
	UserAgent  string `json:"userAgent"`
	Summary    string `json:"summary"`
}

// ReplicaHeartbeat: a replica reports itself every 15 s (figures for the per-replica view).
type ReplicaHeartbeat struct {
	NodeID      string         `json:"node_id"`
	HTTPAddr    string         `json:"http_addr"`
	Version     string         `json:"version"`
	StartedAt   string         `json:"started_at"`
	RelayActive bool           `json:"relay_active"`
	Figures     map[string]any `json:"figures"`
}

func (OperationLogged) EventType() string  { return "monitor.operation_logged" }
func (ReplicaHeartbeat) EventType() string { return "monitor.replica_heartbeat" }

// Stream types: operation log entries (one stream per entry) and replica heartbeats.
const (
	StreamOperation = "operation"
	StreamReplica   = "replica"
)

// Events lists every event type of the context.
func Events() []eventsourcing.Event {
	return []eventsourcing.Event{OperationLogged{}, ReplicaHeartbeat{}}
}
