package datasource

import "time"

// TableInfo describes one table or view of a datasource. Fields an engine does not know are nil.
type TableInfo struct {
	Name      string     `json:"name"`
	Database  string     `json:"database"`
	Schema    string     `json:"schema"`
	Comment   string     `json:"comment"`
	Type      string     `json:"type"` // table | view
	CreatedAt *time.Time `json:"created_at"`
	UpdatedAt *time.Time `json:"updated_at"`
	Rows      *int64     `json:"rows"`
	SizeBytes *int64     `json:"size_bytes"`
	// Definition is a view's query as the source reports it (lineage reads it).
	Definition string `json:"definition,omitempty"`
}

// Column describes one column; Order starts at 1 with no gaps.
type Column struct {
	Table string `json:"-"`
	// Schema is the table's schema on engines that list several at once (PostgreSQL).
	Schema     string  `json:"-"`
	Order      int     `json:"order"`
	Name       string  `json:"name"`
	Type       string  `json:"type"`
	Comment    string  `json:"comment"`
	PrimaryKey bool    `json:"primary_key"`
	Nullable   bool    `json:"nullable"`
	Default    *string `json:"default"`
}

// PingResult is a successful connection test.
type PingResult struct {
	Version string
	Latency time.Duration
}

// ResultColumn names a column of a query result.
type ResultColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// QueryRequest is one statement to run. Args bind driver placeholders (never spliced).
type QueryRequest struct {
	SQL     string
	Args    []any
	MaxRows int           // rows delivered at most; 0 means 10,000
	Timeout time.Duration // 0 means 60s
	// Database switches the statement's connection to another database (MySQL family) or schema
	// search path (PostgreSQL) for this statement only.
	Database string
	// OnColumns, when set, learns the result's columns before the first row.
	OnColumns func([]ResultColumn)
}

// QueryResult summarises a finished query; rows went to the sink.
type QueryResult struct {
	Columns   []ResultColumn
	RowCount  int
	Truncated bool // more rows existed than MaxRows
	Duration  time.Duration
}

// RowSink receives rows as they stream; returning an error stops the query.
type RowSink func(row []any) error
