package connectors

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"assetflow/domain/integration"
)

// Trino, PrestoDB and Hive (through Trino) take part in a sync:
//
//   - as a source, through the shared keyset reads of sync.go: columns from information_schema
//     with Trino types mapped to neutral ones, chunks in key order, the maximum of an incremental
//     column. Hive tables have no primary keys, so the task names key columns (integration.Spec
//     KeyColumns) and the engine reads chunks in their order;
//   - as a target, through HiveTarget, which writes every chunk into one Hive partition.
//
// A Hive table is not transactional: a chunk's rows and its progress mark cannot be committed
// together as the SQL targets do. HiveTarget keeps the same promise (no chunk lands twice, a run
// resumes after its last chunk) with three statements per chunk and a progress table in the same
// schema (ProgressTable, an ORC table, one row per statement below):
//
//  1. an intent row (state "writing") for the chunk: pass, number, bounds, partition value;
//  2. the chunk's rows, with multi-row INSERT ... VALUES statements of bounded size;
//  3. the chunk's mark (state "written").
//
// A run that stopped between 1 and 3 leaves the intent as the latest row: LastMark then reports the
// chunk before it, so the next run writes that chunk again, and WriteChunk, seeing the intent,
// first reads which keys of the chunk's key range are already in the partition and inserts only
// the others. A chunk whose mark is written is never written again (integration.ErrChunkWritten).
// A pass keeps the partition value its first chunk was written with, even when it is resumed on
// another day. The key-range check assumes the partition holds no other rows with those keys
// from an earlier pass of the same task (append mode running twice into one partition).

// hiveProgressDDL is the progress table of a Hive target.
const hiveProgressDDL = `create table if not exists %s (seq bigint, state varchar, task_id varchar, source_table varchar,
	pass_id varchar, chunk integer, run_id varchar, last_key varchar, low_mark varchar, high_mark varchar, "rows" bigint,
	done boolean, partition_value varchar, committed_at timestamp) with (format = 'ORC')`

// maxStatementChars bounds one INSERT statement (Trino refuses queries over query.max-length,
// 1,000,000 characters by default).
const maxStatementChars = 900_000

// The progress states.
const (
	stateWriting = "writing"
	stateWritten = "written"
)

func (trinoCatalog) neutralType(raw string) ColumnType       { return trinoType(raw) }
func (trinoCatalog) columnDDL(t ColumnType, key bool) string { return hiveDDL(t, key) }
func (t trinoCatalog) progressDDL(table string) string       { return fmt.Sprintf(hiveProgressDDL, table) }

// writeChunk is not how Trino targets are written: rows and marks cannot share a transaction there.
func (trinoCatalog) writeChunk(context.Context, *sqlConnector, integration.ChunkWrite) (int64, error) {
	return 0, &Error{Kind: KindOther, Message: "Trino and Hive targets are written by a database-to-cluster task (HiveTarget)"}
}

// qualify names a table as catalog.schema.table ("catalog.schema" databases) or schema.table.
func (t trinoCatalog) qualify(db, table string) string {
	if db == "" {
		return t.quote(table)
	}
	if cat, schema := splitCatalog(db); cat != "" {
		return t.quote(cat) + "." + t.quote(schema) + "." + t.quote(table)
	}
	return t.quote(db) + "." + t.quote(table)
}

// HiveTarget is a Trino connector (Hive catalog) as the target of a sync: every table is
// partitioned by one column, and a run writes the partition value it was made with.
type HiveTarget struct {
	c      *sqlConnector
	cat    trinoCatalog
	column string
	value  string
	// maxStatement bounds an INSERT's text (maxStatementChars; tests lower it).
	maxStatement int

	mu        sync.Mutex
	passValue map[string]string // pass id → the partition value its earlier chunks went to
	seq       int64             // the latest progress row's seq seen or written
}

// NewHiveTarget makes a Trino, PrestoDB or Hive connector the target of a sync writing partition
// column = value.
func NewHiveTarget(conn any, column, value string) (*HiveTarget, error) {
	c, ok := conn.(*sqlConnector)
	if !ok {
		return nil, &Error{Kind: KindOther, Message: "only Trino, PrestoDB and Hive datasources hold Hive partitions"}
	}
	cat, ok := c.eng.(trinoCatalog)
	if !ok {
		return nil, &Error{Kind: KindOther, Message: "only Trino, PrestoDB and Hive datasources hold Hive partitions"}
	}
	return &HiveTarget{c: c, cat: cat, column: column, value: value, maxStatement: maxStatementChars, passValue: map[string]string{}}, nil
}

// SerialChunks tells the sync engine to copy each table in one pass, chunk after chunk: without
// transactions, a resumed run finds its place from the latest progress row (intent or mark), which
// holds only while one writer walks a pass in order. Parallel splits are not used for Hive targets.
func (h *HiveTarget) SerialChunks() bool { return true }

// table names db's table catalog-qualified.
func (h *HiveTarget) table(db, name string) (string, error) {
	cat, schema, err := h.cat.target(db)
	if err != nil {
		return "", err
	}
	return h.cat.quote(cat) + "." + h.cat.quote(schema) + "." + h.cat.quote(name), nil
}

func (h *HiveTarget) exec(ctx context.Context, q string, args ...any) error {
	if _, err := h.c.db.ExecContext(ctx, q, args...); err != nil {
		return h.c.err(err)
	}
	return nil
}

// PrepareTable creates the schema, the progress table and the target table (ORC, partitioned by
// the partition column, which Hive wants last) when they are missing, and adds source columns
// the table lacks.
func (h *HiveTarget) PrepareTable(ctx context.Context, db, table string, cols []integration.SyncColumn) (integration.TargetTable, error) {
	tt := integration.TargetTable{Database: db, Table: table}
	cat, schema, err := h.cat.target(db)
	if err != nil {
		return tt, err
	}
	if err := h.exec(ctx, "create schema if not exists "+h.cat.quote(cat)+"."+h.cat.quote(schema)); err != nil {
		return tt, fmt.Errorf("create schema %s.%s: %w", cat, schema, err)
	}
	progress, _ := h.table(db, ProgressTable)
	if err := h.exec(ctx, h.cat.progressDDL(progress)); err != nil {
		return tt, fmt.Errorf("create the progress table: %w", err)
	}
	for _, col := range cols {
		if strings.EqualFold(col.Name, h.column) {
			return tt, &Error{Kind: KindOther, Message: fmt.Sprintf("the source has a column %q, which is the partition column", col.Name)}
		}
	}
	name, _ := h.table(db, table)
	existing, err := h.c.SyncColumns(ctx, db, table)
	var ce *Error
	if errors.As(err, &ce) && ce.Kind == KindNotFound {
		defs := make([]string, 0, len(cols)+1)
		for _, col := range cols {
			defs = append(defs, h.cat.quote(col.Name)+" "+hiveDDL(col.Type, col.PrimaryKey))
		}
		defs = append(defs, h.cat.quote(h.column)+" varchar")
		if err := h.exec(ctx, "create table "+name+" ("+strings.Join(defs, ", ")+") with (format = 'ORC', partitioned_by = ARRAY['"+
			strings.ReplaceAll(h.column, "'", "''")+"'])"); err != nil {
			return tt, err
		}
		tt.Created = true
		existing, err = h.c.SyncColumns(ctx, db, table)
	}
	if err != nil {
		return tt, err
	}
	have := map[string]bool{}
	for _, col := range existing {
		have[strings.ToLower(col.Name)] = true
	}
	if !have[strings.ToLower(h.column)] {
		return tt, &Error{Kind: KindOther, Message: fmt.Sprintf("the existing table %s has no partition column %q", table, h.column)}
	}
	for _, col := range cols {
		if have[strings.ToLower(col.Name)] {
			continue
		}
		if err := h.exec(ctx, "alter table "+name+" add column "+h.cat.quote(col.Name)+" "+hiveDDL(col.Type, false)); err != nil {
			return tt, fmt.Errorf("add column %s: %w", col.Name, err)
		}
		tt.AddedColumns = append(tt.AddedColumns, col.Name)
	}
	if len(tt.AddedColumns) > 0 {
		if existing, err = h.c.SyncColumns(ctx, db, table); err != nil {
			return tt, err
		}
	}
	tt.Columns = existing
	return tt, nil
}

// progressRow is one row of a Hive target's progress table.
type progressRow struct {
	seq   int64
	state string
	mark  integration.ChunkMark
	value string
}

const progressColumns = `seq, state, pass_id, run_id, chunk, last_key, low_mark, high_mark, "rows", done, partition_value`

func (h *HiveTarget) progress(ctx context.Context, db, where string, args ...any) ([]progressRow, error) {
	table, err := h.table(db, ProgressTable)
	if err != nil {
		return nil, err
	}
	rows, err := collect(ctx, h.c.db, func(r *sql.Rows) (progressRow, error) {
		var p progressRow
		var lastKey, low, high, value sql.NullString
		err := r.Scan(&p.seq, &p.state, &p.mark.PassID, &p.mark.RunID, &p.mark.Chunk, &lastKey, &low, &high, &p.mark.Rows, &p.mark.Done, &value)
		p.mark.LastKey, p.mark.Low, p.mark.High, p.value = lastKey.String, low.String, high.String, value.String
		return p, err
	}, "select "+progressColumns+" from "+table+" where "+where, args...)
	if err != nil {
		return nil, h.c.err(err)
	}
	return rows, nil
}

// LastMark returns the latest mark of a task's source table. When the latest row is an intent
// (a run stopped while writing that chunk), it returns the mark before it, so the chunk is written
// again, by WriteChunk's key check.
func (h *HiveTarget) LastMark(ctx context.Context, db, taskID, sourceTable string) (*integration.ChunkMark, error) {
	latest, err := h.progress(ctx, db, "task_id = ? and source_table = ? order by seq desc limit 1", taskID, sourceTable)
	var ce *Error
	if errors.As(err, &ce) && ce.Kind == KindNotFound {
		return nil, nil
	}
	if err != nil || len(latest) == 0 {
		return nil, err
	}
	p := latest[0]
	h.mu.Lock()
	h.seq = max(h.seq, p.seq)
	h.mu.Unlock()
	m := p.mark
	m.TaskID, m.SourceTable = taskID, sourceTable
	if p.state == stateWriting {
		m.Chunk--
		m.LastKey, m.Rows, m.Done = "", 0, false
		if m.Chunk > 0 {
			prev, err := h.progress(ctx, db, "task_id = ? and source_table = ? and pass_id = ? and chunk = ? and state = ?",
				taskID, sourceTable, m.PassID, m.Chunk, stateWritten)
			if err != nil {
				return nil, err
			}
			if len(prev) == 0 {
				return nil, &Error{Kind: KindOther, Message: fmt.Sprintf("the progress of %s has no mark of chunk %d before an unfinished chunk", sourceTable, m.Chunk)}
			}
			m.LastKey, m.Rows = prev[0].mark.LastKey, prev[0].mark.Rows
		}
	}
	if !m.Done && p.value != "" {
		h.mu.Lock()
		h.passValue[m.PassID] = p.value
		h.mu.Unlock()
	}
	return &m, nil
}

// WriteChunk writes a chunk into the run's partition between its intent and its mark.
func (h *HiveTarget) WriteChunk(ctx context.Context, w integration.ChunkWrite) (int64, error) {
	db := w.Table.Database
	progress, err := h.table(db, ProgressTable)
	if err != nil {
		return 0, err
	}
	target, _ := h.table(db, w.Table.Table)
	m := w.Mark
	h.mu.Lock()
	value, resumed := h.passValue[m.PassID]
	if !resumed {
		value = h.value
		h.passValue[m.PassID] = value
	}
	h.mu.Unlock()
	earlier, err := h.progress(ctx, db, "task_id = ? and source_table = ? and pass_id = ? and chunk = ?", m.TaskID, m.SourceTable, m.PassID, m.Chunk)
	if err != nil {
		return 0, err
	}
	uncertain := false
	for _, p := range earlier {
		if p.state == stateWritten {
			return 0, integration.ErrChunkWritten
		}
		uncertain = true
	}
	record := func(state string) error {
		// Rows are ordered by seq: the clock, but always past the rows seen (clocks of replicas
		// differ).
		h.mu.Lock()
		h.seq = max(time.Now().UnixNano(), h.seq+1)
		seq := h.seq
		h.mu.Unlock()
		return h.exec(ctx, "insert into "+progress+" (seq, state, task_id, source_table, pass_id, chunk, run_id, last_key, low_mark, high_mark, \"rows\", done, partition_value, committed_at)"+
			" values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, localtimestamp)",
			seq, state, m.TaskID, m.SourceTable, m.PassID, m.Chunk, m.RunID, m.LastKey, m.Low, m.High, m.Rows, m.Done, value)
	}
	if !uncertain {
		if err := record(stateWriting); err != nil {
			return 0, fmt.Errorf("record the chunk's intent: %w", err)
		}
	}
	types := map[string]hiveColumn{}
	for _, col := range w.Table.Columns {
		types[strings.ToLower(col.Name)] = hiveColumnOf(col)
	}
	kinds := make([]hiveColumn, len(w.Columns))
	for i, col := range w.Columns {
		kinds[i] = types[strings.ToLower(col)]
	}
	partition := h.cat.quote(h.column) + " = " + stringLiteral(value)
	if w.Clear {
		if err := h.exec(ctx, "delete from "+target+" where "+partition); err != nil {
			return 0, fmt.Errorf("empty partition %s: %w", value, err)
		}
	}
	rows := w.Rows
	if uncertain && !w.Clear && len(rows) > 0 {
		if rows, err = h.missingRows(ctx, target, partition, w, kinds); err != nil {
			return 0, fmt.Errorf("check which rows of the unfinished chunk are in the target: %w", err)
		}
	}
	if err := h.insert(ctx, target, w.Columns, kinds, rows, value); err != nil {
		return 0, err
	}
	if err := record(stateWritten); err != nil {
		return 0, fmt.Errorf("record the chunk's mark (its rows are written; the next run will find them): %w", err)
	}
	return int64(len(rows)), nil
}

// missingRows reads the keys of the chunk's key range already in the partition and returns the
// rows of the chunk that are not there.
func (h *HiveTarget) missingRows(ctx context.Context, target, partition string, w integration.ChunkWrite, kinds []hiveColumn) ([][]any, error) {
	pos := make([]int, len(w.Key))
	keyKinds := make([]hiveColumn, len(w.Key))
	for i, k := range w.Key {
		pos[i] = -1
		for j, col := range w.Columns {
			if strings.EqualFold(col, k) {
				pos[i], keyKinds[i] = j, kinds[j]
			}
		}
		if pos[i] < 0 {
			return nil, fmt.Errorf("key column %s is not written", k)
		}
	}
	keyOf := func(row []any) []any {
		k := make([]any, len(pos))
		for i, p := range pos {
			k[i] = row[p]
		}
		return k
	}
	tuple := func(vals []any) (string, error) {
		lits := make([]string, len(vals))
		for i, v := range vals {
			lit, err := hiveLiteral(v, keyKinds[i])
			if err != nil {
				return "", err
			}
			lits[i] = lit
		}
		if len(lits) == 1 {
			return lits[0], nil
		}
		return "(" + strings.Join(lits, ", ") + ")", nil
	}
	first, err := tuple(keyOf(w.Rows[0]))
	if err != nil {
		return nil, err
	}
	last, err := tuple(keyOf(w.Rows[len(w.Rows)-1]))
	if err != nil {
		return nil, err
	}
	keys := quoteList(h.cat, w.Key)
	if len(w.Key) > 1 {
		keys = "(" + keys + ")"
	}
	present := map[string]bool{}
	rows, err := h.c.db.QueryContext(ctx, "select "+quoteList(h.cat, w.Key)+" from "+target+" where "+partition+" and "+keys+" >= "+first+" and "+keys+" <= "+last)
	if err != nil {
		return nil, h.c.err(err)
	}
	defer rows.Close()
	for rows.Next() {
		vals := make([]any, len(w.Key))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, h.c.err(err)
		}
		present[keyText(vals, keyKinds)] = true
	}
	if err := rows.Err(); err != nil {
		return nil, h.c.err(err)
	}
	var missing [][]any
	for _, row := range w.Rows {
		if !present[keyText(keyOf(row), keyKinds)] {
			missing = append(missing, row)
		}
	}
	return missing, nil
}

// keyText is a key's values in one comparable form (the source's and Trino's Go values differ).
func keyText(vals []any, kinds []hiveColumn) string {
	out := make([]any, len(vals))
	for i, v := range vals {
		v = integration.Normalize(v, kinds[i].ColumnType)
		if t, ok := v.(time.Time); ok {
			v = t.Format("2006-01-02 15:04:05.999999")
		}
		out[i] = fmt.Sprint(v)
	}
	return integration.EncodeValues(out)
}

// insert writes rows into the partition with multi-row INSERT statements of bounded size.
func (h *HiveTarget) insert(ctx context.Context, target string, cols []string, kinds []hiveColumn, rows [][]any, value string) error {
	head := "insert into " + target + " (" + quoteList(h.cat, cols) + ", " + h.cat.quote(h.column) + ") values "
	part := stringLiteral(value)
	var b strings.Builder
	flush := func() error {
		if b.Len() == 0 {
			return nil
		}
		err := h.exec(ctx, b.String())
		b.Reset()
		return err
	}
	var tuple strings.Builder
	for n, row := range rows {
		tuple.Reset()
		tuple.WriteByte('(')
		for i, v := range row {
			lit, err := hiveLiteral(v, kinds[i])
			if err != nil {
				return &integration.RowError{Row: n, Err: fmt.Errorf("column %s: %w", cols[i], err)}
			}
			tuple.WriteString(lit)
			tuple.WriteString(", ")
		}
		tuple.WriteString(part)
		tuple.WriteByte(')')
		if b.Len() > 0 && b.Len()+tuple.Len()+2 > h.maxStatement {
			if err := flush(); err != nil {
				return err
			}
		}
		if b.Len() == 0 {
			b.WriteString(head)
		} else {
			b.WriteString(", ")
		}
		b.WriteString(tuple.String())
	}
	return flush()
}

func stringLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

var decimalText = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)

// hiveColumn is a target column's type as literals need it: the neutral type, and for timestamps
// the column's fractional digits.
type hiveColumn struct {
	ColumnType
	fraction int
}

var timestampPrecision = regexp.MustCompile(`^timestamp\((\d+)\)`)

func hiveColumnOf(c integration.SyncColumn) hiveColumn {
	h := hiveColumn{ColumnType: c.Type, fraction: 3} // Hive's default timestamp precision
	if m := timestampPrecision.FindStringSubmatch(strings.ToLower(c.RawType)); m != nil {
		h.fraction, _ = strconv.Atoi(m[1])
	}
	return h
}

// hiveLiteral renders a value as a Trino literal of exactly the column's type where Trino would
// not coerce it on INSERT (it only widens): SMALLINT and REAL literals, decimals cast to the
// column's precision and scale, timestamps with the column's fractional digits.
func hiveLiteral(v any, c hiveColumn) (string, error) {
	t := c.ColumnType
	if v == nil {
		return "NULL", nil
	}
	text := func() string {
		switch x := v.(type) {
		case []byte:
			return string(x)
		case string:
			return x
		case time.Time:
			switch t.Kind {
			case integration.TypeDate:
				return x.Format("2006-01-02")
			case integration.TypeTime:
				return x.Format("15:04:05.999999")
			}
			return x.Format("2006-01-02 15:04:05.999999")
		}
		return fmt.Sprint(v)
	}
	switch t.Kind {
	case integration.TypeBool:
		switch x := v.(type) {
		case bool:
			return strings.ToUpper(strconv.FormatBool(x)), nil
		case int64:
			return strings.ToUpper(strconv.FormatBool(x != 0)), nil
		}
		switch strings.ToLower(text()) {
		case "1", "t", "true", "y", "yes":
			return "TRUE", nil
		case "0", "f", "false", "n", "no":
			return "FALSE", nil
		}
		return "", fmt.Errorf("%q is not a boolean", text())
	case integration.TypeSmallInt, integration.TypeInt, integration.TypeBigInt:
		switch x := v.(type) {
		case bool:
			v = "0"
			if x {
				v = "1"
			}
		case float64:
			if x != math.Trunc(x) {
				return "", fmt.Errorf("%v is not an integer", x)
			}
			v = strconv.FormatFloat(x, 'f', 0, 64)
		}
		s := text()
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			return "", fmt.Errorf("%q is not an integer", s)
		}
		if t.Kind == integration.TypeSmallInt {
			return "SMALLINT " + stringLiteral(s), nil
		}
		return s, nil
	case integration.TypeDecimal:
		s := text()
		if !decimalText.MatchString(s) {
			return "", fmt.Errorf("%q is not a number", s)
		}
		if t.Precision > 0 {
			return fmt.Sprintf("CAST(%s AS DECIMAL(%d,%d))", stringLiteral(s), t.Precision, t.Scale), nil
		}
		return "DECIMAL " + stringLiteral(s), nil
	case integration.TypeFloat, integration.TypeDouble:
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case float32:
			f = float64(x)
		case int64:
			f = float64(x)
		default:
			var err error
			if f, err = strconv.ParseFloat(text(), 64); err != nil {
				return "", fmt.Errorf("%q is not a number", text())
			}
		}
		switch {
		case math.IsNaN(f):
			return "nan()", nil
		case math.IsInf(f, 1):
			return "infinity()", nil
		case math.IsInf(f, -1):
			return "-infinity()", nil
		}
		if t.Kind == integration.TypeFloat {
			return "REAL " + stringLiteral(strconv.FormatFloat(f, 'g', -1, 32)), nil
		}
		return strconv.FormatFloat(f, 'E', -1, 64), nil
	case integration.TypeDate:
		s := text()
		if len(s) > 10 {
			s = s[:10]
		}
		return "DATE " + stringLiteral(s), nil
	case integration.TypeDateTime, integration.TypeTimestampTZ:
		x, ok := v.(time.Time)
		if !ok {
			var err error
			if x, err = time.Parse("2006-01-02 15:04:05.999999999", text()); err != nil {
				return "", fmt.Errorf("%q is not a timestamp", text())
			}
		} else if t.Kind == integration.TypeTimestampTZ {
			x = x.UTC()
		}
		layout := "2006-01-02 15:04:05"
		if c.fraction > 0 {
			layout += "." + strings.Repeat("0", min(c.fraction, 9))
		}
		return "TIMESTAMP " + stringLiteral(x.Round(time.Duration(math.Pow10(9-min(c.fraction, 9)))).Format(layout)), nil
	case integration.TypeBlob:
		switch x := v.(type) {
		case []byte:
			return "X'" + hex.EncodeToString(x) + "'", nil
		case string:
			return "X'" + hex.EncodeToString([]byte(x)) + "'", nil
		}
	}
	return stringLiteral(text()), nil
}
