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

	"assetflow/domain/datasource"
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
	p, err := c.prepare(ctx, req)
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
	sql := p.rendered
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
	rows := 0
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
		return err
	}
	header := make([]any, len(e.Columns))
	for i, c := range e.Columns {
		header[i] = c.Name
	}
	if err := writeCSVRow(bw, header, nil); err != nil {
		return err
	}
	for row := range e.rows {
		if err := writeCSVRow(bw, row, e.Columns); err != nil {
			return err
		}
		rows++
		if rows%1000 == 0 {
			if err := bw.Flush(); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
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
