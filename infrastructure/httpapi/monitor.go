package httpapi

import (
	"bufio"
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"assetflow/application/page"
	"assetflow/domain/access"
	"assetflow/domain/fault"
	"assetflow/infrastructure/bus"
	"assetflow/infrastructure/hostinfo"
	accessproj "assetflow/projections/access"
	"assetflow/projections/monitor"
)

// MonitorDeps are what the monitor pages read beyond the other modules' models.
type MonitorDeps struct {
	Pool    *pgxpool.Pool
	Brokers []string
	DataDir string
	// RelayActive and RelayLag report this replica's relay.
	RelayActive func() bool
	RelayLag    func(ctx context.Context) int64
	// Jobs lists scheduled jobs; RunJob/PauseJob act on one ("collect:<datasource id>").
	Jobs     func(ctx context.Context) ([]Job, error)
	JobNow   func(ctx context.Context, key string, resume, pause bool, meta eventMeta) error
	Sessions *SessionTracker
}

// Job is one scheduled job as the 定时任务 page shows it.
type Job struct {
	Key          string     `json:"key"`
	Kind         string     `json:"kind"` // collect | profile
	Target       string     `json:"target"`
	TargetName   string     `json:"target_name"`
	Cron         string     `json:"cron"`
	Enabled      bool       `json:"enabled"`
	NextRun      *time.Time `json:"next_run"`
	LastRun      *time.Time `json:"last_run"`
	LastStatus   string     `json:"last_status"`
	LastDuration float64    `json:"last_duration_seconds"`
}

func (h *handlers) monitorRoutes(r fiber.Router) {
	admin := h.require(access.PermManageSystem)
	r.Get("/monitor/server", admin, h.serverInfo)
	r.Get("/monitor/online", admin, h.onlineUsers)
	r.Delete("/monitor/online/:session_id", admin, h.forceLogout)
	r.Get("/monitor/operlog", admin, h.operLog)
	r.Get("/monitor/loginlog", admin, h.loginLog)
	r.Get("/monitor/jobs", admin, h.jobs)
	r.Post("/monitor/jobs/:key/run", admin, h.jobAction(false, false))
	r.Post("/monitor/jobs/:key/pause", admin, h.jobAction(false, true))
	r.Post("/monitor/jobs/:key/resume", admin, h.jobAction(true, false))
}

func (h *handlers) serverInfo(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.Context(), 5*time.Second)
	defer cancel()
	snap := hostinfo.Read(ctx, h.Monitor2.DataDir, 200*time.Millisecond)
	st := h.Monitor2.Pool.Stat()
	var dbSize int64
	var dbVersion string
	_ = h.Monitor2.Pool.QueryRow(ctx, `select pg_database_size(current_database()), current_setting('server_version')`).Scan(&dbSize, &dbVersion)
	var kafka bus.KafkaInfo
	done := make(chan struct{})
	go func() { kafka = bus.Inspect(h.Monitor2.Brokers); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		kafka.Error = "the broker did not answer in time"
	}
	replicas, err := h.Monitor.Replicas(ctx, h.Now())
	if err != nil {
		return err
	}
	return ok(c, fiber.Map{
		"node": h.NodeID, "host": snap.Host, "cpu": snap.CPU, "memory": snap.Memory, "disk": snap.Disk, "runtime": snap.Runtime,
		"database": fiber.Map{"version": dbVersion, "size_bytes": dbSize, "pool": fiber.Map{"max": st.MaxConns(), "total": st.TotalConns(),
			"idle": st.IdleConns(), "acquired": st.AcquiredConns(), "acquire_count": st.AcquireCount(), "empty_acquire_count": st.EmptyAcquireCount()}},
		"kafka":    kafka,
		"relay":    fiber.Map{"active_here": h.Monitor2.RelayActive(), "lag_events": h.Monitor2.RelayLag(ctx)},
		"replicas": replicas,
		"at":       snap.At,
	})
}

func (h *handlers) onlineUsers(c *fiber.Ctx) error {
	list, err := h.Users.Online(c.Context(), h.Now())
	if err != nil {
		return err
	}
	// Sessions active on this replica since the last flush are fresher than the read model.
	for i := range list {
		if t, ok := h.Monitor2.Sessions.LastSeen(list[i].SessionID); ok && (list[i].LastSeenAt == nil || t.After(*list[i].LastSeenAt)) {
			list[i].LastSeenAt = &t
		}
	}
	return ok(c, list)
}

func (h *handlers) forceLogout(c *fiber.Ctx) error {
	p, _ := principalOf(c)
	sid := c.Params("session_id")
	if sid == p.SessionID {
		return fault.Invalid("you cannot force your own session out; sign out instead")
	}
	userID, active, err := h.Users.Session(c.Context(), sid)
	if err != nil {
		return err
	}
	if !active {
		return fault.NotFound("active session", sid)
	}
	ref, err := h.Access.ForceLogout(c.Context(), userID, sid, h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, accessproj.Name)
	return ok(c, nil)
}

// logRange reads from/to and refuses inverted or absurd ranges.
func logRange(c *fiber.Ctx) (page.Request, time.Time, time.Time, error) {
	pg, from, to, err := pageAndRange(c)
	if err != nil {
		return pg, from, to, err
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return pg, from, to, fault.Field("to", "to must not be before from")
	}
	if !from.IsZero() && !to.IsZero() && to.Sub(from) > 366*24*time.Hour {
		return pg, from, to, fault.Field("from", "a range may span at most a year")
	}
	return pg, from, to, nil
}

func (h *handlers) operLog(c *fiber.Ctx) error {
	pg, from, to, err := logRange(c)
	if err != nil {
		return err
	}
	status, err := queryInt(c, "status")
	if err != nil {
		return err
	}
	f := monitor.OperationFilter{User: c.Query("user"), Method: c.Query("method"), Status: status, Path: c.Query("path"),
		Module: c.Query("module"), IP: c.Query("ip"), From: from, To: to}
	if c.Query("format") == "csv" {
		pg, _ = page.New(1, page.MaxSize)
	}
	res, err := h.Monitor.Operations(c.Context(), f, pg)
	if err != nil {
		return err
	}
	if c.Query("format") == "csv" {
		rows := [][]string{{"time", "user", "method", "path", "status", "duration_ms", "ip", "summary"}}
		for _, o := range res.Items {
			rows = append(rows, []string{o.OccurredAt.Format(time.RFC3339), o.UserName, o.Method, o.Path, strconv.Itoa(o.Status),
				strconv.FormatInt(o.DurationMs, 10), o.ClientIP, o.Summary})
		}
		return sendCSV(c, "operlog.csv", rows)
	}
	return list(c, pg, res)
}

func (h *handlers) loginLog(c *fiber.Ctx) error {
	pg, from, to, err := logRange(c)
	if err != nil {
		return err
	}
	f := monitor.LoginFilter{User: c.Query("user"), IP: c.Query("ip"), From: from, To: to}
	switch c.Query("status") {
	case "":
	case "success", "failure":
		ok := c.Query("status") == "success"
		f.Success = &ok
	default:
		return fault.Field("status", "status must be success or failure")
	}
	if c.Query("format") == "csv" {
		pg, _ = page.New(1, page.MaxSize)
	}
	res, err := h.Monitor.Logins(c.Context(), f, pg)
	if err != nil {
		return err
	}
	if c.Query("format") == "csv" {
		rows := [][]string{{"time", "user", "success", "reason", "ip", "client"}}
		for _, l := range res.Items {
			rows = append(rows, []string{l.OccurredAt.Format(time.RFC3339), l.Username, strconv.FormatBool(l.Success), l.Reason, l.ClientIP, l.UserAgent})
		}
		return sendCSV(c, "loginlog.csv", rows)
	}
	return list(c, pg, res)
}

func sendCSV(c *fiber.Ctx, name string, rows [][]string) error {
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	w := bufio.NewWriter(c.Response().BodyWriter())
	w.WriteString("\ufeff")
	for _, r := range rows {
		for i, f := range r {
			if i > 0 {
				w.WriteByte(',')
			}
			if strings.ContainsAny(f, ",\"\r\n") {
				f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
			}
			w.WriteString(f)
		}
		w.WriteByte('\n')
	}
	return w.Flush()
}

func (h *handlers) jobs(c *fiber.Ctx) error {
	list, err := h.Monitor2.Jobs(c.Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []Job{}
	}
	return ok(c, list)
}

func (h *handlers) jobAction(resume, pause bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := h.Monitor2.JobNow(c.Context(), c.Params("key"), resume, pause, h.meta(c)); err != nil {
			return err
		}
		return ok(c, fiber.Map{"key": c.Params("key")})
	}
}

// SessionTracker remembers when each session last made a request on this replica; Flush hands
// the batch over (it becomes one access.sessions_seen fact per interval).
type SessionTracker struct {
	mu   sync.Mutex
	seen map[string]time.Time
	all  sync.Map // session -> time, kept for the online view
}

// NewSessionTracker returns an empty tracker.
func NewSessionTracker() *SessionTracker { return &SessionTracker{seen: map[string]time.Time{}} }

// Touch records a request of a session.
func (t *SessionTracker) Touch(sid string, at time.Time) {
	if sid == "" {
		return
	}
	t.mu.Lock()
	t.seen[sid] = at
	t.mu.Unlock()
	t.all.Store(sid, at)
}

// LastSeen is the last request of a session on this replica.
func (t *SessionTracker) LastSeen(sid string) (time.Time, bool) {
	v, ok := t.all.Load(sid)
	if !ok {
		return time.Time{}, false
	}
	return v.(time.Time), true
}

// Flush returns and clears the batch.
func (t *SessionTracker) Flush() map[string]time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.seen
	t.seen = map[string]time.Time{}
	return out
}
