package httpapi

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	appaccess "assetflow/application/access"
	appcat "assetflow/application/catalog"
	appdsvc "assetflow/application/dataservice"
	appds "assetflow/application/datasource"
	applineage "assetflow/application/lineage"
	"assetflow/application/permission"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
	"assetflow/infrastructure/eventstore"
	"assetflow/infrastructure/secrets"
	accessproj "assetflow/projections/access"
	"assetflow/projections/audit"
	catproj "assetflow/projections/catalog"
	dsvc "assetflow/projections/dataservice"
	dsproj "assetflow/projections/datasource"
	lineageproj "assetflow/projections/lineage"
	"assetflow/projections/monitor"
	"assetflow/projections/runner"
)

// Deps are what the HTTP adapter needs; cmd wires them.
type Deps struct {
	Access      *appaccess.Service
	Datasources *appds.Service
	Collector   *appcat.Collector
	Curator     *appcat.Curator
	Profiler    *appcat.Profiler
	ValidCron   func(string) error
	Queries     *appdsvc.Console
	QueryLog    dsvc.Queries
	Interfaces  *appdsvc.Interfaces
	Gateway     *appdsvc.Gateway
	Sources     appdsvc.Datasources
	ExportFiles appdsvc.ExportFiles
	Recorder    appdsvc.Recorder
	Lineage     *applineage.Service
	Permissions *permission.Service
	LineageQ    lineageproj.Queries
	// Quality feeds the data-quality API.
	Quality QualityDeps
	// Monitor2 feeds the system monitor pages.
	Monitor2 MonitorDeps
	// Integration serves sync tasks and runs; routes are off when its service is nil.
	Integration IntegrationDeps
	// Background is the server's lifetime, for work that outlives a request.
	Background  context.Context
	CatalogQ    catproj.Queries
	DatasourceQ dsproj.Queries
	Users       accessproj.Queries
	Audit       audit.Queries
	Monitor     monitor.Queries
	Tokens      secrets.Tokens
	Waiter      *runner.Waiter
	Store       *eventstore.Store
	Facts       *eventstore.FactAppender
	Codec       *eventstore.Codec
	Metrics     *Metrics
	Ready       func(ctx context.Context) error
	Console     fs.FS // the built console (index.html at its root); nil serves a notice
	NodeID      string
	Version     string
	MaxBody     int
	Now         func() time.Time
}

// New builds the Fiber app with every route.
func New(d Deps) *fiber.App {
	if d.MaxBody == 0 {
		d.MaxBody = 4 << 20
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	app := fiber.New(fiber.Config{
		Immutable:    true, // handlers keep strings past the request (fasthttp reuses buffers)
		ErrorHandler: ErrorHandler,
		// The server reads bodies up to a hard cap so that it can answer an oversize request with
		// the envelope (limitBody); refusing mid-upload would reset the client's connection instead.
		BodyLimit:             16 * d.MaxBody,
		DisableStartupMessage: true,
		ReadTimeout:           60 * time.Second,
		AppName:               "assetflow",
		UnescapePath:          true, // table names in paths may be percent-encoded unicode
	})
	h := &handlers{Deps: d}
	app.Use(recover.New())
	app.Use(h.observe)
	app.Use(h.limitBody)

	app.Get("/healthz", func(c *fiber.Ctx) error { return ok(c, fiber.Map{"status": "up", "node": d.NodeID}) })
	app.Get("/readyz", h.ready)
	app.Get("/metrics", adaptor.HTTPHandler(promhttp.HandlerFor(d.Metrics.Registry, promhttp.HandlerOpts{})))

	api := app.Group("/api", h.operationLog)
	api.Post("/auth/login", newLoginLimiter(20, 3*time.Second).middleware, h.login)
	authed := api.Group("", h.authenticate)
	authed.Post("/auth/logout", h.logout)
	authed.Get("/auth/me", h.me)
	authed.Post("/auth/password", h.changePassword)

	authed.Get("/dashboard/summary", h.dashboard)
	authed.Get("/audit/events", h.auditEvents)
	authed.Get("/audit/event-types", h.auditEventTypes)
	authed.Get("/monitor/operation-logs", h.operationLogs)

	authed.Get("/system/roles", h.roles)
	authed.Get("/system/api-keys", h.listAPIKeys)
	authed.Post("/system/api-keys", h.createAPIKey)
	authed.Delete("/system/api-keys/:id", h.revokeAPIKey)

	h.datasourceRoutes(authed)
	h.catalogRoutes(authed)
	h.dataserviceRoutes(authed)
	h.interfaceRoutes(authed)
	h.monitorRoutes(authed)
	h.lineageRoutes(authed)
	h.permissionRoutes(authed)
	h.qualityRoutes(authed)

	authed.Get("/system/demo", h.demoStatus)
	authed.Post("/system/demo/remove", h.requireAdmin, h.removeDemo)
	h.integrationRoutes(authed)

	admin := authed.Group("/system/users", h.requireAdmin)
	admin.Get("", h.listUsers)
	admin.Post("", h.createUser)
	admin.Get("/:id", h.getUser)
	admin.Put("/:id", h.updateUser)
	admin.Post("/:id/disable", h.disableUser)
	admin.Post("/:id/enable", h.enableUser)
	admin.Post("/:id/reset-password", h.resetPassword)

	api.Use(func(c *fiber.Ctx) error { return fault.NotFound("API route", c.Method()+" "+c.Path()) })

	app.Get("/data-api/openapi.json", h.openAPI)
	app.Options("/data-api/:code", h.gatewayPreflight)
	app.Get("/data-api/:code", h.gateway)
	app.Post("/data-api/:code", h.gateway)
	h.console(app)
	return app
}

type handlers struct {
	Deps
	keyCache sync.Map // API key -> keyEntry (gateway only)
}

// limitBody rejects bodies over MaxBody with a 400 in the envelope.
func (h *handlers) limitBody(c *fiber.Ctx) error {
	if n := len(c.Body()); n > h.MaxBody {
		return fault.Invalid(fmt.Sprintf("request body is too large (%d bytes; the limit is %d)", n, h.MaxBody))
	}
	return c.Next()
}

// observe records latency per route and sets the correlation id.
func (h *handlers) observe(c *fiber.Ctx) error {
	start := time.Now()
	cid := c.Get("X-Request-Id")
	if cid == "" || len(cid) > 64 {
		cid = uuid.NewString()
	}
	c.Locals(localCorrelation, cid)
	c.Set("X-Request-Id", cid)
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		var fe *fiber.Error
		if fault.KindOf(err) != fault.KindInternal {
			status = Status(fault.KindOf(err))
		} else if ok := asFiber(err, &fe); ok {
			status, _, _ = fiberError(fe)
		} else {
			status = 500
		}
	}
	route := c.Route().Path
	if !strings.HasPrefix(route, "/api") && !strings.HasPrefix(route, "/healthz") && !strings.HasPrefix(route, "/readyz") && !strings.HasPrefix(route, "/metrics") {
		route = "console"
	}
	h.Metrics.HTTPDuration.WithLabelValues(route, c.Method(), strconv.Itoa(status/100)+"xx").Observe(time.Since(start).Seconds())
	return err
}

func (h *handlers) ready(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.Context(), 3*time.Second)
	defer cancel()
	if err := h.Ready(ctx); err != nil {
		return c.Status(http.StatusServiceUnavailable).JSON(errBody{Code: "NOT_READY", Message: err.Error(), Details: []fault.Detail{}})
	}
	return ok(c, fiber.Map{"status": "ready", "node": h.NodeID})
}

// meta builds event metadata for a command from the request.
func (h *handlers) meta(c *fiber.Ctx) es.Metadata {
	m := es.Metadata{ClientIP: c.IP(), CorrelationID: correlation(c)}
	if p, ok := principalOf(c); ok {
		m.ActorID, m.ActorName = p.UserID, p.Username
	}
	return m
}

// await gives read-your-writes: wait (bounded) until the projections read next applied ref.
func (h *handlers) await(c *fiber.Ctx, ref es.Ref, projections ...string) {
	done, err := h.Waiter.Await(c.Context(), ref, projections...)
	if err != nil || !done {
		slog.Warn("read model not caught up within the bound", "stream", ref.StreamID, "version", ref.Version, "err", err)
		c.Set("X-AssetFlow-Consistency", "eventual")
	}
	c.Set("X-AssetFlow-Stream", ref.StreamID)
	c.Set("X-AssetFlow-Version", strconv.Itoa(ref.Version))
}

// awaitPosition honours ?min_position=N on queries: the answer reflects at least that event.
func (h *handlers) awaitPosition(c *fiber.Ctx, projection string) error {
	v := c.Query("min_position")
	if v == "" {
		return nil
	}
	pos, err := strconv.ParseInt(v, 10, 64)
	if err != nil || pos < 1 {
		return fault.Field("min_position", "min_position must be a positive integer")
	}
	e, err := h.Store.EventAt(c.Context(), pos)
	if err != nil {
		return err
	}
	if h.Waiter.Passes(projection, e.Type) {
		return nil
	}
	h.await(c, es.Ref{StreamID: e.StreamID, Version: e.Version}, projection)
	return nil
}

func (h *handlers) console(app *fiber.App) {
	if h.Console == nil {
		app.Get("/", func(c *fiber.Ctx) error {
			c.Type("html")
			return c.SendString("<!doctype html><title>AssetFlow</title><p>The console is not built. Run <code>make webui</code> and restart, or use the API under /api.</p>")
		})
		return
	}
	app.Use("/", filesystem.New(filesystem.Config{Root: http.FS(h.Console), Index: "index.html", NotFoundFile: "index.html", MaxAge: 0}))
}
