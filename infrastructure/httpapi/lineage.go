package httpapi

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	applineage "assetflow/application/lineage"
	"assetflow/domain/access"
	"assetflow/domain/fault"
	catproj "assetflow/projections/catalog"
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
	if v := h.viewer(c); v != nil {
		if g, err = h.restrictGraph(c, g, v); err != nil {
			return err
		}
	}
	return ok(c, g)
}

// restrictGraph keeps the shape of a lineage graph for a restricted user but not the names of
// tables they may not see: such nodes become "restricted:<n>" (the paths through them stay).
func (h *handlers) restrictGraph(c *fiber.Ctx, g lineageproj.Graph, v *catproj.Viewer) (lineageproj.Graph, error) {
	var ids []string
	for _, n := range g.Nodes {
		if n.CatalogTableID != "" {
			ids = append(ids, n.CatalogTableID)
		}
	}
	if len(ids) == 0 {
		return g, nil
	}
	visible, err := h.CatalogQ.VisibleIDs(c.Context(), ids, v)
	if err != nil {
		return g, err
	}
	renamed := map[string]string{}
	for i, n := range g.Nodes {
		if n.CatalogTableID == "" || visible[n.CatalogTableID] {
			continue
		}
		if n.ID == g.Node || n.Table == g.Node {
			return g, fault.NotFound("lineage node", g.Node)
		}
		renamed[n.ID] = fmt.Sprintf("restricted:%d", len(renamed)+1)
		g.Nodes[i] = lineageproj.Node{ID: renamed[n.ID], Depth: n.Depth}
	}
	for i, e := range g.Edges {
		from, hideFrom := renamed[e.From]
		to, hideTo := renamed[e.To]
		if hideFrom {
			g.Edges[i].From = from
		}
		if hideTo {
			g.Edges[i].To = to
		}
		if hideFrom || hideTo {
			g.Edges[i].Origins = []string{} // job names would tell what the hidden table is
		}
	}
	return g, nil
}
