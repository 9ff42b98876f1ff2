package dataservice

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"assetflow/domain/dataservice"
	"assetflow/domain/datasource"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
)

// Export is a running export: its columns are known, its rows stream through a bounded channel,
// so memory stays flat however many rows there are.
type Export struct {
	Columns  []datasource.ResultColumn
	Filename string
	rows     chan []any
	done     chan error
	finish   func(rows int, err error)
	cancel   context.CancelFunc
}

// exportBuffer is how many rows may wait between the database and the HTTP client.
const exportBuffer = 1024

// Export starts an export; errors before the first row (template, guard rails, SQL, connection)
// come back here, so the caller can still answer with the error envelope.
func (c *Console) Export(ctx context.Context, req Request, who Caller) (*Export, error) {
	if req.QueryID == "" {
		req.QueryID = uuid.NewString()
	}
	limit := c.ExportCap
	if req.MaxRows > 0 {
		if req.MaxRows > limit && !who.Admin {
			return nil, fault.Field("max_rows", fmt.Sprintf("exports stop at %d rows; only admins may raise the cap", limit))
		}
		if req.MaxRows > c.ExportCapAdmin {
			return nil, fault.Field("max_rows", fmt.Sprintf("max_rows must be at most %d", c.ExportCapAdmin))
		}
		limit = req.MaxRows
	}
	start := time.Now()
	p, err := c.prepare(ctx, req, who, true)
	if err != nil {
		c.log(ctx, p, req, who, 0, time.Since(start).Milliseconds(), err, true)
		return nil, err
	}
	release, err := c.acquire(who.UserID)
	if err != nil {
		return nil, err
	}
	qctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	unregister := c.cancels.Register(req.QueryID, cancel)
	e := &Export{rows: make(chan []any, exportBuffer), done: make(chan error, 1), cancel: cancel,
		Filename: "query-" + time.Now().UTC().Format("20060102-150405") + ".csv"}
	e.finish = func(rows int, err error) {
		unregister()
		release()
		cancel()
		c.log(ctx, p, req, who, rows, time.Since(start).Milliseconds(), err, true)
	}
	columns := make(chan []datasource.ResultColumn, 1)
	sql := p.run
	if p.stmt.Pageable {
		sql = pagedSQL(p.cfg.Type, p.stmt, sql, limit, 0) // the engine stops at the cap
	}
	go func() {
		_, err := p.q.Query(qctx, datasource.QueryRequest{SQL: sql, MaxRows: limit, Database: req.Database,
			Timeout:   time.Duration(p.cfg.QueryTimeoutSeconds) * time.Second,
			OnColumns: func(cols []datasource.ResultColumn) { columns <- cols }}, func(row []any) error {
			select {
			case e.rows <- row:
				return nil
			case <-qctx.Done():
				return qctx.Err()
			}
		})
		close(e.rows)
		e.done <- err
	}()
	select {
	case cols := <-columns:
		e.Columns = cols
		return e, nil
	case err := <-e.done:
		e.finish(0, err)
		return nil, err
	}
}

// WriteCSV writes a UTF-8 BOM (for Excel), the header and every row in PostgreSQL's CSV dialect
// (NULL empty and unquoted, empty text quoted, quotes doubled), flushing as it goes. It logs the
// export when done.
func (e *Export) WriteCSV(w io.Writer) (err error) {
	_, err = e.writeCSV(w)
	return err
}

func (e *Export) writeCSV(w io.Writer) (rows int, err error) {
	defer func() {
		if err != nil {
			e.cancel()
			for range e.rows { // let the query goroutine finish
			}
		}
		qerr := <-e.done
		if err == nil {
			err = qerr
		}
		e.finish(rows, err)
	}()
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString("\ufeff"); err != nil {
		return rows, err
	}
	header := make([]any, len(e.Columns))
	for i, c := range e.Columns {
		header[i] = c.Name
	}
	if err := writeCSVRow(bw, header, nil); err != nil {
		return rows, err
	}
	for row := range e.rows {
		if err := writeCSVRow(bw, row, e.Columns); err != nil {
			return rows, err
		}
		rows++
		if rows%1000 == 0 {
			if err := bw.Flush(); err != nil {
				return rows, err
			}
		}
	}
	return rows, bw.Flush()
}

// ExportFiles stores background exports.
type ExportFiles interface {
	Create(ctx context.Context, exportID string) io.WriteCloser
	Open(ctx context.Context, exportID string) (io.ReadCloser, error)
}

// Recorder appends single events synchronously.
type Recorder interface {
	Record(ctx context.Context, streamID, streamType string, e es.Event, meta es.Metadata) (es.Ref, error)
}

// countingWriter counts bytes on their way to the store.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// StartBackgroundExport runs an export into the export store and records its start and end; the
// file can be downloaded from any replica once it finished.
func (c *Console) StartBackgroundExport(ctx context.Context, req Request, who Caller, files ExportFiles, rec Recorder, background context.Context) (string, es.Ref, error) {
	exp, err := c.Export(ctx, req, who)
	if err != nil {
		return "", es.Ref{}, err
	}
	id := "export-" + uuid.NewString()
	started := dataservice.ExportStarted{ExportID: id, UserID: who.UserID, UserName: who.UserName, DatasourceID: req.DatasourceID, SQL: req.SQL, MaxRows: req.MaxRows}
	ref, err := rec.Record(ctx, id, dataservice.StreamExport, started, who.Meta)
	if err != nil {
		exp.cancel()
		_, _ = exp.writeCSV(io.Discard)
		return "", es.Ref{}, err
	}
	go func() {
		ctx := background
		out := files.Create(ctx, id)
		cw := &countingWriter{w: out}
		rows, err := exp.writeCSV(cw)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		fin := dataservice.ExportFinished{ExportID: id, Status: "succeeded", Rows: rows, Bytes: cw.n}
		if err != nil {
			fin.Status, fin.Error = "failed", err.Error()
		}
		_, _ = rec.Record(context.WithoutCancel(ctx), id, dataservice.StreamExport, fin, who.Meta)
	}()
	return id, ref, nil
}

func writeCSVRow(w *bufio.Writer, row []any, cols []datasource.ResultColumn) error {
	for i, v := range row {
		if i > 0 {
			w.WriteByte(',')
		}
		typ := ""
		if cols != nil {
			typ = cols[i].Type
		}
		s, null := csvText(v, typ)
		if null {
			continue
		}
		if s == "" || s == `\.` || strings.ContainsAny(s, ",\"\r\n") {
			w.WriteByte('"')
			w.WriteString(strings.ReplaceAll(s, `"`, `""`))
			w.WriteByte('"')
		} else {
			w.WriteString(s)
		}
	}
	_, err := w.WriteString("\n")
	return err
}

// csvText renders a value as PostgreSQL's text output would.
func csvText(v any, typ string) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, false
	case []byte:
		if utf8.Valid(x) {
			return string(x), false
		}
		return fmt.Sprintf(`\x%x`, x), false
	case int64:
		return strconv.FormatInt(x, 10), false
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), false
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32), false
	case bool:
		if x {
			return "t", false
		}
		return "f", false
	case time.Time:
		switch strings.ToUpper(typ) {
		case "DATE":
			return x.Format("2006-01-02"), false
		case "TIMESTAMPTZ":
			return x.Format("2006-01-02 15:04:05.999999-07"), false
		}
		return x.Format("2006-01-02 15:04:05.999999"), false
	}
	return fmt.Sprint(v), false
}
