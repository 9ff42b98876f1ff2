// Package dataservice holds the data service's facts: statements run in the query console (and,
// later, report API calls).
package dataservice

import "assetflow/domain/eventsourcing"

// QueryExecuted records one console execution or export. SQL is as written, RenderedSQL after the
// template; Params are the template values the user gave.
type QueryExecuted struct {
	QueryID        string         `json:"query_id"`
	UserID         string         `json:"user_id"`
	UserName       string         `json:"user_name"`
	DatasourceID   string         `json:"datasource_id"`
	DatasourceName string         `json:"datasource_name"`
	Database       string         `json:"database"`
	SQL            string         `json:"sql"`
	RenderedSQL    string         `json:"rendered_sql"`
	Params         map[string]any `json:"params"`
	Status         string         `json:"status"` // succeeded | failed | cancelled
	DurationMs     int64          `json:"duration_ms"`
	Rows           int            `json:"rows"`
	Error          string         `json:"error"`
	Export         bool           `json:"export"`
}

func (QueryExecuted) EventType() string { return "dataservice.query_executed" }

// StreamQuery is the stream type of query log entries (one stream per execution).
const StreamQuery = "query"

// Events lists the context's events.
func Events() []eventsourcing.Event { return []eventsourcing.Event{QueryExecuted{}} }
