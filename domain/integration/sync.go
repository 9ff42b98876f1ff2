package integration

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TypeKind is an engine-neutral column type: sources report their types in it and targets create
// columns from it, so every pair of engines maps through one table.
type TypeKind string

const (
	TypeSmallInt    TypeKind = "smallint"
	TypeInt         TypeKind = "int"
	TypeBigInt      TypeKind = "bigint"
	TypeDecimal     TypeKind = "decimal"
	TypeFloat       TypeKind = "float"
	TypeDouble      TypeKind = "double"
	TypeChar        TypeKind = "char"
	TypeVarchar     TypeKind = "varchar"
	TypeText        TypeKind = "text"
	TypeDate        TypeKind = "date"
	TypeTime        TypeKind = "time"
	TypeDateTime    TypeKind = "datetime"
	TypeTimestampTZ TypeKind = "timestamptz"
	TypeBool        TypeKind = "bool"
	TypeBlob        TypeKind = "blob"
	TypeJSON        TypeKind = "json"
)

// ColumnType is a neutral type with its size: Length for char/varchar, Precision and Scale for
// decimal (Precision 0: unbounded).
type ColumnType struct {
	Kind      TypeKind `json:"kind"`
	Length    int      `json:"length,omitempty"`
	Precision int      `json:"precision,omitempty"`
	Scale     int      `json:"scale,omitempty"`
}

func (t ColumnType) String() string {
	switch {
	case t.Kind == TypeDecimal && t.Precision > 0:
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale)
	case (t.Kind == TypeVarchar || t.Kind == TypeChar) && t.Length > 0:
		return fmt.Sprintf("%s(%d)", t.Kind, t.Length)
	}
	return string(t.Kind)
}

// Temporal reports whether values of the type are times.
func (t ColumnType) Temporal() bool {
	return t.Kind == TypeDate || t.Kind == TypeDateTime || t.Kind == TypeTimestampTZ
}

// SyncColumn is a column as the sync engine sees it: the engine's own type and the neutral one.
type SyncColumn struct {
	Name       string     `json:"name"`
	RawType    string     `json:"raw_type"`
	Type       ColumnType `json:"type"`
	PrimaryKey bool       `json:"primary_key"`
	Nullable   bool       `json:"nullable"`
}

// Bounds limit an incremental read to Column > Low (when Low is set) and Column <= High.
type Bounds struct {
	Column string
	Low    any
	High   any
}

// ChunkRead asks for the next rows of a table in primary-key order after the key After (nil: from
// the start), at most Limit of them.
type ChunkRead struct {
	Database string
	Table    string
	Columns  []string
	Key      []string
	After    []any
	// Through, when set, is an inclusive upper bound on a single-column key (a split's range).
	Through any
	Bounds  *Bounds
	Limit   int
	// Types, when given, are the columns' neutral types: a reader may use them to read faster.
	Types []ColumnType
}

// TargetTable is a table prepared to receive a sync: its columns with their types in the target.
type TargetTable struct {
	Database string
	Table    string
	Columns  []SyncColumn
	// Created and AddedColumns report what preparing it changed.
	Created      bool
	AddedColumns []string
}

// ChunkMark is a chunk's row in the target's progress table, committed in the same transaction
// as the chunk's rows: a resumed run continues after the last mark and never writes a chunk twice.
// PassID names one pass over a table (the run that started it; a resumed pass keeps it).
type ChunkMark struct {
	TaskID      string
	SourceTable string
	PassID      string
	RunID       string
	Chunk       int
	LastKey     string
	Low         string
	High        string
	Rows        int64
	Done        bool
}

// ChunkWrite is one chunk to write in one target transaction.
type ChunkWrite struct {
	Table     TargetTable
	Columns   []string
	Key       []string
	Rows      [][]any
	WriteMode string
	// Clear empties the target table first (overwrite, first chunk of a pass).
	Clear bool
	Mark  ChunkMark
	// Encoded holds Rows in the target's own load format when the target encoded them ahead of
	// the write (while the chunk before was being written); nil otherwise.
	Encoded []byte
}

// ErrChunkWritten says the chunk's progress mark is already in the target: the chunk was written
// before (by an interrupted run) and must not be written again.
// RowError is an error a target reports about one row of a chunk (0-based), so a failed run can
// show the row that failed.
type RowError struct {
	Row int
	Err error
}

func (e *RowError) Error() string { return e.Err.Error() }
func (e *RowError) Unwrap() error { return e.Err }

// ProgressTableName is the table each target database keeps committed chunks in; sources skip it.
const ProgressTableName = "assetflow_sync_chunks"

var ErrChunkWritten = errors.New("chunk already committed to the target")

// Normalize gives a key or watermark value the Go type of its column (drivers return some numbers
// as text, JSON gives numbers back as json.Number), so it can be compared, stored and bound again:
// integers as int64, floats as float64, times as time.Time, everything else as string.
func Normalize(v any, t ColumnType) any {
	var s string
	switch x := v.(type) {
	case nil:
		return nil
	case []byte:
		s = string(x)
	case string:
		s = x
	case json.Number:
		s = x.String()
	default:
		return v
	}
	switch t.Kind {
	case TypeSmallInt, TypeInt, TypeBigInt:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	case TypeFloat, TypeDouble:
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	case TypeDate, TypeDateTime, TypeTimestampTZ:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02"} {
			if tm, err := time.Parse(layout, s); err == nil {
				return tm
			}
		}
	}
	return s
}

// EncodeValues stores normalized values as a JSON array ("" for none).
func EncodeValues(vals []any) string {
	if vals == nil {
		return ""
	}
	b, _ := json.Marshal(vals)
	return string(b)
}

// DecodeValues reads EncodeValues' text back with the columns' types.
func DecodeValues(s string, types []ColumnType) ([]any, error) {
	if s == "" {
		return nil, nil
	}
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var raw []any
	if err := d.Decode(&raw); err != nil {
		return nil, fmt.Errorf("read stored key %q: %w", s, err)
	}
	if len(raw) != len(types) {
		return nil, fmt.Errorf("stored key %q has %d values, want %d", s, len(raw), len(types))
	}
	for i := range raw {
		raw[i] = Normalize(raw[i], types[i])
	}
	return raw, nil
}
