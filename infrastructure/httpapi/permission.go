package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"assetflow/application/page"
	"assetflow/application/permission"
	"assetflow/domain/access"
	es "assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
	accessproj "assetflow/projections/access"
)

func (h *handlers) permissionRoutes(r fiber.Router) {
	read, manage := h.require(access.PermRead), h.require(access.PermManageAssets)
	r.Post("/access/grants", read, h.grant)
	r.Get("/access/grants", manage, h.listGrants)
	r.Delete("/access/grants/:id", read, h.revoke)
	r.Post("/access/masks", read, h.setMask)
	r.Get("/access/masks", manage, h.listMasks)
	r.Delete("/access/masks/:id", read, h.removeMask)
	r.Post("/access/row-filters", read, h.setRowFilter)
	r.Get("/access/row-filters", manage, h.listRowFilters)
	r.Delete("/access/row-filters/:id", read, h.removeRowFilter)
	r.Post("/access/requests", read, h.requestAccess)
	r.Get("/access/requests", read, h.listRequests)
	r.Post("/access/requests/:id/approve", read, h.approveRequest)
	r.Post("/access/requests/:id/reject", read, h.rejectRequest)
	r.Get("/access/explain", read, h.explainAccess)
	r.Get("/access/me", read, h.myAccess)
}

func (h *handlers) who(c *fiber.Ctx) permission.Who {
	p, _ := principalOf(c)
	return permission.Who{UserID: p.UserID, Roles: p.Roles, Admin: hasRole(p, access.RoleAdmin)}
}

// policyChanged answers a policy command once the read model (and so the guard) has it.
func (h *handlers) policyChanged(c *fiber.Ctx, id string, ref es.Ref, err error) error {
	if err != nil {
		return err
	}
	h.await(c, ref, accessproj.Name)
	h.Permissions.Settled(ref)
	if id == "" {
		return ok(c, nil)
	}
	return created(c, fiber.Map{"id": id})
}

func (h *handlers) grant(c *fiber.Ctx) error {
	var in permission.GrantInput
	if err := bind(c, &in); err != nil {
		return err
	}
	id, ref, err := h.Permissions.Grant(c.Context(), h.who(c), in, h.meta(c))
	return h.policyChanged(c, id, ref, err)
}

func (h *handlers) revoke(c *fiber.Ctx) error {
	ds, err := h.Users.PolicyItemDatasource(c.Context(), "grant", c.Params("id"))
	if err != nil {
		return err
	}
	ref, err := h.Permissions.Revoke(c.Context(), h.who(c), ds, c.Params("id"), h.meta(c))
	return h.policyChanged(c, "", ref, err)
}

func (h *handlers) listGrants(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	if err := h.awaitPosition(c, accessproj.Name); err != nil {
		return err
	}
	f := accessproj.GrantFilter{DatasourceID: c.Query("datasource_id"), SubjectType: c.Query("subject_type"), Subject: c.Query("subject"),
		Object: c.Query("object"), Privilege: c.Query("privilege"), Effect: c.Query("effect")}
	if f.SubjectType == "user" && f.Subject != "" {
		if id, _, err := h.Users.UserRoles(c.Context(), f.Subject); err == nil {
			f.Subject = id
		}
	}
	res, err := h.Users.Grants(c.Context(), f, pg)
	if err != nil {
		return err
	}
	return list(c, pg, res)
}

func (h *handlers) setMask(c *fiber.Ctx) error {
	var in permission.MaskInput
	if err := bind(c, &in); err != nil {
		return err
	}
	id, ref, err := h.Permissions.SetMask(c.Context(), h.who(c), in, h.meta(c))
	return h.policyChanged(c, id, ref, err)
}

func (h *handlers) listMasks(c *fiber.Ctx) error {
	if err := h.awaitPosition(c, accessproj.Name); err != nil {
		return err
	}
	ms, err := h.Users.Masks(c.Context(), c.Query("datasource_id"))
	if err != nil {
		return err
	}
	return ok(c, ms)
}

func (h *handlers) removeMask(c *fiber.Ctx) error {
	ds, err := h.Users.PolicyItemDatasource(c.Context(), "mask", c.Params("id"))
	if err != nil {
		return err
	}
	ref, err := h.Permissions.RemoveMask(c.Context(), h.who(c), ds, c.Params("id"), h.meta(c))
	return h.policyChanged(c, "", ref, err)
}

func (h *handlers) setRowFilter(c *fiber.Ctx) error {
	var in permission.RowFilterInput
	if err := bind(c, &in); err != nil {
		return err
	}
	id, ref, err := h.Permissions.SetRowFilter(c.Context(), h.who(c), in, h.meta(c))
	return h.policyChanged(c, id, ref, err)
}

func (h *handlers) listRowFilters(c *fiber.Ctx) error {
	if err := h.awaitPosition(c, accessproj.Name); err != nil {
		return err
	}
	fs, err := h.Users.RowFilters(c.Context(), c.Query("datasource_id"))
	if err != nil {
		return err
	}
	return ok(c, fs)
}

func (h *handlers) removeRowFilter(c *fiber.Ctx) error {
	ds, err := h.Users.PolicyItemDatasource(c.Context(), "row filter", c.Params("id"))
	if err != nil {
		return err
	}
	ref, err := h.Permissions.RemoveRowFilter(c.Context(), h.who(c), ds, c.Params("id"), h.meta(c))
	return h.policyChanged(c, "", ref, err)
}

func (h *handlers) requestAccess(c *fiber.Ctx) error {
	var in permission.RequestInput
	if err := bind(c, &in); err != nil {
		return err
	}
	id, ref, err := h.Permissions.Request(c.Context(), h.who(c), in, h.meta(c))
	return h.policyChanged(c, id, ref, err)
}

// listRequests shows managers every request and everyone else their own.
func (h *handlers) listRequests(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	if err := h.awaitPosition(c, accessproj.Name); err != nil {
		return err
	}
	status := c.Query("status")
	if status != "" && status != "pending" && status != "approved" && status != "rejected" {
		return fault.Field("status", "status must be pending, approved or rejected")
	}
	f := accessproj.RequestFilter{Status: status, DatasourceID: c.Query("datasource_id")}
	p, _ := principalOf(c)
	if c.Query("mine") == "true" || !access.Allows(p.Roles, access.PermManageAssets) {
		f.RequesterID = p.UserID
	}
	res, err := h.Users.Requests(c.Context(), f, pg)
	if err != nil {
		return err
	}
	return list(c, pg, res)
}

func (h *handlers) decideRequest(c *fiber.Ctx, approve bool) error {
	var d permission.Decision
	if len(c.Body()) > 0 {
		if err := bind(c, &d); err != nil {
			return err
		}
	}
	ds, err := h.Users.PolicyItemDatasource(c.Context(), "access request", c.Params("id"))
	if err != nil {
		return err
	}
	if approve {
		id, ref, err := h.Permissions.Approve(c.Context(), h.who(c), ds, c.Params("id"), d, h.meta(c))
		if err != nil {
			return err
		}
		h.await(c, ref, accessproj.Name)
		h.Permissions.Settled(ref)
		return ok(c, fiber.Map{"grant_id": id})
	}
	ref, err := h.Permissions.Reject(c.Context(), h.who(c), ds, c.Params("id"), d, h.meta(c))
	return h.policyChanged(c, "", ref, err)
}

func (h *handlers) approveRequest(c *fiber.Ctx) error { return h.decideRequest(c, true) }
func (h *handlers) rejectRequest(c *fiber.Ctx) error  { return h.decideRequest(c, false) }

// explainAccess answers "can user X use privilege P on object Y, and why"; anyone may ask about
// themselves, managers about anyone.
func (h *handlers) explainAccess(c *fiber.Ctx) error {
	p, _ := principalOf(c)
	user := c.Query("user")
	if user == "" {
		user = p.UserID
	}
	if user != p.UserID && user != p.Username && !access.Allows(p.Roles, access.PermManageAssets) {
		return fault.Forbidden("you may explain your own access only")
	}
	ex, err := h.Permissions.Explain(c.Context(), user, c.Query("object"), c.Query("privilege"))
	if err != nil {
		return err
	}
	return ok(c, ex)
}

// pageAll is the largest page, for lists a user's own grants fill.
var pageAll = page.Request{Number: 1, Size: page.MaxSize}

// myAccess lists the caller's own grants and those of their roles.
func (h *handlers) myAccess(c *fiber.Ctx) error {
	p, _ := principalOf(c)
	out := fiber.Map{"user_id": p.UserID, "roles": p.Roles}
	mine, err := h.Users.Grants(c.Context(), accessproj.GrantFilter{SubjectType: "user", Subject: p.UserID}, pageAll)
	if err != nil {
		return err
	}
	grants := mine.Items
	for _, r := range p.Roles {
		rg, err := h.Users.Grants(c.Context(), accessproj.GrantFilter{SubjectType: "role", Subject: r}, pageAll)
		if err != nil {
			return err
		}
		grants = append(grants, rg.Items...)
	}
	if grants == nil {
		grants = []accessproj.GrantRow{}
	}
	out["grants"] = grants
	return ok(c, out)
}
