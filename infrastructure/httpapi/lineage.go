package httpapi

import (
	"github.com/gofiber/fiber/v2"

	applineage "assetflow/application/lineage"
	"assetflow/domain/access"
	"assetflow/domain/fault"
	lineageproj "assetflow/projections/lineage"
)

func (h *handlers) lineageRoutes(r fiber.Router) {
	r.Post("/lineage/etl-logs", h.require(access.PermManageAssets), h.ingestETLLog)
	r.Post("/lineage/parse", h.require(access.PermRead), h.parseLineage)
	r.Get("/lineage/graph", h.require(access.PermRead), h.lineageGraph)
}

// ingestETLLog records the lineage of a job's SQL; the job's earlier edges it no longer asserts
// are retired. 201 when edges changed, 200 when the job asserts what it asserted before.
func (h *handlers) ingestETLLog(c *fiber.Ctx) error {
	var in applineage.ETLLog
	if err := bind(c, &in); err != nil {
		return err
	}
	res, err := h.Lineage.IngestETL(c.Context(), in, h.meta(c))
	if err != nil {
		return err
	}
	if res.Unchanged {
		return ok(c, res)
	}
	h.await(c, res.Ref, lineageproj.Name)
	return created(c, res)
}

// parseLineage analyses SQL without recording it (the console's preview).
func (h *handlers) parseLineage(c *fiber.Ctx) error {
	var in struct {
		Dialect       string `json:"dialect"`
		DefaultSchema string `json:"default_schema"`
		SQL           string `json:"sql"`
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	if in.Dialect == "" {
		return fault.Field("dialect", "required")
	}
	res, err := h.Lineage.Preview(in.Dialect, in.DefaultSchema, in.SQL)
	if err != nil && fault.KindOf(err) == fault.KindInvalid {
		return err
	}
	// Unparsable statements are reported in the answer's errors, next to what did parse.
	return ok(c, res)
}

func (h *handlers) lineageGraph(c *fiber.Ctx) error {
	depth, err := queryInt(c, "depth")
	if err != nil {
		return err
	}
	g, err := h.LineageQ.Graph(c.Context(), lineageproj.GraphQuery{
		Node: c.Query("node"), Direction: c.Query("direction"), Depth: depth, Level: c.Query("level"),
	})
	if err != nil {
		return err
	}
	return ok(c, g)
}
