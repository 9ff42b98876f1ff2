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

// ExportStarted: a background export began. Stream "export-<id>".
type ExportStarted struct {
	ExportID       string `json:"export_id"`
	UserID         string `json:"user_id"`
	UserName       string `json:"user_name"`
	DatasourceID   string `json:"datasource_id"`
	DatasourceName string `json:"datasource_name"`
	SQL            string `json:"sql"`
	MaxRows        int    `json:"max_rows"`
}

// ExportFinished: a background export ended; a succeeded one can be downloaded.
type ExportFinished struct {
	ExportID string `json:"export_id"`
	Status   string `json:"status"` // succeeded | failed
	Rows     int    `json:"rows"`
	Bytes    int64  `json:"bytes"`
	Error    string `json:"error"`
}

func (QueryExecuted) EventType() string  { return "dataservice.query_executed" }
func (ExportStarted) EventType() string  { return "dataservice.export_started" }
func (ExportFinished) EventType() string { return "dataservice.export_finished" }

// Stream types: query log entries (one stream per execution) and background exports.
const (
	StreamQuery  = "query"
	StreamExport = "export"
)

// Events lists the context's events.
func Events() []eventsourcing.Event {
	return []eventsourcing.Event{QueryExecuted{}, ExportStarted{}, ExportFinished{}}
}
