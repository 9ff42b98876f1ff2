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

func (OperationLogged) EventType() string { return "monitor.operation_logged" }

// StreamOperation is the stream type of operation log entries (one stream per entry).
const StreamOperation = "operation"

// Events lists every event type of the context.
func Events() []eventsourcing.Event { return []eventsourcing.Event{OperationLogged{}} }
