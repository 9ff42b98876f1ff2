package integration

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
	domain "assetflow/domain/integration"
)

// Triggers of a run.
const (
	TriggerManual   = "manual"
	TriggerSchedule = "schedule"
)

var (
	errPaused   = errors.New("the task was paused")
	errDeleted  = errors.New("the task was deleted")
	errShutdown = errors.New("the server stopped; the next run resumes after the last committed chunk")
)

func lockKey(taskID string) string { return "integration-run:" + taskID }

// Start starts a run the way the service is configured: dispatched to any replica's worker through
// the bus (Request), or on this replica (Run).
func (s *Service) Start(ctx context.Context, taskID, trigger string, meta es.Metadata) (string, es.Ref, error) {
	if s.log != nil {
		return s.Request(ctx, taskID, trigger, meta)
	}
	return s.Run(ctx, taskID, trigger, meta)
}

// Run starts a run of the task on this replica in the background and returns its id at once. At
// most one run of a task is active cluster-wide; a new run resumes where an interrupted one stopped.
func (s *Service) Run(ctx context.Context, taskID, trigger string, meta es.Metadata) (string, es.Ref, error) {
	return s.start(ctx, taskID, "syncrun-"+uuid.NewString(), trigger, meta)
}

// Request records integration.run_requested for a worker on any replica (Execute) and returns the
// run id at once. It refuses when a run of the task is active or was requested moments ago.
func (s *Service) Request(ctx context.Context, taskID, trigger string, meta es.Metadata) (string, es.Ref, error) {
	t, err := s.load(ctx, taskID)
	if err != nil {
		return "", es.Ref{}, err
	}
	if t.Status == domain.StatusPaused {
		return "", es.Ref{}, fault.Conflict("the task is paused; resume it first")
	}
	if _, err := s.endpoints.Source(ctx, t.Spec.SourceDatasourceID, t.Spec); err != nil {
		return "", es.Ref{}, err
	}
	if _, err := s.endpoints.Target(ctx, t.Spec.TargetDatasourceID, t.Spec); err != nil {
		return "", es.Ref{}, err
	}
	if held, err := s.locks.Held(ctx, lockKey(taskID)); err != nil {
		return "", es.Ref{}, err
	} else if held {
		return "", es.Ref{}, fault.Conflict("a run of this task is already active; wait for it to finish")
	}
	if pending, err := s.runs.QueuedRuns(ctx, taskID, s.Now().Add(-time.Minute)); err != nil {
		return "", es.Ref{}, err
	} else if len(pending) > 0 {
		return "", es.Ref{}, fault.Conflict("a run of this task was requested and is starting")
	}
	runID := "syncrun-" + uuid.NewString()
	ref, err := s.recorder.Record(ctx, runID, domain.StreamRun, domain.RunRequested{RunID: runID, TaskID: taskID, TaskName: t.Spec.Name, Trigger: trigger}, meta)
	return runID, ref, err
}

// Execute runs a requested run on this replica: the bus worker calls it for each
// integration.run_requested its consumer group receives. A request delivered again, or whose run
// another worker took, changes nothing; one that waited too long fails.
func (s *Service) Execute(ctx context.Context, req domain.RunRequested, requestedAt time.Time, meta es.Metadata) error {
	n, err := s.log.Events(ctx, req.RunID)
	if err != nil {
		return err
	}
	if n > 1 {
		return nil // already started (or ended) by a worker
	}
	fail := func(reason string) error {
		_, err := s.recorder.Record(ctx, req.RunID, domain.StreamRun, domain.RunFailed{RunID: req.RunID, TaskID: req.TaskID, Reason: reason}, meta)
		return err
	}
	if s.Now().Sub(requestedAt) > 10*time.Minute {
		return fail("no worker took the request within 10 minutes; start the task again")
	}
	if _, _, err := s.start(ctx, req.TaskID, req.RunID, req.Trigger, meta); err != nil {
		if fault.KindOf(err) == fault.KindInternal {
			return err
		}
		return fail(err.Error())
	}
	return nil
}

// start begins run runID of the task on this replica.
func (s *Service) start(ctx context.Context, taskID, runID, trigger string, meta es.Metadata) (string, es.Ref, error) {
	t, err := s.load(ctx, taskID)
	if err != nil {
		return "", es.Ref{}, err
	}
	if t.Status == domain.StatusPaused {
		return "", es.Ref{}, fault.Conflict("the task is paused; resume it first")
	}
	src, err := s.endpoints.Source(ctx, t.Spec.SourceDatasourceID, t.Spec)
	if err != nil {
		return "", es.Ref{}, err
	}
	tgt, err := s.endpoints.Target(ctx, t.Spec.TargetDatasourceID, t.Spec)
	if err != nil {
		return "", es.Ref{}, err
	}
	unlock, ok, err := s.locks.TryLock(ctx, lockKey(taskID))
	if err != nil {
		return "", es.Ref{}, err
	}
	if !ok {
		return "", es.Ref{}, fault.Conflict("a run of this task is already active; wait for it to finish")
	}
	started := false
	defer func() {
		if !started {
			unlock()
		}
	}()
	// Runs the read model still shows as running hold no lock, so their replica stopped: end them.
	if stale, err := s.runs.RunningRuns(ctx, taskID); err == nil {
		for _, id := range stale {
			_, _ = s.recorder.Record(ctx, id, domain.StreamRun, domain.RunFailed{RunID: id, TaskID: taskID,
				Reason: "interrupted: the replica running it stopped; the next run resumes after the last committed chunk"}, meta)
		}
	}
	tables, err := s.resolve(ctx, src, t.Spec)
	if err != nil {
		if fault.KindOf(err) == fault.KindInvalid {
			return "", es.Ref{}, err
		}
		// The source cannot be read (credentials, network): the run exists and failed, with why.
		if _, rerr := s.recorder.Record(ctx, runID, domain.StreamRun, domain.RunStarted{RunID: runID, TaskID: taskID, TaskName: t.Spec.Name,
			Trigger: trigger, Mode: t.Spec.Mode, Tables: []string{}}, meta); rerr != nil {
			return "", es.Ref{}, rerr
		}
		ref, rerr := s.recorder.Record(ctx, runID, domain.StreamRun, domain.RunFailed{RunID: runID, TaskID: taskID,
			Reason: "list the source tables: " + err.Error()}, meta)
		if rerr != nil {
			return "", es.Ref{}, rerr
		}
		return runID, ref, nil
	}
	names := make([]string, len(tables))
	var estimate int64
	for i, tr := range tables {
		names[i] = tr.Source()
		estimate += tr.Rows
	}
	if t.Spec.Mode == domain.ModeIncremental {
		estimate = 0 // the table's size says nothing about what is new
	}
	ref, err := s.recorder.Record(ctx, runID, domain.StreamRun, domain.RunStarted{RunID: runID, TaskID: taskID, TaskName: t.Spec.Name,
		Trigger: trigger, Mode: t.Spec.Mode, Tables: names, RowsEstimate: estimate}, meta)
	if err != nil {
		return "", es.Ref{}, err
	}
	runCtx, cancel := context.WithCancelCause(s.Background)
	s.mu.Lock()
	s.active[taskID] = cancel
	s.mu.Unlock()
	started = true
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		defer unlock()
		defer func() {
			s.mu.Lock()
			delete(s.active, taskID)
			s.mu.Unlock()
			cancel(nil)
		}()
		r := &run{svc: s, id: runID, task: t, src: src, tgt: tgt, meta: meta}
		r.execute(runCtx, tables)
	}()
	return runID, ref, nil
}

// ReapInterrupted ends runs that have shown no progress for a minute while nobody holds their
// task's run lock: the replica running them stopped. It returns how many it ended.
func (s *Service) ReapInterrupted(ctx context.Context, meta es.Metadata) (int, error) {
	silent, err := s.runs.SilentRuns(ctx, s.Now().Add(-time.Minute))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range silent {
		held, err := s.locks.Held(ctx, lockKey(r.TaskID))
		if err != nil || held {
			continue
		}
		if _, err := s.recorder.Record(ctx, r.RunID, domain.StreamRun, domain.RunFailed{RunID: r.RunID, TaskID: r.TaskID,
			Reason: "interrupted: the replica running it stopped; the next run resumes after the last committed chunk"}, meta); err == nil {
			n++
		}
	}
	return n, nil
}

// stop cancels the task's active run on this replica.
func (s *Service) stop(taskID string, cause error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cancel, ok := s.active[taskID]; ok {
		cancel(cause)
	}
}

// run is one execution of a task.
type run struct {
	svc  *Service
	id   string
	task *domain.Task
	src  Source
	tgt  Target
	meta es.Metadata

	rowsRead, rowsWritten, bytes int64
	lastChunk                    string
	copied                       []CopiedTable
	sample                       []map[string]string // rows a target refused
	events                       *chunkEvents
}

// chunkEvents stores a run's chunk events in order on their own goroutine, so the next chunk is
// written while the previous one's event is being stored (the target commit comes first either
// way). A failure to store one stops the run at its next chunk.
type chunkEvents struct {
	queue chan domain.ChunkCommitted
	done  chan struct{}
	mu    sync.Mutex
	err   error
}

func newChunkEvents(ctx context.Context, r *run) *chunkEvents {
	c := &chunkEvents{queue: make(chan domain.ChunkCommitted, 8), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for ev := range c.queue {
			if c.failed() != nil {
				continue
			}
			if _, err := r.svc.recorder.Record(ctx, r.id, domain.StreamRun, ev, r.meta); err != nil {
				c.mu.Lock()
				c.err = fmt.Errorf("record chunk %d of %s (it is committed in the target): %w", ev.Chunk, ev.SourceTable, err)
				c.mu.Unlock()
			}
		}
	}()
	return c
}

func (c *chunkEvents) failed() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// add queues an event, or reports the failure of an earlier one.
func (c *chunkEvents) add(ev domain.ChunkCommitted) error {
	if err := c.failed(); err != nil {
		return err
	}
	c.queue <- ev
	return nil
}

// close waits until every queued event is stored.
func (c *chunkEvents) close() error {
	close(c.queue)
	<-c.done
	return c.failed()
}

// execute copies every table and records how the run ended.
func (r *run) execute(ctx context.Context, tables []tableRef) {
	start := r.svc.Now()
	record := context.WithoutCancel(ctx)
	r.events = newChunkEvents(record, r)
	var failed error
	var failedTable string
	for _, t := range tables {
		if err := r.table(ctx, t); err != nil {
			failed, failedTable = err, t.Source()
			break
		}
	}
	// Every chunk event is stored before the run's end is.
	if err := r.events.close(); err != nil && failed == nil {
		failed = err
	}
	if failed == nil && r.svc.Lineage != nil {
		if err := r.svc.Lineage.RecordSync(record, r.task, r.copied, r.meta); err != nil {
			slog.Warn("recording the lineage of a sync run failed", "run", r.id, "err", err)
		}
	}
	if failed == nil {
		_, err := r.svc.recorder.Record(record, r.id, domain.StreamRun, domain.RunCompleted{RunID: r.id, TaskID: r.task.ID(),
			RowsRead: r.rowsRead, RowsWritten: r.rowsWritten, Bytes: r.bytes, Tables: len(tables), DurationMs: r.svc.Now().Sub(start).Milliseconds()}, r.meta)
		if err != nil {
			slog.Error("recording the end of a sync run failed", "run", r.id, "err", err)
		}
		return
	}
	paused := errors.Is(failed, errPaused)
	reason := failed.Error()
	if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
		paused = errors.Is(cause, errPaused)
		if errors.Is(cause, context.Canceled) {
			cause = errShutdown
		}
		reason = cause.Error()
	}
	slog.Warn("sync run failed", "run", r.id, "task", r.task.ID(), "table", failedTable, "err", failed)
	if _, err := r.svc.recorder.Record(record, r.id, domain.StreamRun, domain.RunFailed{RunID: r.id, TaskID: r.task.ID(), Reason: reason,
		Table: failedTable, LastChunk: r.lastChunk, Paused: paused, SampleRows: r.sample}, r.meta); err != nil {
		slog.Error("recording the end of a sync run failed", "run", r.id, "err", err)
	}
}

// table copies one source table: a pass of chunks in primary-key order, each written with its
// progress mark in one target transaction. A pass interrupted earlier is resumed after its last
// mark, with the same bounds.
func (r *run) table(ctx context.Context, t tableRef) error {
	spec := r.task.Spec
	all, err := r.src.SyncColumns(ctx, t.Database, t.Table)
	if err != nil {
		return fmt.Errorf("read the columns of %s: %w", t.Source(), err)
	}
	cols, targetCols, err := spec.MapColumns(all)
	if err != nil {
		return err
	}
	var key, targetKey []string
	var keyTypes []domain.ColumnType
	names := make([]string, len(cols))
	targetNames := make([]string, len(cols))
	for i, c := range cols {
		names[i], targetNames[i] = c.Name, targetCols[i].Name
		if c.PrimaryKey {
			key = append(key, c.Name)
			targetKey = append(targetKey, targetCols[i].Name)
			keyTypes = append(keyTypes, c.Type)
		}
	}
	if len(key) == 0 {
		return fmt.Errorf("table %s has no primary key: a sync reads tables in primary-key order", t.Source())
	}
	var inc *domain.SyncColumn
	if spec.Mode == domain.ModeIncremental {
		for i := range cols {
			if strings.EqualFold(cols[i].Name, spec.IncrementalColumn) {
				inc = &cols[i]
			}
		}
		if inc == nil {
			return fmt.Errorf("table %s has no incremental column %q", t.Source(), spec.IncrementalColumn)
		}
	}
	target, err := r.tgt.PrepareTable(ctx, spec.TargetDatabase, t.TargetTable, targetCols)
	if err != nil {
		return fmt.Errorf("prepare the target table %s: %w", t.TargetTable, err)
	}
	progressKey := t.Source()
	if spec.Scope == domain.ScopeSharded || t.TargetTable != t.Table {
		progressKey += "->" + t.TargetTable
	}
	mark, err := r.tgt.LastMark(ctx, spec.TargetDatabase, r.task.ID(), progressKey)
	if err != nil {
		return fmt.Errorf("read the progress of %s: %w", t.Source(), err)
	}
	pass := domain.ChunkMark{TaskID: r.task.ID(), SourceTable: progressKey, PassID: r.id, RunID: r.id}
	var after []any
	var low, high any
	var incType []domain.ColumnType
	if inc != nil {
		incType = []domain.ColumnType{inc.Type}
	}
	if mark != nil && !mark.Done {
		pass.PassID, pass.Chunk = mark.PassID, mark.Chunk
		if after, err = domain.DecodeValues(mark.LastKey, keyTypes); err != nil {
			return err
		}
		pass.Low, pass.High = mark.Low, mark.High
	} else if inc != nil {
		if mark != nil && mark.High != "" {
			pass.Low = mark.High
		}
		h, err := r.src.MaxValue(ctx, t.Database, t.Table, *inc)
		if err != nil {
			return fmt.Errorf("read the maximum of %s.%s: %w", t.Source(), inc.Name, err)
		}
		pass.High = domain.EncodeValues([]any{h})
		if h == nil {
			pass.High = pass.Low
		}
	}
	if inc != nil {
		if v, err := domain.DecodeValues(pass.Low, incType); err != nil {
			return err
		} else if v != nil {
			low = v[0]
		}
		if v, err := domain.DecodeValues(pass.High, incType); err != nil {
			return err
		} else if v != nil {
			high = v[0]
		}
	}
	first, schemaReported := pass.Chunk == 0, false
	limit := spec.ChunkRows
	keyOf := func(row []any) []any {
		k := make([]any, 0, len(key))
		for _, name := range key {
			for i, n := range names {
				if n == name {
					k = append(k, domain.Normalize(row[i], cols[i].Type))
				}
			}
		}
		return k
	}
	// The next chunk is read while the current one is written (reads never depend on writes:
	// keyset paging needs only the last key read). At most three chunks are in memory.
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	chunks := make(chan chunkRead, 1)
	go func(after []any) {
		defer close(chunks)
		for {
			var res chunkRead
			if inc == nil || high != nil {
				read := domain.ChunkRead{Database: t.Database, Table: t.Table, Columns: names, Key: key, After: after, Limit: limit}
				if inc != nil {
					read.Bounds = &domain.Bounds{Column: inc.Name, Low: low, High: high}
				}
				res.rows, res.err = r.src.ReadChunk(readCtx, read)
			}
			select {
			case chunks <- res:
			case <-readCtx.Done():
				return
			}
			if res.err != nil || len(res.rows) < limit {
				return
			}
			after = keyOf(res.rows[len(res.rows)-1])
		}
	}(after)
	for {
		if err := context.Cause(ctx); err != nil && ctx.Err() != nil {
			return err
		}
		if err := r.stillWanted(ctx); err != nil {
			return err
		}
		res, ok := <-chunks
		if !ok {
			if err := context.Cause(ctx); err != nil && ctx.Err() != nil {
				return err
			}
			return fmt.Errorf("read %s: the reader stopped", t.Source())
		}
		if res.err != nil {
			return fmt.Errorf("read %s: %w", t.Source(), res.err)
		}
		rows := res.rows
		done := len(rows) < limit
		from := domain.EncodeValues(after)
		if len(rows) > 0 {
			after = keyOf(rows[len(rows)-1])
		}
		m := pass
		m.Chunk++
		m.RunID = r.id
		m.LastKey = domain.EncodeValues(after)
		m.Rows = int64(len(rows))
		m.Done = done
		written, err := r.tgt.WriteChunk(ctx, domain.ChunkWrite{Table: target, Columns: targetNames, Key: targetKey, Rows: rows,
			WriteMode: spec.WriteMode, Clear: first && spec.WriteMode == domain.WriteOverwrite, Mark: m})
		if errors.Is(err, domain.ErrChunkWritten) {
			return fmt.Errorf("chunk %d of %s is already in the target (another run wrote it); nothing was written twice", m.Chunk, t.Source())
		}
		if err != nil {
			var re *domain.RowError
			if errors.As(err, &re) && re.Row >= 0 && re.Row < len(rows) {
				r.sample = append(r.sample, sampleRow(names, rows[re.Row]))
			}
			return fmt.Errorf("write chunk %d of %s into %s (keys after %s up to %s): %w", m.Chunk, t.Source(), t.TargetTable,
				orStart(from), m.LastKey, err)
		}
		first = false
		pass = m
		r.lastChunk = fmt.Sprintf("%s#%d", t.Source(), m.Chunk)
		size := rowBytes(rows)
		r.rowsRead += int64(len(rows))
		r.rowsWritten += written
		r.bytes += size
		if hook := r.svc.AfterChunk; hook != nil {
			if err := hook(r.id, t.Source(), m.Chunk); err != nil {
				return err
			}
		}
		ev := domain.ChunkCommitted{RunID: r.id, TaskID: r.task.ID(), SourceTable: t.Source(), TargetTable: t.TargetTable, Chunk: m.Chunk,
			FromKey: from, ToKey: m.LastKey, RowsRead: int64(len(rows)), RowsWritten: written, Bytes: size, Watermark: pass.High, TableDone: done}
		if !schemaReported {
			ev.Created, ev.AddedColumns, schemaReported = target.Created, target.AddedColumns, true
		}
		if err := r.events.add(ev); err != nil {
			return err
		}
		if done {
			r.copied = append(r.copied, CopiedTable{SourceDatabase: t.Database, SourceTable: t.Table, TargetDatabase: spec.TargetDatabase,
				TargetTable: t.TargetTable, Columns: names, TargetColumns: targetNames})
			return nil
		}
	}
}

// stillWanted reads the task before each chunk: a task paused or deleted on any replica stops the
// run here after its current chunk.
func (r *run) stillWanted(ctx context.Context) error {
	t := &domain.Task{}
	if err := r.svc.aggs.Load(ctx, TaskStream(r.task.ID()), t); err != nil {
		return err
	}
	switch {
	case !t.Exists():
		return errDeleted
	case t.Status == domain.StatusPaused:
		return errPaused
	}
	return nil
}

func orStart(key string) string {
	if key == "" {
		return "the start"
	}
	return key
}

// sampleRow shows a row as column → value text (long values cut, binary as hex).
func sampleRow(names []string, row []any) map[string]string {
	out := make(map[string]string, len(names))
	for i, n := range names {
		var v string
		switch x := row[i].(type) {
		case nil:
			v = "NULL"
		case []byte:
			if utf8.Valid(x) {
				v = string(x)
			} else {
				v = "0x" + hex.EncodeToString(x)
			}
		case time.Time:
			v = x.Format(time.RFC3339Nano)
		default:
			v = fmt.Sprint(x)
		}
		if len(v) > 200 {
			v = v[:200] + "…"
		}
		out[n] = v
	}
	return out
}

// chunkRead is one chunk handed from the reader to the writer.
type chunkRead struct {
	rows [][]any
	err  error
}

// rowBytes estimates the size of rows as transferred.
func rowBytes(rows [][]any) int64 {
	var n int64
	for _, row := range rows {
		for _, v := range row {
			switch x := v.(type) {
			case nil:
			case []byte:
				n += int64(len(x))
			case string:
				n += int64(len(x))
			case time.Time:
				n += 8
			default:
				n += 8
			}
		}
	}
	return n
}
