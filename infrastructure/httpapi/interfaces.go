package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	appdsvc "assetflow/application/dataservice"
	"assetflow/domain/access"
	domain "assetflow/domain/dataservice"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
	accessproj "assetflow/projections/access"
	dsvc "assetflow/projections/dataservice"
)

func (h *handlers) interfaceRoutes(r fiber.Router) {
	read, manage := h.require(access.PermRead), h.require(access.PermManageAssets)
	r.Get("/dataservice/reports", read, h.listReports)
	r.Post("/dataservice/reports", manage, h.saveReport)
	r.Put("/dataservice/reports/:id", manage, h.saveReport)
	r.Delete("/dataservice/reports/:id", manage, h.deleteReport)
	r.Get("/dataservice/interfaces", read, h.listInterfaces)
	r.Post("/dataservice/interfaces", manage, h.createInterface)
	r.Post("/dataservice/interfaces/import", manage, h.importInterfaces)
	r.Get("/dataservice/interfaces/export", read, h.exportInterfaces)
	r.Post("/dataservice/interfaces/test", manage, h.testDefinition)
	r.Get("/dataservice/interfaces/:code", read, h.getInterface)
	r.Get("/dataservice/interfaces/:code/versions", read, h.interfaceVersions)
	r.Put("/dataservice/interfaces/:code", manage, h.updateInterface)
	r.Delete("/dataservice/interfaces/:code", manage, h.deleteInterface)
	r.Post("/dataservice/interfaces/:code/test", manage, h.testInterface)
	r.Post("/dataservice/interfaces/:code/publish", manage, h.interfaceStatus("active"))
	r.Post("/dataservice/interfaces/:code/deprecate", manage, h.interfaceStatus("deprecated"))
	r.Post("/dataservice/interfaces/:code/disable", manage, h.interfaceStatus("disabled"))
	r.Post("/dataservice/interfaces/:code/copy", manage, h.copyInterface)
	r.Get("/dataservice/calls", read, h.listCalls)
	r.Get("/dataservice/interfaces/:code/metrics", read, h.interfaceMetrics)
}

func (h *handlers) listReports(c *fiber.Ctx) error {
	list, err := h.QueryLog.Reports(c.Context())
	if err != nil {
		return err
	}
	return ok(c, list)
}

func (h *handlers) saveReport(c *fiber.Ctx) error {
	var in appdsvc.ReportInput
	if err := bind(c, &in); err != nil {
		return err
	}
	ref, err := h.Interfaces.SaveReport(c.Context(), c.Params("id"), in, h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, dsvc.Name)
	status := fiber.StatusOK
	if c.Params("id") == "" {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(okBody{Code: "OK", Message: "saved", Success: true, Data: fiber.Map{"id": ref.StreamID}})
}

func (h *handlers) deleteReport(c *fiber.Ctx) error {
	ref, err := h.Interfaces.DeleteReport(c.Context(), c.Params("id"), h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, dsvc.Name)
	return ok(c, nil)
}

func (h *handlers) listInterfaces(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	res, err := h.QueryLog.Interfaces(c.Context(), dsvc.InterfaceFilter{Keyword: c.Query("keyword"), Status: c.Query("status"),
		ReportID: c.Query("report_id"), DatasourceID: c.Query("datasource_id")}, pg)
	if err != nil {
		return err
	}
	return list(c, pg, res)
}

func (h *handlers) getInterface(c *fiber.Ctx) error {
	row, err := h.QueryLog.Interface(c.Context(), c.Params("code"), c.Query("version"))
	if err != nil {
		return err
	}
	return ok(c, row)
}

func (h *handlers) interfaceVersions(c *fiber.Ctx) error {
	vs, err := h.QueryLog.Versions(c.Context(), c.Params("code"))
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		return fault.NotFound("interface", c.Params("code"))
	}
	return ok(c, vs)
}

// interfaceAnswer waits for the read model and answers with the version.
func (h *handlers) interfaceAnswer(c *fiber.Ctx, ref eventRef, code, version string, status int) error {
	h.await(c, ref, dsvc.Name)
	h.Gateway.Forget(code)
	row, err := h.QueryLog.Interface(c.Context(), code, version)
	if err != nil {
		return err
	}
	return c.Status(status).JSON(okBody{Code: "OK", Message: "ok", Success: true, Data: row})
}

func (h *handlers) createInterface(c *fiber.Ctx) error {
	var def domain.Definition
	if err := bind(c, &def); err != nil {
		return err
	}
	ref, err := h.Interfaces.Create(c.Context(), def, h.meta(c))
	if err != nil {
		return err
	}
	return h.interfaceAnswer(c, ref, strings.TrimSpace(def.Code), versionOr(def.Version), fiber.StatusCreated)
}

func versionOr(v string) string {
	if strings.TrimSpace(v) == "" {
		return "1.0.0"
	}
	return strings.TrimSpace(v)
}

// targetVersion is ?version=, or the version callers currently reach.
func (h *handlers) targetVersion(c *fiber.Ctx) (string, error) {
	if v := c.Query("version"); v != "" {
		return v, nil
	}
	row, err := h.QueryLog.Interface(c.Context(), c.Params("code"), "")
	return row.Version, err
}

func (h *handlers) updateInterface(c *fiber.Ctx) error {
	var def domain.Definition
	if err := bind(c, &def); err != nil {
		return err
	}
	version, err := h.targetVersion(c)
	if err != nil {
		return err
	}
	ref, err := h.Interfaces.Update(c.Context(), c.Params("code"), version, def, h.meta(c))
	if err != nil {
		return err
	}
	return h.interfaceAnswer(c, ref, c.Params("code"), version, fiber.StatusOK)
}

func (h *handlers) interfaceStatus(status string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		version, err := h.targetVersion(c)
		if err != nil {
			return err
		}
		ref, err := h.Interfaces.SetStatus(c.Context(), c.Params("code"), version, status, h.meta(c))
		if err != nil {
			return err
		}
		return h.interfaceAnswer(c, ref, c.Params("code"), version, fiber.StatusOK)
	}
}

func (h *handlers) deleteInterface(c *fiber.Ctx) error {
	version, err := h.targetVersion(c)
	if err != nil {
		return err
	}
	ref, err := h.Interfaces.SetStatus(c.Context(), c.Params("code"), version, "deleted", h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, dsvc.Name)
	h.Gateway.Forget(c.Params("code"))
	return ok(c, nil)
}

func (h *handlers) copyInterface(c *fiber.Ctx) error {
	var body struct {
		Code    string `json:"code"`
		Version string `json:"version"`
	}
	if len(c.Body()) > 0 {
		if err := bind(c, &body); err != nil {
			return err
		}
	}
	from, err := h.targetVersion(c)
	if err != nil {
		return err
	}
	ref, err := h.Interfaces.Copy(c.Context(), c.Params("code"), from, body.Code, body.Version, h.meta(c))
	if err != nil {
		return err
	}
	code, version, _ := strings.Cut(strings.TrimPrefix(ref.StreamID, "iface-"), "@")
	return h.interfaceAnswer(c, ref, code, version, fiber.StatusCreated)
}

// importInterfaces creates every definition of a JSON array (as exported), reporting each result.
func (h *handlers) importInterfaces(c *fiber.Ctx) error {
	var defs []domain.Definition
	if err := bind(c, &defs); err != nil {
		return err
	}
	type result struct {
		Code    string         `json:"code"`
		Version string         `json:"version"`
		Created bool           `json:"created"`
		Error   string         `json:"error,omitempty"`
		Details []fault.Detail `json:"details,omitempty"`
	}
	out := make([]result, 0, len(defs))
	var refs []es.Ref
	for _, d := range defs {
		r := result{Code: d.Code, Version: versionOr(d.Version)}
		ref, err := h.Interfaces.Create(c.Context(), d, h.meta(c))
		if err != nil {
			r.Error = err.Error()
			var fe *fault.Error
			if errors.As(err, &fe) {
				r.Details = fe.Details
			}
		} else {
			r.Created = true
			refs = append(refs, ref)
		}
		out = append(out, r)
	}
	// The list shows the imported versions as soon as the answer arrives.
	if len(refs) > 0 {
		if done, err := h.Waiter.AwaitAll(c.Context(), refs, dsvc.Name); err != nil || !done {
			c.Set("X-AssetFlow-Consistency", "eventual")
		}
	}
	return ok(c, out)
}

// exportInterfaces answers every definition as JSON (for import elsewhere), or as an Excel
// workbook of definitions and their fields with ?format=xlsx.
func (h *handlers) exportInterfaces(c *fiber.Ctx) error {
	pg, _ := pageOfDefault(500)
	res, err := h.QueryLog.Interfaces(c.Context(), dsvc.InterfaceFilter{ReportID: c.Query("report_id")}, pg)
	if err != nil {
		return err
	}
	defs := make([]domain.Definition, len(res.Items))
	for i, r := range res.Items {
		defs[i] = r.Definition
	}
	if c.Query("format") == "xlsx" {
		book, err := interfacesWorkbook(res.Items)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="interfaces-`+time.Now().UTC().Format("20060102")+`.xlsx"`)
		return c.Send(book)
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="interfaces.json"`)
	return c.JSON(defs)
}

type tryRun struct {
	Params   map[string]any `json:"params"`
	Version  string         `json:"version"`
	Page     int            `json:"page"`
	PageSize int            `json:"page_size"`
}

func (h *handlers) runTry(c *fiber.Ctx, def domain.Definition, in tryRun) error {
	start := time.Now()
	headers := map[string]string{}
	input := appdsvc.CallInput{Query: map[string][]string{}, Body: in.Params, Path: map[string]string{},
		Header: func(name string) (string, bool) { v, ok := headers[strings.ToLower(name)]; return v, ok }}
	// A try-run gives every parameter in one object; path and header parameters go where a
	// caller would send them.
	for _, p := range def.Parameters {
		v, ok := in.Params[p.Name]
		if !ok || v == nil {
			continue
		}
		switch p.In {
		case "path":
			input.Path[p.Name] = fmt.Sprint(v)
		case "header":
			headers[strings.ToLower(p.Name)] = fmt.Sprint(v)
		}
	}
	params, err := appdsvc.Validate(def.Parameters, input)
	if err != nil {
		return err
	}
	if in.Page > 0 {
		params["page"] = int64(in.Page)
	}
	if in.PageSize > 0 {
		params["pageSize"] = int64(in.PageSize)
	}
	who := h.caller(c)
	resp, err := appdsvc.Execute(c.Context(), h.Sources, def, params, func(ctx context.Context, sql string) (string, error) {
		return h.Queries.Guard(ctx, who, def.DatasourceID, def.Database, sql, false)
	})
	if err != nil {
		return err
	}
	return ok(c, fiber.Map{"data": resp.Data, "columns": resp.Columns, "meta": resp.Meta, "elapsed_ms": time.Since(start).Milliseconds(),
		"statement": resp.Statement, "args": resp.Args})
}

// testInterface try-runs a stored version (any status) with parameters.
func (h *handlers) testInterface(c *fiber.Ctx) error {
	var in tryRun
	if len(c.Body()) > 0 {
		if err := bind(c, &in); err != nil {
			return err
		}
	}
	row, err := h.QueryLog.Interface(c.Context(), c.Params("code"), in.Version)
	if err != nil {
		return err
	}
	return h.runTry(c, row.Definition, in)
}

// testDefinition try-runs an unsaved definition (the edit page's 试运行).
func (h *handlers) testDefinition(c *fiber.Ctx) error {
	var body struct {
		Definition domain.Definition `json:"definition"`
		tryRun
	}
	if err := bind(c, &body); err != nil {
		return err
	}
	def, err := body.Definition.Normalize()
	if err != nil {
		return err
	}
	return h.runTry(c, def, body.tryRun)
}

func (h *handlers) listCalls(c *fiber.Ctx) error {
	pg, from, to, err := pageAndRange(c)
	if err != nil {
		return err
	}
	status := 0
	switch c.Query("status") {
	case "":
	case "success":
		status = 1
	case "error":
		status = 2
	default:
		return fault.Field("status", "status must be success or error")
	}
	res, err := h.QueryLog.Calls(c.Context(), dsvc.CallFilter{Code: c.Query("code"), Caller: c.Query("caller"), Status: status, From: from, To: to}, pg)
	if err != nil {
		return err
	}
	return list(c, pg, res)
}

func (h *handlers) interfaceMetrics(c *fiber.Ctx) error {
	from, err1 := timeQuery(c, "from")
	to, err2 := timeQuery(c, "to")
	if err := joinErr(err1, err2); err != nil {
		return err
	}
	if to.IsZero() {
		to = h.Now().UTC()
	}
	if from.IsZero() {
		from = to.Add(-time.Hour)
	}
	step := time.Minute
	if s := c.Query("step_seconds"); s != "" {
		n, err := queryInt(c, "step_seconds")
		if err != nil || n < 1 || n > 86400 {
			return fault.Field("step_seconds", "step_seconds must be 1-86400")
		}
		step = time.Duration(n) * time.Second
	}
	code := c.Params("code")
	if code == "_all" {
		code = ""
	}
	points, err := h.QueryLog.Metrics(c.Context(), code, from, to, step)
	if err != nil {
		return err
	}
	return ok(c, points)
}

// gateway serves /data-api/:code.
func (h *handlers) gateway(c *fiber.Ctx) error {
	code := c.Params("code")
	in := appdsvc.CallInput{Version: c.Query("version"), Query: map[string][]string{}, Body: map[string]any{},
		Path: map[string]string{"code": code}, Export: c.Query("format") == "csv", Header: func(name string) (string, bool) {
			v := c.Request().Header.Peek(name)
			return string(v), v != nil
		}}
	for k, v := range c.Queries() {
		if k != "format" && k != "version" {
			in.Query[k] = []string{v}
		}
	}
	if c.Method() == fiber.MethodPost && len(c.Body()) > 0 {
		dec := json.NewDecoder(strings.NewReader(string(c.Body())))
		if err := dec.Decode(&in.Body); err != nil {
			return fault.Invalid("the request body must be a JSON object")
		}
	}
	who := appdsvc.CallerInfo{ClientIP: c.IP()}
	if c.Get("X-API-Key") != "" || c.Get(fiber.HeaderAuthorization) != "" {
		p, err := h.gatewayPrincipal(c)
		if err != nil {
			who.AuthErr = err
		} else {
			who.Authenticated, who.APIKey, who.UserID, who.Name, who.Roles = true, p.APIKeyID != "", p.UserID, p.Username, p.Roles
		}
	}
	h.cors(c, code)
	start := time.Now()
	resp, err := h.Gateway.Call(c.Context(), code, in, who)
	status, cache := fiber.StatusOK, "miss"
	if err != nil {
		status = Status(fault.KindOf(err))
	} else if resp.CacheHit {
		cache = "hit"
	}
	label := code
	if status == fiber.StatusNotFound {
		label = "_unknown" // unknown codes must not grow the series without bound
	}
	h.Metrics.APICalls.WithLabelValues(label, resp.Version, strconv.Itoa(status), cache).Inc()
	h.Metrics.APILatency.WithLabelValues(label).Observe(time.Since(start).Seconds())
	if err != nil {
		return err
	}
	c.Set("X-Interface-Version", resp.Version)
	if in.Export {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+code+`.csv"`)
		return resp.WriteCSV(c.Response().BodyWriter())
	}
	if resp.CacheHit {
		c.Set("X-Cache", "HIT")
	} else {
		c.Set("X-Cache", "MISS")
	}
	if resp.Body != nil {
		// The envelope around the rows encoded once by the gateway (and cached with them).
		out := make([]byte, 0, len(resp.Body)+160)
		out = append(out, `{"code":"OK","message":"ok","success":true,"data":`...)
		out = append(out, resp.Body...)
		if resp.Meta != nil {
			meta, err := json.Marshal(resp.Meta)
			if err != nil {
				return err
			}
			out = append(append(out, `,"meta":`...), meta...)
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(append(out, '}'))
	}
	body := okBody{Code: "OK", Message: "ok", Success: true, Data: resp.Data}
	if resp.Meta != nil {
		return c.JSON(struct {
			okBody
			Meta *appdsvc.PageMeta `json:"meta"`
		}{okBody: body, Meta: resp.Meta})
	}
	return c.JSON(body)
}

// cors answers browsers from the interface's allowed origins.
func (h *handlers) cors(c *fiber.Ctx, code string) {
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		return
	}
	row, err := h.QueryLog.Interface(c.Context(), code, c.Query("version"))
	if err != nil || row.Definition.CORS == nil {
		return
	}
	for _, o := range row.Definition.CORS.AllowedOrigins {
		if o == "*" || o == origin {
			c.Set(fiber.HeaderAccessControlAllowOrigin, origin)
			c.Set(fiber.HeaderAccessControlAllowHeaders, "Authorization, X-API-Key, Content-Type")
			c.Set(fiber.HeaderAccessControlAllowMethods, "GET, POST, OPTIONS")
			c.Set(fiber.HeaderVary, "Origin")
			return
		}
	}
}

func (h *handlers) gatewayPreflight(c *fiber.Ctx) error {
	h.cors(c, c.Params("code"))
	return c.SendStatus(fiber.StatusNoContent)
}

// apiKeyTTL is how long the gateway trusts a resolved API key: a revoked key stops working within it.
const apiKeyTTL = time.Second

type keyEntry struct {
	p       accessproj.Principal
	expires time.Time
}

// gatewayPrincipal resolves the caller, remembering API keys for apiKeyTTL: report APIs are called
// by programs at high rates, and one lookup per call would cost more than the query.
func (h *handlers) gatewayPrincipal(c *fiber.Ctx) (accessproj.Principal, error) {
	key := c.Get("X-API-Key")
	if key == "" {
		return h.resolvePrincipal(c)
	}
	now := h.Now()
	if v, ok := h.keyCache.Load(key); ok && now.Before(v.(keyEntry).expires) {
		return v.(keyEntry).p, nil
	}
	p, err := h.resolvePrincipal(c)
	if err == nil {
		h.keyCache.Store(key, keyEntry{p: p, expires: now.Add(apiKeyTTL)})
	}
	return p, err
}
