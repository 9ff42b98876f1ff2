package httpapi

import (
	"bufio"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	appdsvc "assetflow/application/dataservice"
	"assetflow/domain/access"
	"assetflow/domain/fault"
	catproj "assetflow/projections/catalog"
	dsvc "assetflow/projections/dataservice"
)

func (h *handlers) dataserviceRoutes(r fiber.Router) {
	query, read := h.require(access.PermQuery), h.require(access.PermRead)
	r.Post("/dataservice/query", query, h.runQuery)
	r.Post("/dataservice/query/cancel", query, h.cancelQuery)
	r.Post("/dataservice/query/export", query, h.exportQuery)
	r.Get("/dataservice/completions", query, h.completions)
	r.Get("/dataservice/query-log", read, h.queryLog)
	r.Post("/dataservice/exports", query, h.startExport)
	r.Get("/dataservice/exports", query, h.listExports)
	r.Get("/dataservice/exports/:id", query, h.getExport)
	r.Get("/dataservice/exports/:id/download", query, h.downloadExport)
}

func (h *handlers) caller(c *fiber.Ctx) appdsvc.Caller {
	p, _ := principalOf(c)
	return appdsvc.Caller{UserID: p.UserID, UserName: p.Username, Roles: p.Roles, Admin: hasRole(p, access.RoleAdmin), Meta: h.meta(c)}
}

func (h *handlers) runQuery(c *fiber.Ctx) error {
	var req appdsvc.Request
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.MaxRows != 0 {
		return fault.Field("max_rows", "max_rows applies to exports only")
	}
	res, err := h.Queries.Run(c.Context(), req, h.caller(c))
	if err != nil {
		return err
	}
	return ok(c, res)
}

func (h *handlers) cancelQuery(c *fiber.Ctx) error {
	var body struct {
		QueryID string `json:"query_id"`
	}
	if err := bind(c, &body); err != nil {
		return err
	}
	found, err := h.Queries.Cancel(c.Context(), body.QueryID)
	if err != nil {
		return err
	}
	return ok(c, fiber.Map{"cancelled": found, "requested": true})
}

func (h *handlers) exportQuery(c *fiber.Ctx) error {
	var req appdsvc.Request
	if err := bind(c, &req); err != nil {
		return err
	}
	exp, err := h.Queries.Export(c.Context(), req, h.caller(c))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+exp.Filename+`"`)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if err := exp.WriteCSV(w); err != nil {
			slog.Warn("export stopped", "err", err)
		}
	})
	return nil
}

func (h *handlers) completions(c *fiber.Ctx) error {
	ds := c.Query("datasource_id")
	if ds == "" {
		return fault.Field("datasource_id", "datasource_id is required")
	}
	dbs, err := h.Datasources.Databases(c.Context(), ds)
	if err != nil && fault.KindOf(err) == fault.KindNotFound {
		return err
	}
	viewer := h.viewer(c)
	tables, err := h.CatalogQ.Completions(c.Context(), ds, c.Query("database"), 2000, viewer)
	if err != nil {
		return err
	}
	if len(tables) == 0 && viewer == nil { // nothing collected yet: ask the source (never for restricted users)
		tables, err = h.liveCompletions(c, ds, c.Query("database"))
		if err != nil {
			return err
		}
	}
	return ok(c, fiber.Map{"databases": dbs, "tables": tables})
}

func (h *handlers) liveCompletions(c *fiber.Ctx, ds, db string) ([]catproj.CompletionTable, error) {
	conn, _, err := h.Datasources.Open(c.Context(), ds)
	if err != nil {
		return nil, err
	}
	infos, err := conn.ListTablesInfo(c.Context(), db)
	if err != nil {
		return nil, err
	}
	cols, err := conn.ListColumns(c.Context(), db)
	if err != nil {
		return nil, err
	}
	byTable := map[string][]catproj.CompletionColumn{}
	for _, col := range cols {
		byTable[col.Table] = append(byTable[col.Table], catproj.CompletionColumn{Name: col.Name, Type: col.Type, Comment: col.Comment})
	}
	out := make([]catproj.CompletionTable, 0, min(len(infos), 2000))
	for _, t := range infos {
		if len(out) == 2000 {
			break
		}
		out = append(out, catproj.CompletionTable{Name: t.Name, Schema: t.Schema, Database: t.Database, Comment: t.Comment, Columns: byTable[t.Name]})
	}
	return out, nil
}

func (h *handlers) queryLog(c *fiber.Ctx) error {
	pg, from, to, err := pageAndRange(c)
	if err != nil {
		return err
	}
	status := c.Query("status")
	switch status {
	case "", "succeeded", "failed", "cancelled":
	default:
		return fault.Field("status", "status must be succeeded, failed or cancelled")
	}
	f := dsvc.Filter{User: c.Query("user"), DatasourceID: c.Query("datasource_id"), Status: status, Q: c.Query("q"), From: from, To: to}
	if p, _ := principalOf(c); !hasRole(p, access.RoleAdmin) {
		f.UserID, f.User = p.UserID, "" // everyone else sees their own history
	}
	if err := h.awaitPosition(c, dsvc.Name); err != nil {
		return err
	}
	res, err := h.QueryLog.List(c.Context(), f, pg)
	if err != nil {
		return err
	}
	return list(c, pg, res)
}

func (h *handlers) startExport(c *fiber.Ctx) error {
	var req appdsvc.Request
	if err := bind(c, &req); err != nil {
		return err
	}
	id, ref, err := h.Queries.StartBackgroundExport(c.Context(), req, h.caller(c), h.ExportFiles, h.Recorder, h.Background)
	if err != nil {
		return err
	}
	h.await(c, ref, dsvc.Name)
	return c.Status(fiber.StatusAccepted).JSON(okBody{Code: "OK", Message: "export started", Success: true,
		Data: fiber.Map{"export_id": id, "download_url": "/api/dataservice/exports/" + id + "/download"}})
}

// ownExport returns an export the caller may see: their own, or any for admins.
func (h *handlers) ownExport(c *fiber.Ctx) (dsvc.ExportJob, error) {
	j, err := h.QueryLog.Export(c.Context(), c.Params("id"))
	if err != nil {
		return j, err
	}
	if p, _ := principalOf(c); j.UserID != p.UserID && !hasRole(p, access.RoleAdmin) {
		return j, fault.NotFound("export", c.Params("id"))
	}
	return j, nil
}

func (h *handlers) getExport(c *fiber.Ctx) error {
	j, err := h.ownExport(c)
	if err != nil {
		return err
	}
	return ok(c, j)
}

func (h *handlers) listExports(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	p, _ := principalOf(c)
	owner := p.UserID
	if hasRole(p, access.RoleAdmin) {
		owner = ""
	}
	res, err := h.QueryLog.Exports(c.Context(), owner, pg)
	if err != nil {
		return err
	}
	return list(c, pg, res)
}

func (h *handlers) downloadExport(c *fiber.Ctx) error {
	j, err := h.ownExport(c)
	if err != nil {
		return err
	}
	if j.Status != "succeeded" {
		return fault.Conflict("the export is " + j.Status + "; download it once it succeeded")
	}
	r, err := h.ExportFiles.Open(c.Context(), j.ID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+j.ID+`.csv"`)
	return c.SendStream(r, int(j.Bytes))
}
