package connectors

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"assetflow/domain/integration"
)

// Reader is implemented by connectors that can be the source of a sync: columns with neutral
// types, chunks in primary-key order, and the current maximum of an incremental column.
type Reader interface {
	SyncColumns(ctx context.Context, db, table string) ([]integration.SyncColumn, error)
	ReadChunk(ctx context.Context, r integration.ChunkRead) ([][]any, error)
	MaxValue(ctx context.Context, db, table string, column integration.SyncColumn) (any, error)
}

// Loader is implemented by connectors that can be the target of a sync: prepare a table (create
// it with mapped types, add new columns), read the last progress mark, and write a chunk with its
// mark in one transaction.
type Loader interface {
	PrepareTable(ctx context.Context, db, table string, cols []integration.SyncColumn) (integration.TargetTable, error)
	LastMark(ctx context.Context, db, taskID, sourceTable string) (*integration.ChunkMark, error)
	// WriteChunk returns the rows written, or integration.ErrChunkWritten when the chunk's mark is
	// already in the target (nothing is written then).
	WriteChunk(ctx context.Context, w integration.ChunkWrite) (int64, error)
}

// Where the engines say which row of a bulk load failed: PostgreSQL's error context
// ("COPY t, line 12, column v: ...") and MySQL's warnings ("... at row 12").
var (
	copyLine   = regexp.MustCompile(`COPY [^,]+, line (\d+)`)
	warningRow = regexp.MustCompile(`at row (\d+)`)
)

// ProgressTable is the table in each target database that records committed chunks.
const ProgressTable = integration.ProgressTableName

// syncDialect is what differs between engines when reading and writing rows.
type syncDialect interface {
	quote(string) string
	placeholder(i int) string
	neutralType(raw string) ColumnType
	columnDDL(t ColumnType, key bool) string
	progressDDL(table string) string
	writeChunk(ctx context.Context, c *sqlConnector, w integration.ChunkWrite) (int64, error)
}

func (mysqlCatalog) neutralType(raw string) ColumnType     { return mysqlType(raw) }
func (mysqlCatalog) columnDDL(t ColumnType, k bool) string { return mysqlDDL(t, k) }
func (postgresCatalog) neutralType(raw string) ColumnType  { return postgresType(raw) }
func (postgresCatalog) columnDDL(t ColumnType, k bool) string {
	return postgresDDL(t, k)
}

func (c *sqlConnector) dialect() (syncDialect, error) {
	d, ok := c.eng.(syncDialect)
	if !ok {
		return nil, &Error{Kind: KindOther, Message: "this engine cannot take part in a database sync yet"}
	}
	return d, nil
}

func qualify(d syncDialect, db, table string) string {
	if q, ok := d.(interface{ qualify(db, table string) string }); ok {
		return q.qualify(db, table) // Trino: "catalog.schema" databases
	}
	if db == "" {
		return d.quote(table)
	}
	return d.quote(db) + "." + d.quote(table)
}

func quoteList(d syncDialect, names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = d.quote(n)
	}
	return strings.Join(q, ", ")
}

// SyncColumns lists a table's columns with neutral types.
func (c *sqlConnector) SyncColumns(ctx context.Context, db, table string) ([]integration.SyncColumn, error) {
	d, err := c.dialect()
	if err != nil {
		return nil, err
	}
	cols, err := c.GetTableSchema(ctx, db, table)
	if err != nil {
		return nil, err
	}
	out := make([]integration.SyncColumn, len(cols))
	for i, col := range cols {
		out[i] = integration.SyncColumn{Name: col.Name, RawType: col.Type, Type: d.neutralType(col.Type), PrimaryKey: col.PrimaryKey, Nullable: col.Nullable}
	}
	return out, nil
}

// ReadChunk reads the next rows after r.After in key order: keyset paging, so each chunk costs an
// index range scan however deep into the table it is.
func (c *sqlConnector) ReadChunk(ctx context.Context, r integration.ChunkRead) ([][]any, error) {
	d, err := c.dialect()
	if err != nil {
		return nil, err
	}
	var where []string
	var args []any
	_, pg := d.(postgresCatalog)
	copyRead := pg && len(r.Types) == len(r.Columns) && onlyInts(r)
	arg := func(v any) string {
		if copyRead {
			return strconv.FormatInt(v.(int64), 10)
		}
		args = append(args, v)
		return d.placeholder(len(args))
	}
	if len(r.After) > 0 {
		if len(r.Key) == 1 {
			where = append(where, d.quote(r.Key[0])+" > "+arg(r.After[0]))
		} else {
			ph := make([]string, len(r.After))
			for i, v := range r.After {
				ph[i] = arg(v)
			}
			where = append(where, "("+quoteList(d, r.Key)+") > ("+strings.Join(ph, ", ")+")")
		}
	}
	if r.Through != nil && len(r.Key) == 1 {
		where = append(where, d.quote(r.Key[0])+" <= "+arg(r.Through))
	}
	if b := r.Bounds; b != nil {
		if b.Low != nil {
			where = append(where, d.quote(b.Column)+" > "+arg(b.Low))
		}
		if b.High != nil {
			where = append(where, d.quote(b.Column)+" <= "+arg(b.High))
		}
	}
	q := "select " + quoteList(d, r.Columns) + " from " + qualify(d, r.Database, r.Table)
	if len(where) > 0 {
		q += " where " + strings.Join(where, " and ")
	}
	q += " order by " + quoteList(d, r.Key) + " limit " + strconv.Itoa(r.Limit)
	if copyRead {
		if rows, ok, err := c.copyChunk(ctx, q, r.Types); ok {
			return rows, err
		}
	}
	rows, err := c.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, c.err(err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(r.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, c.err(err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = bytes.Clone(b)
			}
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, c.err(err)
	}
	return out, nil
}

// MaxValue reads the column's current maximum (nil for an empty table), as the column's Go type.
func (c *sqlConnector) MaxValue(ctx context.Context, db, table string, col integration.SyncColumn) (any, error) {
	d, err := c.dialect()
	if err != nil {
		return nil, err
	}
	var v any
	if err := c.db.QueryRowContext(ctx, "select max("+d.quote(col.Name)+") from "+qualify(d, db, table)).Scan(&v); err != nil {
		return nil, c.err(err)
	}
	return integration.Normalize(v, col.Type), nil
}

// KeyRange reads the least and greatest value of a single-column key (nil, nil for no rows), within
// incremental bounds when given, as the column's Go type: what a split plan divides.
func (c *sqlConnector) KeyRange(ctx context.Context, db, table string, key integration.SyncColumn, b *integration.Bounds) (lo, hi any, err error) {
	d, err := c.dialect()
	if err != nil {
		return nil, nil, err
	}
	q := "select min(" + d.quote(key.Name) + "), max(" + d.quote(key.Name) + ") from " + qualify(d, db, table)
	var where []string
	var args []any
	if b != nil {
		if b.Low != nil {
			args = append(args, b.Low)
			where = append(where, d.quote(b.Column)+" > "+d.placeholder(len(args)))
		}
		if b.High != nil {
			args = append(args, b.High)
			where = append(where, d.quote(b.Column)+" <= "+d.placeholder(len(args)))
		}
	}
	if len(where) > 0 {
		q += " where " + strings.Join(where, " and ")
	}
	if err := c.db.QueryRowContext(ctx, q, args...).Scan(&lo, &hi); err != nil {
		return nil, nil, c.err(err)
	}
	return integration.Normalize(lo, key.Type), integration.Normalize(hi, key.Type), nil
}

// PrepareTable creates the target table when it is missing (mapped types, the same primary key)
// and adds columns the source has and the target lacks; it also makes sure the progress table
// exists. Columns are matched by name, case-insensitively.
func (c *sqlConnector) PrepareTable(ctx context.Context, db, table string, cols []integration.SyncColumn) (integration.TargetTable, error) {
	d, err := c.dialect()
	if err != nil {
		return integration.TargetTable{}, err
	}
	tt := integration.TargetTable{Database: db, Table: table}
	if _, pg := d.(postgresCatalog); pg && db != "" {
		// On PostgreSQL the target "database" is a schema: create it like a missing table.
		if _, err := c.db.ExecContext(ctx, "create schema if not exists "+d.quote(db)); err != nil {
			return tt, c.err(fmt.Errorf("create schema %s: %w", db, err))
		}
	}
	if _, err := c.db.ExecContext(ctx, d.progressDDL(qualify(d, db, ProgressTable))); err != nil {
		return tt, c.err(fmt.Errorf("create the progress table: %w", err))
	}
	existing, err := c.SyncColumns(ctx, db, table)
	var ce *Error
	if errors.As(err, &ce) && ce.Kind == KindNotFound {
		var defs, keys []string
		for _, col := range cols {
			def := d.quote(col.Name) + " " + d.columnDDL(col.Type, col.PrimaryKey)
			if col.PrimaryKey {
				def += " not null"
				keys = append(keys, d.quote(col.Name))
			}
			defs = append(defs, def)
		}
		if len(keys) > 0 {
			defs = append(defs, "primary key ("+strings.Join(keys, ", ")+")")
		}
		if _, err := c.db.ExecContext(ctx, "create table "+qualify(d, db, table)+" ("+strings.Join(defs, ", ")+")"); err != nil {
			return tt, c.err(err)
		}
		tt.Created = true
		existing, err = c.SyncColumns(ctx, db, table)
	}
	if err != nil {
		return tt, err
	}
	have := map[string]bool{}
	for _, col := range existing {
		have[strings.ToLower(col.Name)] = true
	}
	for _, col := range cols {
		if have[strings.ToLower(col.Name)] {
			continue
		}
		if _, err := c.db.ExecContext(ctx, "alter table "+qualify(d, db, table)+" add column "+d.quote(col.Name)+" "+d.columnDDL(col.Type, false)); err != nil {
			return tt, c.err(fmt.Errorf("add column %s: %w", col.Name, err))
		}
		tt.AddedColumns = append(tt.AddedColumns, col.Name)
	}
	if len(tt.AddedColumns) > 0 {
		if existing, err = c.SyncColumns(ctx, db, table); err != nil {
			return tt, err
		}
	}
	tt.Columns = existing
	return tt, nil
}

func (mysqlCatalog) progressDDL(table string) string {
	return `create table if not exists ` + table + ` (id bigint auto_increment primary key,
		task_id varchar(64) not null, source_table varchar(255) not null, pass_id varchar(64) not null, chunk int not null,
		run_id varchar(64) not null, last_key longtext, low_mark longtext, high_mark longtext, ` + "`rows`" + ` bigint not null,
		done tinyint(1) not null, committed_at datetime(6) not null default current_timestamp(6),
		unique key assetflow_sync_chunk (task_id, source_table, pass_id, chunk))`
}

func (postgresCatalog) progressDDL(table string) string {
	return `create table if not exists ` + table + ` (id bigserial primary key,
		task_id text not null, source_table text not null, pass_id text not null, chunk int not null,
		run_id text not null, last_key text, low_mark text, high_mark text, rows bigint not null,
		done boolean not null, committed_at timestamptz not null default now(),
		unique (task_id, source_table, pass_id, chunk))`
}

// SyncParallelism is how many splits of a table a task with automatic parallelism copies into this
// engine at once. Concurrent LOAD DATA into one MariaDB table measured slower than one stream
// (48% of the shell pipeline against 75%, docs/benchmarks.md), so MySQL and MariaDB targets take one
// pass; the others take the default.
func (c *sqlConnector) SyncParallelism() int {
	if _, ok := c.eng.(mysqlCatalog); ok {
		return 1
	}
	return integration.DefaultParallelism
}

// LastMark returns the latest progress mark of a task's source table, or nil.
func (c *sqlConnector) LastMark(ctx context.Context, db, taskID, sourceTable string) (*integration.ChunkMark, error) {
	d, err := c.dialect()
	if err != nil {
		return nil, err
	}
	m := integration.ChunkMark{TaskID: taskID, SourceTable: sourceTable}
	var lastKey, low, high sql.NullString
	err = c.db.QueryRowContext(ctx, `select pass_id, run_id, chunk, last_key, low_mark, high_mark, `+d.quote("rows")+`, done from `+
		qualify(d, db, ProgressTable)+` where task_id = `+d.placeholder(1)+` and source_table = `+d.placeholder(2)+` order by id desc limit 1`,
		taskID, sourceTable).Scan(&m.PassID, &m.RunID, &m.Chunk, &lastKey, &low, &high, &m.Rows, &m.Done)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		if k := c.eng.hint(err); k == KindNotFound {
			return nil, nil // no progress table yet: nothing was ever written
		}
		return nil, c.err(err)
	}
	m.LastKey, m.Low, m.High = lastKey.String, low.String, high.String
	return &m, nil
}

// WriteChunk writes a chunk and its mark in one transaction.
func (c *sqlConnector) WriteChunk(ctx context.Context, w integration.ChunkWrite) (int64, error) {
	d, err := c.dialect()
	if err != nil {
		return 0, err
	}
	n, err := d.writeChunk(ctx, c, w)
	if errors.Is(err, integration.ErrChunkWritten) {
		return 0, err
	}
	if err != nil {
		return 0, c.err(err)
	}
	return n, nil
}

func markArgs(m integration.ChunkMark) []any {
	return []any{m.TaskID, m.SourceTable, m.PassID, m.Chunk, m.RunID, m.LastKey, m.Low, m.High, m.Rows, m.Done}
}

// mysqlMarkValues is the mark as a literal row: text as hex literals (whatever the session's
// character set and SQL mode), so the insert is one plain statement instead of a prepared one
// (a round trip less per chunk).
func mysqlMarkValues(m integration.ChunkMark) string {
	text := func(s string) string {
		if s == "" {
			return "''"
		}
		return "X'" + hex.EncodeToString([]byte(s)) + "'"
	}
	done := "0"
	if m.Done {
		done = "1"
	}
	return "(" + strings.Join([]string{text(m.TaskID), text(m.SourceTable), text(m.PassID), strconv.Itoa(m.Chunk), text(m.RunID),
		text(m.LastKey), text(m.Low), text(m.High), strconv.FormatInt(m.Rows, 10), done}, ",") + ")"
}

const markColumns = `(task_id, source_table, pass_id, chunk, run_id, last_key, low_mark, high_mark, rows, done)`

// writeChunk on MySQL: multi-row INSERT statements in one transaction.
func (m mysqlCatalog) writeChunk(ctx context.Context, c *sqlConnector, w integration.ChunkWrite) (int64, error) {
	target := qualify(m, w.Table.Database, w.Table.Table)
	if w.Clear {
		// TRUNCATE commits on its own (DDL) but costs nothing, where DELETE logs every row. Doing it
		// before the chunk's transaction is safe: until that transaction commits the pass has no
		// mark, so an interrupted run starts the pass again and clears again. When TRUNCATE is not
		// allowed (privileges, foreign keys), the rows are deleted in the transaction.
		if _, err := c.db.ExecContext(ctx, "truncate table "+target); err == nil {
			w.Clear = false
		}
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback() }()
	_, err = tx.ExecContext(ctx, `insert into `+qualify(m, w.Table.Database, ProgressTable)+" "+strings.Replace(markColumns, "rows", "`rows`", 1)+
		` values `+mysqlMarkValues(w.Mark))
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1062 {
		return 0, integration.ErrChunkWritten
	}
	if err != nil {
		return 0, err
	}
	if w.Clear {
		if _, err := tx.ExecContext(ctx, "delete from "+target); err != nil {
			return 0, err
		}
	}
	if w.WriteMode != integration.WriteUpsert && !c.noLocalInfile.Load() {
		n, err := m.loadData(ctx, tx, target, w)
		if err == nil {
			if err := tx.Commit(); err != nil {
				return 0, err
			}
			return n, nil
		}
		if !errors.As(err, &me) || (me.Number != 1148 && me.Number != 3948) {
			return 0, err
		}
		c.noLocalInfile.Store(true) // the server refuses LOAD DATA LOCAL: multi-row INSERTs from now on
	}
	per := max(1, min(2000, 60000/max(1, len(w.Columns))))
	head := "insert into " + target + " (" + quoteList(m, w.Columns) + ") values "
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", len(w.Columns)), ",") + ")"
	var tail string
	if w.WriteMode == integration.WriteUpsert {
		var sets []string
		for _, col := range w.Columns {
			if !containsFold(w.Key, col) {
				sets = append(sets, m.quote(col)+" = values("+m.quote(col)+")")
			}
		}
		if len(sets) == 0 {
			sets = append(sets, m.quote(w.Key[0])+" = "+m.quote(w.Key[0]))
		}
		tail = " on duplicate key update " + strings.Join(sets, ", ")
	}
	for start := 0; start < len(w.Rows); start += per {
		batch := w.Rows[start:min(start+per, len(w.Rows))]
		args := make([]any, 0, len(batch)*len(w.Columns))
		for _, row := range batch {
			args = append(args, row...)
		}
		q := head + strings.TrimSuffix(strings.Repeat(tuple+",", len(batch)), ",") + tail
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return int64(len(w.Rows)), nil
}

// loadData writes the rows with LOAD DATA LOCAL INFILE from memory, several times faster than
// INSERT statements. With LOCAL the server turns errors (duplicate keys, values the column cannot
// hold) into warnings and skips or truncates, so any warning fails the chunk, which the caller
// then rolls back.
func (m mysqlCatalog) loadData(ctx context.Context, tx *sql.Tx, target string, w integration.ChunkWrite) (int64, error) {
	text := w.Encoded
	if text == nil {
		text = encodeRows(w, loadDataFormat)
	}
	name := "assetflow-sync-" + uuid.NewString()
	mysql.RegisterReaderHandler(name, func() io.Reader { return bytes.NewReader(text) })
	defer mysql.DeregisterReaderHandler(name)
	res, err := tx.ExecContext(ctx, "load data local infile 'Reader::"+name+"' into table "+target+" character set binary ("+quoteList(m, w.Columns)+")")
	if err != nil {
		return 0, err
	}
	var level, message string
	var code int
	switch err := tx.QueryRowContext(ctx, "show warnings limit 1").Scan(&level, &code, &message); {
	case err == nil:
		werr := error(&mysql.MySQLError{Number: uint16(code), Message: message + " (the chunk was not written)"})
		if m := warningRow.FindStringSubmatch(message); m != nil {
			row, _ := strconv.Atoi(m[1])
			werr = &integration.RowError{Row: row - 1, Err: werr}
		}
		return 0, werr
	case !errors.Is(err, sql.ErrNoRows):
		return 0, err
	}
	n, err := res.RowsAffected()
	if err == nil && n != int64(len(w.Rows)) {
		return 0, fmt.Errorf("%d of %d rows were written (duplicate keys?); the chunk was not written", n, len(w.Rows))
	}
	return n, err
}

// chunkKinds are the target types of a chunk's columns, which decide how values are written.
func chunkKinds(w integration.ChunkWrite) []ColumnType {
	types := map[string]ColumnType{}
	for _, col := range w.Table.Columns {
		types[strings.ToLower(col.Name)] = col.Type
	}
	kinds := make([]ColumnType, len(w.Columns))
	for i, col := range w.Columns {
		kinds[i] = types[strings.ToLower(col)]
	}
	return kinds
}

// EncodeChunk encodes a chunk bound for LOAD DATA ahead of its write (the engine does it while the
// chunk before is being loaded), so that the load streams from memory as fast as the server takes
// it (encoding as the driver read, MariaDB was busy about two thirds of a copy; fed from memory,
// about four fifths; docs/benchmarks.md). Other targets and write paths (PostgreSQL, upserts,
// servers without LOCAL INFILE) need nothing: nil.
func (c *sqlConnector) EncodeChunk(w integration.ChunkWrite) []byte {
	if _, ok := c.eng.(mysqlCatalog); !ok || w.WriteMode == integration.WriteUpsert || c.noLocalInfile.Load() {
		return nil
	}
	return encodeRows(w, loadDataFormat)
}

// encodeRows writes a chunk's rows as tab-separated text, a line per row, in the target's text
// format (PostgreSQL COPY or LOAD DATA).
func encodeRows(w integration.ChunkWrite, f textFormat) []byte {
	kinds := chunkKinds(w)
	var buf bytes.Buffer
	buf.Grow(len(w.Rows) * len(w.Columns) * 12)
	var scratch []byte
	for _, row := range w.Rows {
		for i, v := range row {
			if i > 0 {
				buf.WriteByte('\t')
			}
			scratch = writeText(&buf, scratch, v, kinds[i], f)
		}
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// writeChunk on PostgreSQL: COPY in text format (PostgreSQL parses every value with its column's
// input function, so any source type whose text form the target type accepts goes through), into
// a staging table when upserting.
func (p postgresCatalog) writeChunk(ctx context.Context, c *sqlConnector, w integration.ChunkWrite) (int64, error) {
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var written int64
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		tx, err := sc.Conn().Begin(ctx)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
		tag, err := tx.Exec(ctx, `insert into `+qualify(p, w.Table.Database, ProgressTable)+" "+markColumns+
			` values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) on conflict do nothing`, markArgs(w.Mark)...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return integration.ErrChunkWritten
		}
		target := qualify(p, w.Table.Database, w.Table.Table)
		if w.Clear {
			if _, err := tx.Exec(ctx, "truncate table "+target); err != nil {
				return err
			}
		}
		cols := quoteList(p, w.Columns)
		into := target
		if w.WriteMode == integration.WriteUpsert {
			into = "assetflow_sync_stage"
			if _, err := tx.Exec(ctx, "create temp table "+into+" on commit drop as select "+cols+" from "+target+" limit 0"); err != nil {
				return err
			}
		}
		res, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(encodeRows(w, copyFormat)), "copy "+into+" ("+cols+") from stdin")
		if err != nil {
			var pe *pgconn.PgError
			if errors.As(err, &pe) {
				if m := copyLine.FindStringSubmatch(pe.Where); m != nil {
					line, _ := strconv.Atoi(m[1])
					return &integration.RowError{Row: line - 1, Err: err}
				}
			}
			return err
		}
		written = res.RowsAffected()
		if w.WriteMode == integration.WriteUpsert {
			var sets []string
			for _, col := range w.Columns {
				if !containsFold(w.Key, col) {
					sets = append(sets, p.quote(col)+" = excluded."+p.quote(col))
				}
			}
			action := "do nothing"
			if len(sets) > 0 {
				action = "do update set " + strings.Join(sets, ", ")
			}
			if _, err := tx.Exec(ctx, "insert into "+target+" ("+cols+") select "+cols+" from "+into+
				" on conflict ("+quoteList(p, w.Key)+") "+action); err != nil {
				return err
			}
		}
		return tx.Commit(ctx)
	})
	return written, err
}
