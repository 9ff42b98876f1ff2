// Package dataservice holds the data service's facts: statements run in the query console (and,
// later, report API calls).
package dataservice

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"assetflow/domain/eventsourcing"
)

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
	return []eventsourcing.Event{QueryExecuted{}, ExportStarted{}, ExportFinished{}, InterfaceCreated{}, InterfaceUpdated{},
		InterfaceStatusChanged{}, InterfaceCalled{}, CallsRecorded{}, ReportSaved{}, ReportDeleted{}}
}

// InterfaceCreated: a draft version of a report API.
type InterfaceCreated struct {
	Definition Definition `json:"definition"`
}

// InterfaceUpdated: the version's definition changed.
type InterfaceUpdated struct {
	Definition Definition `json:"definition"`
}

// InterfaceStatusChanged: lifecycle moved (active, deprecated, disabled, deleted).
type InterfaceStatusChanged struct {
	Code    string `json:"code"`
	Version string `json:"version"`
	From    string `json:"from"`
	Status  string `json:"status"`
}

// InterfaceCalled: one gateway call (a fact). Params have secrets redacted.
type InterfaceCalled struct {
	CallShape
	Rows      int     `json:"rows"`
	LatencyMs float64 `json:"latency_ms"`
	CacheHit  bool    `json:"cache_hit"`
}

// RecordedCall is one gateway call inside a CallsRecorded batch, with its own id and time.
type RecordedCall struct {
	CallID string    `json:"call_id"`
	At     time.Time `json:"at"`
	InterfaceCalled
}

// CallsRecorded: the gateway calls one replica answered in a short window (a fact). Calls are
// batched so that a busy gateway costs an event per window, not per call, and written compactly:
// what calls share (interface, caller, parameters, outcome) once per distinct shape, then one row
// of numbers per call. Batches recorded before the compact form list each call whole in Calls;
// Each reads both.
type CallsRecorded struct {
	Calls  []RecordedCall `json:"calls,omitempty"`
	Since  time.Time      `json:"since,omitzero"`
	Shapes []CallShape    `json:"shapes,omitempty"`
	Rows   []CallRow      `json:"rows,omitempty"`
}

// CallShape is what calls have in common: interface, caller, parameters and outcome.
type CallShape struct {
	Code       string          `json:"code"`
	Version    string          `json:"version"`
	CallerID   string          `json:"caller_id"`
	CallerName string          `json:"caller_name"`
	ClientIP   string          `json:"client_ip"`
	Params     json.RawMessage `json:"params"`
	Status     int             `json:"status"`
	ErrorCode  string          `json:"error_code"`
	Error      string          `json:"error"`
	Execute    string          `json:"execute"`
}

// MaxBatchCalls bounds a compact batch: row indexes fit the two bytes they change in the event id.
const MaxBatchCalls = 1 << 16

// CallRow is one call of a compact batch: [shape index, microseconds after Since, rows,
// latency in microseconds, cache hit 0|1].
type CallRow [5]int64

// NewCallsRecorded starts a compact batch whose calls happen at or after since.
func NewCallsRecorded(since time.Time) CallsRecorded {
	return CallsRecorded{Since: since.UTC().Truncate(time.Microsecond)}
}

// Add appends a call to a compact batch; shape is the index of its shape in Shapes.
func (c *CallsRecorded) Add(shape int, at time.Time, rows int, latency time.Duration, cacheHit bool) {
	hit := int64(0)
	if cacheHit {
		hit = 1
	}
	c.Rows = append(c.Rows, CallRow{int64(shape), at.Sub(c.Since).Microseconds(), int64(rows), latency.Microseconds(), hit})
}

// Len is the number of calls in the batch.
func (c CallsRecorded) Len() int { return len(c.Calls) + len(c.Rows) }

// Each lists the batch's calls in order. A compact row takes its id from the event's id with the
// row's index in the last two bytes, the same on every replay.
func (c CallsRecorded) Each(eventID [16]byte, fn func(RecordedCall) error) error {
	if len(c.Rows) > MaxBatchCalls {
		return fmt.Errorf("a batch holds at most %d compact calls, this one %d", MaxBatchCalls, len(c.Rows))
	}
	for _, call := range c.Calls {
		if err := fn(call); err != nil {
			return err
		}
	}
	for i, r := range c.Rows {
		if r[0] < 0 || r[0] >= int64(len(c.Shapes)) {
			return fmt.Errorf("call %d refers to shape %d of %d", i, r[0], len(c.Shapes))
		}
		s := c.Shapes[r[0]]
		id := eventID
		id[14] ^= byte(i >> 8)
		id[15] ^= byte(i)
		err := fn(RecordedCall{CallID: uuid.UUID(id).String(), At: c.Since.Add(time.Duration(r[1]) * time.Microsecond),
			InterfaceCalled: InterfaceCalled{CallShape: s, Rows: int(r[2]), LatencyMs: float64(r[3]) / 1000, CacheHit: r[4] == 1}})
		if err != nil {
			return err
		}
	}
	return nil
}

// ReportSaved: a report (报表) interfaces belong to was created or edited.
type ReportSaved struct {
	ReportID    string `json:"report_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Owner       string `json:"owner"`
}

// ReportDeleted: a report without interfaces was deleted.
type ReportDeleted struct {
	ReportID string `json:"report_id"`
}

func (InterfaceCreated) EventType() string       { return "dataservice.interface_created" }
func (InterfaceUpdated) EventType() string       { return "dataservice.interface_updated" }
func (InterfaceStatusChanged) EventType() string { return "dataservice.interface_status_changed" }
func (InterfaceCalled) EventType() string        { return "dataservice.interface_called" }
func (CallsRecorded) EventType() string          { return "dataservice.calls_recorded" }
func (ReportSaved) EventType() string            { return "dataservice.report_saved" }
func (ReportDeleted) EventType() string          { return "dataservice.report_deleted" }

// More stream types.
const (
	StreamInterface = "interface"
	StreamCall      = "interface_call"
	StreamReport    = "report"
)
