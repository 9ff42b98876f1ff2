package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"assetflow/domain/fault"
	accessproj "assetflow/projections/access"
	dsvc "assetflow/projections/dataservice"
	dsproj "assetflow/projections/datasource"
)

// The demo workspace's names (cmd/assetflow/demo.go builds it).
var (
	demoDatasources = []string{"demo_dw", "demo_ops"}
	demoInterface   = "sales_daily_summary"
	demoUser        = "analyst"
)

// demoDatasourceIDs finds the demo datasources that still exist.
func (h *handlers) demoDatasourceIDs(c *fiber.Ctx) ([]string, error) {
	var ids []string
	for _, name := range demoDatasources {
		res, err := h.DatasourceQ.List(c.Context(), dsproj.Filter{Keyword: name}, pageAll)
		if err != nil {
			return nil, err
		}
		for _, d := range res.Items {
			if d.Name == name {
				ids = append(ids, d.ID)
			}
		}
	}
	return ids, nil
}

// demoStatus tells the console whether the demo workspace is there.
func (h *handlers) demoStatus(c *fiber.Ctx) error {
	ids, err := h.demoDatasourceIDs(c)
	if err != nil {
		return err
	}
	return ok(c, fiber.Map{"present": len(ids) > 0, "datasources": ids})
}

// removeDemo takes the demo out of the workspace: its datasources (and with them their catalog
// entries), its report API and its analyst. It does not come back on restart.
func (h *handlers) removeDemo(c *fiber.Ctx) error {
	ids, err := h.demoDatasourceIDs(c)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return fault.NotFound("demo workspace", "")
	}
	meta := h.meta(c)
	if row, err := h.QueryLog.Interface(c.Context(), demoInterface, ""); err == nil && row.Status != "disabled" {
		ref, err := h.Interfaces.SetStatus(c.Context(), demoInterface, row.Definition.Version, "disabled", meta)
		if err != nil {
			return err
		}
		h.await(c, ref, dsvc.Name)
		h.Gateway.Forget(demoInterface)
	}
	if id, _, err := h.Users.UserRoles(c.Context(), demoUser); err == nil {
		if u, err := h.Users.User(c.Context(), id); err == nil && u.Status == "active" {
			ref, err := h.Access.DisableUser(c.Context(), id, meta)
			if err != nil {
				return err
			}
			h.await(c, ref, accessproj.Name)
		}
	}
	for _, id := range ids {
		ref, err := h.Datasources.Remove(c.Context(), id, true, meta)
		if err != nil {
			return err
		}
		h.await(c, ref, dsproj.Name)
	}
	return ok(c, fiber.Map{"removed": ids})
}
