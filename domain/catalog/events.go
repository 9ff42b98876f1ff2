// Package catalog is the data asset catalog: collected and registered tables with their columns,
// descriptions, owners, tags and classification, schema drift, profiles, and collection runs.
package catalog

import (
	"time"

	"assetflow/domain/datasource"
	"assetflow/domain/eventsourcing"
)

// Column is a column as the catalog knows it.
type Column = datasource.Column

// Source locates a table in a datasource.
type Source struct {
	DatasourceID   string `json:"datasource_id"`
	DatasourceName string `json:"datasource_name"`
	Database       string `json:"database"`
	Schema         string `json:"schema"`
	Name           string `json:"name"`
}

// SourceFacts are what the source says about a table besides its columns.
type SourceFacts struct {
	Comment         string     `json:"comment"`
	Type            string     `json:"type"`
	Rows            *int64     `json:"rows"`
	SizeBytes       *int64     `json:"size_bytes"`
	SourceCreatedAt *time.Time `json:"source_created_at"`
	SourceUpdatedAt *time.Time `json:"source_updated_at"`
	// Definition is a view's query (empty for tables).
	Definition string `json:"definition,omitempty"`
}

// TableCollected: a table was seen for the first time (or again after it was dropped), with all
// its columns. RunID names the collection run.
type TableCollected struct {
	TableID string `json:"table_id"`
	Source
	SourceFacts
	Columns []Column `json:"columns"`
	RunID   string   `json:"run_id"`
}

// ColumnChange is one retyped or otherwise altered column.
type ColumnChange struct {
	Name   string `json:"name"`
	Before Column `json:"before"`
	After  Column `json:"after"`
}

// ColumnsChanged: schema drift found by a collection, with the exact difference.
type ColumnsChanged struct {
	TableID string         `json:"table_id"`
	Added   []Column       `json:"added"`
	Removed []Column       `json:"removed"`
	Changed []ColumnChange `json:"changed"`
	Columns []Column       `json:"columns"` // the full new column list
	RunID   string         `json:"run_id"`
}

// SourceFactsChanged: the source's comment or table type changed.
type SourceFactsChanged struct {
	TableID string `json:"table_id"`
	SourceFacts
	RunID string `json:"run_id"`
}

// TableDropped: a collection of the table's whole database no longer found it. The entry stays.
type TableDropped struct {
	TableID string `json:"table_id"`
	RunID   string `json:"run_id"`
}

// TableRegistered: a table entered by hand (no collection).
type TableRegistered struct {
	TableID string `json:"table_id"`
	Source
	Comment string   `json:"comment"`
	Columns []Column `json:"columns"`
}

// TableDescribed: description and owner edited.
type TableDescribed struct {
	TableID     string `json:"table_id"`
	Description string `json:"description"`
	Owner       string `json:"owner"`
}

// TableTagged: the table's tags were set (the full set).
type TableTagged struct {
	TableID string   `json:"table_id"`
	Tags    []string `json:"tags"`
}

// ColumnTagged: a column's tags were set.
type ColumnTagged struct {
	TableID string   `json:"table_id"`
	Column  string   `json:"column"`
	Tags    []string `json:"tags"`
}

// TableClassified: the table was put in a category ("" removes it).
type TableClassified struct {
	TableID    string `json:"table_id"`
	CategoryID string `json:"category_id"`
}

// ColumnClassified: a column was put in a category.
type ColumnClassified struct {
	TableID    string `json:"table_id"`
	Column     string `json:"column"`
	CategoryID string `json:"category_id"`
}

// ColumnProfile summarises one column's values.
type ColumnProfile struct {
	Name          string      `json:"name"`
	NullRatio     float64     `json:"null_ratio"`
	DistinctCount int64       `json:"distinct_count"`
	Min           *string     `json:"min"`
	Max           *string     `json:"max"`
	TopValues     []ValueFreq `json:"top_values"`
	Masked        bool        `json:"masked"`
}

// ValueFreq is a value and how often it occurs.
type ValueFreq struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// ProfileSpec names a table to profile and how.
type ProfileSpec struct {
	Database, Schema, Table string
	Columns                 []Column
	// Masked columns report counts only, never values.
	Masked map[string]bool
	// SampleRows caps the rows read; default 100,000.
	SampleRows int
	// TopN values are kept for columns with at most LowCardinality distinct values (defaults 10, 50).
	TopN, LowCardinality int
}

// TableProfiled: a profile was taken.
type TableProfiled struct {
	TableID    string          `json:"table_id"`
	Rows       int64           `json:"rows"`
	SizeBytes  *int64          `json:"size_bytes"`
	Sampled    bool            `json:"sampled"`
	SampleRows int64           `json:"sample_rows"`
	Columns    []ColumnProfile `json:"columns"`
	DurationMs int64           `json:"duration_ms"`
}

// TableDeleted: removed from the catalog by a user (restorable).
type TableDeleted struct {
	TableID string `json:"table_id"`
}

// TableRestored: a deleted entry came back.
type TableRestored struct {
	TableID string `json:"table_id"`
}

// CategoryCreated, CategoryUpdated, CategoryDeleted manage the classification tree.
type CategoryCreated struct {
	CategoryID  string `json:"category_id"`
	Name        string `json:"name"`
	ParentID    string `json:"parent_id"`
	Description string `json:"description"`
}

type CategoryUpdated struct {
	CategoryID  string `json:"category_id"`
	Name        string `json:"name"`
	ParentID    string `json:"parent_id"`
	Description string `json:"description"`
}

type CategoryDeleted struct {
	CategoryID string `json:"category_id"`
}

// TagDefined creates or edits a tag; Sensitive tags mask profile values of tagged columns.
type TagDefined struct {
	Name        string `json:"name"`
	Color       string `json:"color"`
	Description string `json:"description"`
	Sensitive   bool   `json:"sensitive"`
}

// TagDeleted removes a tag (and it disappears from tables and columns).
type TagDeleted struct {
	Name string `json:"name"`
}

// Scope is what a collection covers.
type Scope struct {
	DatasourceID   string   `json:"datasource_id"`
	DatasourceName string   `json:"datasource_name"`
	Database       string   `json:"database"`
	Tables         []string `json:"tables"`
}

// CollectionStarted, CollectionProgressed and CollectionFinished record a run.
type CollectionStarted struct {
	RunID string `json:"run_id"`
	Scope
	Scheduled bool `json:"scheduled"`
}

type CollectionProgressed struct {
	RunID string `json:"run_id"`
	Total int    `json:"total"`
	Done  int    `json:"done"`
}

// RunCounts counts what a run found.
type RunCounts struct {
	Total     int `json:"total"`
	Collected int `json:"collected"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
	Dropped   int `json:"dropped"`
	Failed    int `json:"failed"`
}

type CollectionFinished struct {
	RunID  string `json:"run_id"`
	Status string `json:"status"` // succeeded | failed
	Error  string `json:"error"`
	RunCounts
	// SyncedDatabases lists the databases fully read; their tables' last sync time is the finish.
	SyncedDatabases []string `json:"synced_databases"`
	SyncedTables    []string `json:"synced_tables"`
}

// ScheduleSet: a datasource's periodic collection (cron, in the server's time zone).
type ScheduleSet struct {
	DatasourceID string `json:"datasource_id"`
	Cron         string `json:"cron"`
	Enabled      bool   `json:"enabled"`
	// ProfileCron, when set, also profiles every active table of the datasource on that schedule.
	ProfileCron string `json:"profile_cron"`
}

func (TableCollected) EventType() string       { return "catalog.table_collected" }
func (ColumnsChanged) EventType() string       { return "catalog.columns_changed" }
func (SourceFactsChanged) EventType() string   { return "catalog.table_source_changed" }
func (TableDropped) EventType() string         { return "catalog.table_dropped" }
func (TableRegistered) EventType() string      { return "catalog.table_registered" }
func (TableDescribed) EventType() string       { return "catalog.table_described" }
func (TableTagged) EventType() string          { return "catalog.table_tagged" }
func (ColumnTagged) EventType() string         { return "catalog.column_tagged" }
func (TableClassified) EventType() string      { return "catalog.table_classified" }
func (ColumnClassified) EventType() string     { return "catalog.column_classified" }
func (TableProfiled) EventType() string        { return "catalog.table_profiled" }
func (TableDeleted) EventType() string         { return "catalog.table_deleted" }
func (TableRestored) EventType() string        { return "catalog.table_restored" }
func (CategoryCreated) EventType() string      { return "catalog.category_created" }
func (CategoryUpdated) EventType() string      { return "catalog.category_updated" }
func (CategoryDeleted) EventType() string      { return "catalog.category_deleted" }
func (TagDefined) EventType() string           { return "catalog.tag_defined" }
func (TagDeleted) EventType() string           { return "catalog.tag_deleted" }
func (CollectionStarted) EventType() string    { return "catalog.collection_started" }
func (CollectionProgressed) EventType() string { return "catalog.collection_progressed" }
func (CollectionFinished) EventType() string   { return "catalog.collection_finished" }
func (ScheduleSet) EventType() string          { return "catalog.schedule_set" }

// Events lists the context's events.
func Events() []eventsourcing.Event {
	return []eventsourcing.Event{TableCollected{}, ColumnsChanged{}, SourceFactsChanged{}, TableDropped{}, TableRegistered{},
		TableDescribed{}, TableTagged{}, ColumnTagged{}, TableClassified{}, ColumnClassified{}, TableProfiled{}, TableDeleted{},
		TableRestored{}, CategoryCreated{}, CategoryUpdated{}, CategoryDeleted{}, TagDefined{}, TagDeleted{},
		CollectionStarted{}, CollectionProgressed{}, CollectionFinished{}, ScheduleSet{}}
}

// Stream types.
const (
	StreamTable    = "catalog_table"
	StreamCategory = "catalog_category"
	StreamTag      = "catalog_tag"
	StreamRun      = "catalog_run"
	StreamSchedule = "catalog_schedule"
)
