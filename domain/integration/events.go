package integration

import "assetflow/domain/eventsourcing"

// Stream types: tasks ("synctask-<uuid>") and runs ("syncrun-<uuid>").
const (
	StreamTask = "integration_task"
	StreamRun  = "integration_run"
)

// TaskCreated: a sync task was defined.
type TaskCreated struct {
	TaskID    string `json:"task_id"`
	Spec      Spec   `json:"spec"`
	OwnerID   string `json:"owner_id"`
	OwnerName string `json:"owner_name"`
}

// TaskUpdated: the task's spec was replaced.
type TaskUpdated struct {
	TaskID string `json:"task_id"`
	Spec   Spec   `json:"spec"`
}

// TaskPaused: scheduled runs stop until the task is resumed.
type TaskPaused struct {
	TaskID string `json:"task_id"`
}

// TaskResumed: scheduled runs start again.
type TaskResumed struct {
	TaskID string `json:"task_id"`
}

// TaskDeleted: the task is gone; the target keeps what it wrote.
type TaskDeleted struct {
	TaskID string `json:"task_id"`
}

// RunRequested: a run of a task was asked for; a worker on any replica takes it (its consumer group
// receives the event) and records RunStarted, or RunFailed when it cannot start it.
type RunRequested struct {
	RunID    string `json:"run_id"`
	TaskID   string `json:"task_id"`
	TaskName string `json:"task_name"`
	Trigger  string `json:"trigger"`
}

// RunStarted: a run of a task began; Tables lists the source tables it will copy
// ("database.table") and Trigger says who started it (manual or schedule).
type RunStarted struct {
	RunID    string   `json:"run_id"`
	TaskID   string   `json:"task_id"`
	TaskName string   `json:"task_name"`
	Trigger  string   `json:"trigger"`
	Mode     string   `json:"mode"`
	Tables   []string `json:"tables"`
	// RowsEstimate is the sources' own estimate of the rows a full run copies (0: unknown, or an
	// incremental run); the console derives progress and ETA from it.
	RowsEstimate int64 `json:"rows_estimate"`
}

// ChunkCommitted: one chunk was written to the target in one transaction, together with its row
// in the target's progress table. Keys and watermarks are JSON arrays/values as text.
type ChunkCommitted struct {
	RunID       string `json:"run_id"`
	TaskID      string `json:"task_id"`
	SourceTable string `json:"source_table"`
	TargetTable string `json:"target_table"`
	Chunk       int    `json:"chunk"`
	// Split names the split of the table the chunk belongs to ("2/4"; empty: the table is copied
	// in one pass). Chunks are numbered within their split.
	Split       string `json:"split,omitempty"`
	FromKey     string `json:"from_key"`
	ToKey       string `json:"to_key"`
	RowsRead    int64  `json:"rows_read"`
	RowsWritten int64  `json:"rows_written"`
	Bytes       int64  `json:"bytes"`
	Watermark   string `json:"watermark"`
	// TableDone marks the last chunk of the table in this run.
	TableDone bool `json:"table_done"`
	// Created and AddedColumns report schema changes made to the target before the chunk.
	Created      bool     `json:"created"`
	AddedColumns []string `json:"added_columns"`
}

// RunCompleted: every table was copied.
type RunCompleted struct {
	RunID       string `json:"run_id"`
	TaskID      string `json:"task_id"`
	RowsRead    int64  `json:"rows_read"`
	RowsWritten int64  `json:"rows_written"`
	Bytes       int64  `json:"bytes"`
	Tables      int    `json:"tables"`
	DurationMs  int64  `json:"duration_ms"`
}

// RunFailed: the run stopped. LastChunk names the last chunk committed to the target
// ("table#n", empty when none); a later run resumes after it. Paused is set when the task was
// paused rather than the run failing.
type RunFailed struct {
	RunID     string `json:"run_id"`
	TaskID    string `json:"task_id"`
	Reason    string `json:"reason"`
	Table     string `json:"table"`
	LastChunk string `json:"last_chunk"`
	Paused    bool   `json:"paused"`
	// SampleRows holds the row the target refused (column → value as text), when it said which.
	SampleRows []map[string]string `json:"sample_rows,omitempty"`
}

func (TaskCreated) EventType() string    { return "integration.task_created" }
func (TaskUpdated) EventType() string    { return "integration.task_updated" }
func (TaskPaused) EventType() string     { return "integration.task_paused" }
func (TaskResumed) EventType() string    { return "integration.task_resumed" }
func (TaskDeleted) EventType() string    { return "integration.task_deleted" }
func (RunRequested) EventType() string   { return "integration.run_requested" }
func (RunStarted) EventType() string     { return "integration.run_started" }
func (ChunkCommitted) EventType() string { return "integration.chunk_committed" }
func (RunCompleted) EventType() string   { return "integration.run_completed" }
func (RunFailed) EventType() string      { return "integration.run_failed" }

// Events lists the context's events.
func Events() []eventsourcing.Event {
	return []eventsourcing.Event{TaskCreated{}, TaskUpdated{}, TaskPaused{}, TaskResumed{}, TaskDeleted{},
		RunRequested{}, RunStarted{}, ChunkCommitted{}, RunCompleted{}, RunFailed{}}
}
