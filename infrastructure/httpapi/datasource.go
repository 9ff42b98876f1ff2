package httpapi

import (
	"github.com/gofiber/fiber/v2"

	appds "assetflow/application/datasource"
	"assetflow/domain/access"
	domain "assetflow/domain/datasource"
	"assetflow/domain/fault"
	dsproj "assetflow/projections/datasource"
)

func (h *handlers) datasourceRoutes(r fiber.Router) {
	read, manage := h.require(access.PermRead), h.require(access.PermManageAssets)
	r.Get("/datasources/types", read, h.datasourceTypes)
	r.Get("/datasources", read, h.listDatasources)
	r.Post("/datasources", manage, h.createDatasource)
	r.Post("/datasources/test", manage, h.testDatasourceInput)
	r.Get("/datasources/:id", read, h.getDatasource)
	r.Put("/datasources/:id", manage, h.updateDatasource)
	r.Delete("/datasources/:id", manage, h.removeDatasource)
	r.Post("/datasources/:id/test", manage, h.testDatasource)
	r.Get("/datasources/:id/databases", read, h.datasourceDatabases)
	r.Get("/datasources/:id/tables", read, h.datasourceTables)
	r.Get("/datasources/:id/tables/:table/schema", read, h.datasourceSchema)
}

func (h *handlers) datasourceTypes(c *fiber.Ctx) error { return ok(c, domain.Types) }

func (h *handlers) listDatasources(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	if err := h.awaitPosition(c, dsproj.Name); err != nil {
		return err
	}
	res, err := h.DatasourceQ.List(c.Context(), dsproj.Filter{Keyword: c.Query("keyword"), Type: c.Query("type")}, pg)
	if err != nil {
		return err
	}
	return list(c, pg, res)
}

func (h *handlers) getDatasource(c *fiber.Ctx) error {
	d, err := h.DatasourceQ.Get(c.Context(), c.Params("id"))
	if err != nil {
		return err
	}
	return ok(c, d)
}

func (h *handlers) createDatasource(c *fiber.Ctx) error {
	var in appds.Input
	if err := bind(c, &in); err != nil {
		return err
	}
	ref, err := h.Datasources.Register(c.Context(), in, h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, dsproj.Name)
	d, err := h.DatasourceQ.Get(c.Context(), ref.StreamID)
	if err != nil {
		return err
	}
	return created(c, d)
}

func (h *handlers) updateDatasource(c *fiber.Ctx) error {
	var in appds.Input
	if err := bind(c, &in); err != nil {
		return err
	}
	ref, err := h.Datasources.Update(c.Context(), c.Params("id"), in, h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, dsproj.Name)
	return h.getDatasource(c)
}

func (h *handlers) removeDatasource(c *fiber.Ctx) error {
	cascade := c.Query("cascade")
	if cascade != "" && cascade != "true" && cascade != "false" {
		return fault.Field("cascade", "cascade must be true or false")
	}
	ref, err := h.Datasources.Remove(c.Context(), c.Params("id"), cascade == "true", h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, dsproj.Name)
	return ok(c, nil)
}

func (h *handlers) testDatasource(c *fiber.Ctx) error {
	res, ref, err := h.Datasources.Test(c.Context(), c.Params("id"), h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, dsproj.Name)
	return ok(c, res)
}

func (h *handlers) testDatasourceInput(c *fiber.Ctx) error {
	var body struct {
		appds.Input
		ID string `json:"id"`
	}
	if err := bind(c, &body); err != nil {
		return err
	}
	res, err := h.Datasources.TestInput(c.Context(), body.ID, body.Input)
	if err != nil {
		return err
	}
	return ok(c, res)
}

func (h *handlers) datasourceDatabases(c *fiber.Ctx) error {
	dbs, err := h.Datasources.Databases(c.Context(), c.Params("id"))
	if err != nil {
		return err
	}
	return ok(c, dbs)
}

// datasourceTables lists a source's tables live; restricted users see those they may read.
func (h *handlers) datasourceTables(c *fiber.Ctx) error {
	tables, err := h.Datasources.Tables(c.Context(), c.Params("id"), c.Query("database"))
	if err != nil {
		return err
	}
	kept := tables[:0]
	for _, t := range tables {
		db := t.Schema
		if db == "" {
			db = t.Database
		}
		visible, err := h.Permissions.TableVisible(c.Context(), h.who(c), c.Params("id"), db, t.Name)
		if err != nil {
			return err
		}
		if visible {
			kept = append(kept, t)
		}
	}
	return ok(c, kept)
}

// datasourceSchema reads a table's columns live; restricted users see the columns they may read
// of a table they may see, and nothing of others.
func (h *handlers) datasourceSchema(c *fiber.Ctx) error {
	id, db, table := c.Params("id"), c.Query("database"), c.Params("table")
	cols, err := h.Datasources.Schema(c.Context(), id, db, table)
	if err != nil {
		return err
	}
	if visible, err := h.Permissions.TableVisible(c.Context(), h.who(c), id, db, table); err != nil || !visible {
		if err == nil {
			err = fault.NotFound("table", table)
		}
		return err
	}
	names := make([]string, len(cols))
	for i, col := range cols {
		names[i] = col.Name
	}
	hidden, _, err := h.Permissions.ColumnView(c.Context(), h.who(c), id, db, table, names)
	if err != nil {
		return err
	}
	kept := cols[:0]
	for _, col := range cols {
		if !hidden[col.Name] {
			kept = append(kept, col)
		}
	}
	return ok(c, kept)
}
