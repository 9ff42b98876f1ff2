package quality

import "time"

// Measure kinds a connector computes: every column and table rule type except schema (compared
// against the live table definition) and reconciliation (two Aggregates measurements compared).
const Aggregates = "aggregates"

// Location names a table inside a datasource.
type Location struct {
	Database, Schema, Table string
}

// MeasureSpec asks a connector for one metric, computed by the database as aggregate SQL.
type MeasureSpec struct {
	Kind string
	Location
	Column string
	Params Params
	// Ref is the referenced table of a referential rule (same datasource).
	Ref Location
	// SampleColumns are shown for offending rows; Samples caps them (0: none).
	SampleColumns []string
	Samples       int
	Timeout       time.Duration
}

// Measurement is what the database answered. Rows counts the rows examined when known.
type Measurement struct {
	Metric  *float64
	Rows    *int64
	Samples []Sample
	// Values are the named aggregates of an Aggregates measurement.
	Values map[string]*string
}
