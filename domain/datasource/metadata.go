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
}

// Column describes one column; Order starts at 1 with no gaps.
type Column struct {
	Table      string  `json:"-"`
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
