package integration

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
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

	mu                           sync.Mutex // guards what follows: a table's splits run at once
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

// tableJob is what every keyset walk over one table shares.
type tableJob struct {
	t                  tableRef
	cols               []domain.SyncColumn
	names, targetNames []string
	key, targetKey     []string
	keyAt              []int // the key columns' positions in a row
	keyTypes           []domain.ColumnType
	types              []domain.ColumnType // of every column read
	inc                *domain.SyncColumn
	low, high          any // incremental bounds of the pass
	target             domain.TargetTable
	progressKey        string
	limit              int
	schemaReported     atomic.Bool
}

func (j *tableJob) keyOf(row []any) []any {
	k := make([]any, len(j.keyAt))
	for i, at := range j.keyAt {
		k[i] = domain.Normalize(row[at], j.cols[at].Type)
	}
	return k
}

// segment is one keyset walk over a table: the whole of it, or one split.
type segment struct {
	// mark is the walk's last committed mark (Chunk 0: none yet); its SourceTable is where the
	// walk's marks go.
	mark    domain.ChunkMark
	after   []any
	through any    // an inclusive upper bound on the key (a split's range)
	clear   bool   // overwrite: the first chunk written empties the target
	split   string // "k/n" for a split
	label   string // the table, or the split, in messages
	whole   bool   // the walk is the table's whole pass: its last chunk ends the table
}

// keyRanger is a source that can read a key's range (what split planning divides).
type keyRanger interface {
	KeyRange(ctx context.Context, db, table string, key domain.SyncColumn, b *domain.Bounds) (lo, hi any, err error)
}

// table copies one source table: a pass of chunks in primary-key order, each written with its
// progress mark in one target transaction, or, for a big table with a single integer key, several
// splits of the key range copied at once (the plan is the table's mark, each split has its own). A
// pass interrupted earlier is resumed after its last marks, with the same bounds and splits.
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
	j := &tableJob{t: t, cols: cols, limit: spec.ChunkLimit(len(cols))}
	j.names = make([]string, len(cols))
	j.targetNames = make([]string, len(cols))
	for i, c := range cols {
		j.names[i], j.targetNames[i] = c.Name, targetCols[i].Name
		j.types = append(j.types, c.Type)
		if c.PrimaryKey {
			j.key = append(j.key, c.Name)
			j.targetKey = append(j.targetKey, targetCols[i].Name)
			j.keyTypes = append(j.keyTypes, c.Type)
			j.keyAt = append(j.keyAt, i)
		}
	}
	if len(j.key) == 0 {
		return fmt.Errorf("table %s has no primary key: a sync reads tables in primary-key order", t.Source())
	}
	if spec.Mode == domain.ModeIncremental {
		for i := range cols {
			if strings.EqualFold(cols[i].Name, spec.IncrementalColumn) {
				j.inc = &cols[i]
			}
		}
		if j.inc == nil {
			return fmt.Errorf("table %s has no incremental column %q", t.Source(), spec.IncrementalColumn)
		}
	}
	if j.target, err = r.tgt.PrepareTable(ctx, spec.TargetDatabase, t.TargetTable, targetCols); err != nil {
		return fmt.Errorf("prepare the target table %s: %w", t.TargetTable, err)
	}
	j.progressKey = t.Source()
	if spec.Scope == domain.ScopeSharded || t.TargetTable != t.Table {
		j.progressKey += "->" + t.TargetTable
	}
	mark, err := r.tgt.LastMark(ctx, spec.TargetDatabase, r.task.ID(), j.progressKey)
	if err != nil {
		return fmt.Errorf("read the progress of %s: %w", t.Source(), err)
	}
	pass := domain.ChunkMark{TaskID: r.task.ID(), SourceTable: j.progressKey, PassID: r.id, RunID: r.id}
	var after []any
	var cuts []int64
	resumed := mark != nil && !mark.Done
	if resumed {
		pass.PassID, pass.Chunk = mark.PassID, mark.Chunk
		pass.Low, pass.High = mark.Low, mark.High
		c, plan, err := domain.DecodeSplitPlan(mark.LastKey)
		if err != nil {
			return err
		}
		if plan {
			cuts, pass.LastKey = c, mark.LastKey
		} else if after, err = domain.DecodeValues(mark.LastKey, j.keyTypes); err != nil {
			return err
		}
	} else if j.inc != nil {
		if mark != nil && mark.High != "" {
			pass.Low = mark.High
		}
		h, err := r.src.MaxValue(ctx, t.Database, t.Table, *j.inc)
		if err != nil {
			return fmt.Errorf("read the maximum of %s.%s: %w", t.Source(), j.inc.Name, err)
		}
		pass.High = domain.EncodeValues([]any{h})
		if h == nil {
			pass.High = pass.Low
		}
	}
	if j.inc != nil {
		incType := []domain.ColumnType{j.inc.Type}
		if v, err := domain.DecodeValues(pass.Low, incType); err != nil {
			return err
		} else if v != nil {
			j.low = v[0]
		}
		if v, err := domain.DecodeValues(pass.High, incType); err != nil {
			return err
		} else if v != nil {
			j.high = v[0]
		}
	}
	overwrite := spec.WriteMode == domain.WriteOverwrite
	if !resumed {
		if cuts, err = r.plan(ctx, j); err != nil {
			return err
		}
		if cuts != nil {
			// The plan is the pass's first mark; it empties the target (overwrite) in the same
			// transaction, once, before any split writes.
			pass.Chunk, pass.LastKey = 1, domain.EncodeSplitPlan(cuts)
			if _, err := r.tgt.WriteChunk(ctx, domain.ChunkWrite{Table: j.target, Columns: j.targetNames, Key: j.targetKey,
				WriteMode: spec.WriteMode, Clear: overwrite, Mark: pass}); err != nil {
				return fmt.Errorf("record the split plan of %s: %w", t.Source(), err)
			}
		}
	}
	if cuts == nil {
		return r.segment(ctx, ctx, j, segment{mark: pass, after: after, clear: overwrite && pass.Chunk == 0, label: t.Source(), whole: true})
	}
	return r.splits(ctx, j, pass, cuts)
}

// autoParallel is a target with its own number of splits for tasks that leave it automatic.
type autoParallel interface {
	SyncParallelism() int
}

// chunkEncoder is a target that encodes a chunk into its load format ahead of the write: the
// engine encodes the next chunk while the current one is written, so the target's loader is fed
// from memory instead of waiting on the encoding (nil: the target does not need it).
type chunkEncoder interface {
	EncodeChunk(w domain.ChunkWrite) []byte
}

// serialLoader is a target whose chunks must be written one after another (no splits).
type serialLoader interface {
	SerialChunks() bool
}

// plan cuts a table's key range into splits, or returns nil for one pass: the key must be one
// integer column, the source able to read its range, the target able to take chunks out of order,
// and the table big enough.
func (r *run) plan(ctx context.Context, j *tableJob) ([]int64, error) {
	if s, ok := r.tgt.(serialLoader); ok && s.SerialChunks() {
		return nil, nil
	}
	p := r.task.Spec.Parallelism
	if p == 0 {
		p = domain.DefaultParallelism
		if a, ok := r.tgt.(autoParallel); ok {
			p = a.SyncParallelism()
		}
	}
	p = min(p, domain.MaxParallelism, max(r.svc.MaxParallelism, 1))
	kr, ok := r.src.(keyRanger)
	if p < 2 || !ok || !domain.Splittable(j.keyTypes) || (j.inc != nil && j.high == nil) {
		return nil, nil
	}
	var b *domain.Bounds
	if j.inc != nil {
		b = &domain.Bounds{Column: j.inc.Name, Low: j.low, High: j.high}
	}
	lo, hi, err := kr.KeyRange(ctx, j.t.Database, j.t.Table, j.cols[j.keyAt[0]], b)
	if err != nil {
		return nil, fmt.Errorf("read the key range of %s: %w", j.t.Source(), err)
	}
	l, ok1 := lo.(int64)
	h, ok2 := hi.(int64)
	if !ok1 || !ok2 || h <= l {
		return nil, nil
	}
	rows := j.t.Rows
	if span := uint64(h-l) + 1; span > 0 && span < math.MaxInt64 && (rows <= 0 || rows > int64(span)) {
		rows = int64(span) // a unique integer key has at most as many rows as values in its range
	}
	return domain.SplitCuts(l, h, rows, j.limit, p, r.svc.MinSplitRows), nil
}

// splits copies the splits of a planned pass at once and then closes the pass with a mark of its
// own. A split whose marks belong to the pass resumes after them (or is skipped when done); a
// failing split stops the others after their current chunk.
func (r *run) splits(ctx context.Context, j *tableJob, pass domain.ChunkMark, cuts []int64) error {
	n := len(cuts) + 1
	var segs []segment
	for k := 1; k <= n; k++ {
		key := domain.SplitKey(j.progressKey, k, n)
		m := domain.ChunkMark{TaskID: r.task.ID(), SourceTable: key, PassID: pass.PassID, RunID: r.id, Low: pass.Low, High: pass.High}
		from, through := domain.SplitRange(cuts, k)
		var after []any
		if from != nil {
			after = []any{from}
		}
		last, err := r.tgt.LastMark(ctx, r.task.Spec.TargetDatabase, r.task.ID(), key)
		if err != nil {
			return fmt.Errorf("read the progress of %s: %w", key, err)
		}
		if last != nil && last.PassID == pass.PassID {
			if last.Done {
				continue
			}
			m.Chunk = last.Chunk
			if after, err = domain.DecodeValues(last.LastKey, j.keyTypes); err != nil {
				return err
			}
		}
		segs = append(segs, segment{mark: m, after: after, through: through, split: fmt.Sprintf("%d/%d", k, n),
			label: domain.SplitKey(j.t.Source(), k, n)})
	}
	stop, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for _, s := range segs {
		wg.Go(func() {
			if err := r.segment(ctx, stop, j, s); err != nil {
				once.Do(func() { first = err })
				cancel(err)
			}
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	if err := context.Cause(ctx); err != nil && ctx.Err() != nil {
		return err
	}
	done := pass
	done.Chunk++
	done.RunID, done.Done, done.Rows = r.id, true, 0
	if _, err := r.tgt.WriteChunk(ctx, domain.ChunkWrite{Table: j.target, Columns: j.targetNames, Key: j.targetKey,
		WriteMode: r.task.Spec.WriteMode, Mark: done}); err != nil {
		if errors.Is(err, domain.ErrChunkWritten) {
			return fmt.Errorf("the pass over %s is already closed in the target (another run closed it); nothing was written twice", j.t.Source())
		}
		return fmt.Errorf("close the pass over %s: %w", j.t.Source(), err)
	}
	ev := domain.ChunkCommitted{RunID: r.id, TaskID: r.task.ID(), SourceTable: j.t.Source(), TargetTable: j.t.TargetTable, Chunk: done.Chunk,
		Watermark: pass.High, TableDone: true}
	if j.schemaReported.CompareAndSwap(false, true) {
		ev.Created, ev.AddedColumns = j.target.Created, j.target.AddedColumns
	}
	if err := r.events.add(ev); err != nil {
		return err
	}
	r.tableCopied(j)
	return nil
}

func (r *run) tableCopied(j *tableJob) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.copied = append(r.copied, CopiedTable{SourceDatabase: j.t.Database, SourceTable: j.t.Table, TargetDatabase: r.task.Spec.TargetDatabase,
		TargetTable: j.t.TargetTable, Columns: j.names, TargetColumns: j.targetNames})
}

// segment walks one segment chunk by chunk. Writes use ctx (the run's); stop ends the walk before
// its next chunk (a sibling split failed) and stops its reads.
func (r *run) segment(ctx, stop context.Context, j *tableJob, s segment) error {
	spec := r.task.Spec
	t := j.t
	pass, after, first := s.mark, s.after, true
	th, bounded := s.through.(int64)
	// The next chunk is read while the current one is written (reads never depend on writes:
	// keyset paging needs only the last key read). At most two chunks are in memory.
	readCtx, stopReading := context.WithCancel(stop)
	defer stopReading()
	chunks := make(chan chunkRead)
	go func(after []any) {
		defer close(chunks)
		for {
			var res chunkRead
			if j.inc == nil || j.high != nil {
				read := domain.ChunkRead{Database: t.Database, Table: t.Table, Columns: j.names, Key: j.key, After: after, Through: s.through,
					Limit: j.limit, Types: j.types}
				if j.inc != nil {
					read.Bounds = &domain.Bounds{Column: j.inc.Name, Low: j.low, High: j.high}
				}
				res.rows, res.err = r.src.ReadChunk(readCtx, read)
			}
			res.last = res.err != nil || len(res.rows) < j.limit
			if bounded {
				// A source that ignores Through still never writes past the split.
				for i, row := range res.rows {
					if k, ok := j.keyOf(row)[0].(int64); ok && k > th {
						res.rows, res.last = res.rows[:i], true
						break
					}
				}
			}
			if e, ok := r.tgt.(chunkEncoder); ok && res.err == nil && len(res.rows) > 0 {
				res.encoded = e.EncodeChunk(domain.ChunkWrite{Table: j.target, Columns: j.targetNames, Key: j.targetKey,
					Rows: res.rows, WriteMode: spec.WriteMode})
			}
			select {
			case chunks <- res:
			case <-readCtx.Done():
				return
			}
			if res.last {
				return
			}
			after = j.keyOf(res.rows[len(res.rows)-1])
		}
	}(after)
	for {
		if err := context.Cause(stop); err != nil && stop.Err() != nil {
			return err
		}
		if err := r.stillWanted(ctx); err != nil {
			return err
		}
		var res chunkRead
		var ok bool
		select {
		case res, ok = <-chunks:
		case <-stop.Done():
			return context.Cause(stop)
		}
		if !ok {
			if err := context.Cause(stop); err != nil && stop.Err() != nil {
				return err
			}
			return fmt.Errorf("read %s: the reader stopped", s.label)
		}
		if res.err != nil {
			return fmt.Errorf("read %s: %w", s.label, res.err)
		}
		rows := res.rows
		done := res.last
		from := domain.EncodeValues(after)
		if len(rows) > 0 {
			after = j.keyOf(rows[len(rows)-1])
		}
		m := pass
		m.Chunk++
		m.RunID = r.id
		m.LastKey = domain.EncodeValues(after)
		m.Rows = int64(len(rows))
		m.Done = done
		written, err := r.tgt.WriteChunk(ctx, domain.ChunkWrite{Table: j.target, Columns: j.targetNames, Key: j.targetKey, Rows: rows,
			WriteMode: spec.WriteMode, Clear: first && s.clear, Mark: m, Encoded: res.encoded})
		if errors.Is(err, domain.ErrChunkWritten) {
			return fmt.Errorf("chunk %d of %s is already in the target (another run wrote it); nothing was written twice", m.Chunk, s.label)
		}
		if err != nil {
			var re *domain.RowError
			if errors.As(err, &re) && re.Row >= 0 && re.Row < len(rows) {
				r.mu.Lock()
				r.sample = append(r.sample, sampleRow(j.names, rows[re.Row]))
				r.mu.Unlock()
			}
			return fmt.Errorf("write chunk %d of %s into %s (keys after %s up to %s): %w", m.Chunk, s.label, t.TargetTable,
				orStart(from), m.LastKey, err)
		}
		first = false
		pass = m
		size := rowBytes(rows)
		r.mu.Lock()
		r.lastChunk = fmt.Sprintf("%s#%d", s.label, m.Chunk)
		r.rowsRead += int64(len(rows))
		r.rowsWritten += written
		r.bytes += size
		r.mu.Unlock()
		if hook := r.svc.AfterChunk; hook != nil {
			if err := hook(r.id, s.label, m.Chunk); err != nil {
				return err
			}
		}
		ev := domain.ChunkCommitted{RunID: r.id, TaskID: r.task.ID(), SourceTable: t.Source(), TargetTable: t.TargetTable, Chunk: m.Chunk,
			Split: s.split, FromKey: from, ToKey: m.LastKey, RowsRead: int64(len(rows)), RowsWritten: written, Bytes: size,
			Watermark: pass.High, TableDone: done && s.whole}
		if j.schemaReported.CompareAndSwap(false, true) {
			ev.Created, ev.AddedColumns = j.target.Created, j.target.AddedColumns
		}
		if err := r.events.add(ev); err != nil {
			return err
		}
		if done {
			if s.whole {
				r.tableCopied(j)
			}
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

// chunkRead is one chunk handed from the reader to the writer; last says no chunk follows.
type chunkRead struct {
	rows    [][]any
	encoded []byte // rows in the target's load format (chunkEncoder), or nil
	err     error
	last    bool
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
