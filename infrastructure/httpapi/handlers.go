package httpapi

import (
	"time"

	"github.com/gofiber/fiber/v2"

	appaccess "assetflow/application/access"
	"assetflow/application/page"
	"assetflow/domain/access"
	"assetflow/domain/fault"
	"assetflow/infrastructure/eventstore"
	accessproj "assetflow/projections/access"
	"assetflow/projections/audit"
	"assetflow/projections/monitor"
)

func streamAppend(stream, streamType string, p eventstore.Pending, meta eventMeta) eventstore.StreamAppend {
	return eventstore.StreamAppend{StreamID: stream, StreamType: streamType, Events: []eventstore.Pending{p}, Metadata: meta}
}

func (h *handlers) login(c *fiber.Ctx) error {
	var cmd appaccess.Login
	if err := bind(c, &cmd); err != nil {
		return err
	}
	c.Locals(localLoginName, cmd.Username)
	s, err := h.Access.Login(c.Context(), cmd, c.IP(), truncate(c.Get(fiber.HeaderUserAgent), 256), h.meta(c))
	if err != nil {
		// A refusal answers once it is in the login log, which the lockout counts from: the next
		// attempt, on any replica, sees it (and guessing is slowed to the projection's pace).
		if s.Ref.StreamID != "" && h.Facts.Flush(c.Context()) == nil {
			h.await(c, s.Ref, monitor.Name)
		}
		return err
	}
	// The session shows in 在线用户 as soon as the sign-in answers.
	if err := h.Facts.Flush(c.Context()); err == nil {
		h.await(c, s.Ref, accessproj.Name)
	}
	// The user comes from the aggregate just checked, not a read model that may lag behind.
	u := s.User
	now := h.Now().UTC()
	return ok(c, fiber.Map{"token": s.Token, "expiresAt": s.ExpiresAt, "user": fiber.Map{
		"id": u.ID(), "username": u.Username, "displayName": u.DisplayName, "email": u.Email, "roles": u.Roles, "status": "active", "lastLoginAt": now,
	}})
}

func (h *handlers) logout(c *fiber.Ctx) error {
	p, _ := principalOf(c)
	ref, err := h.Access.Logout(c.Context(), p.UserID, p.SessionID, h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, accessproj.Name)
	return ok(c, nil)
}

func (h *handlers) me(c *fiber.Ctx) error {
	p, _ := principalOf(c)
	u, err := h.Users.User(c.Context(), p.UserID)
	if err != nil {
		return err
	}
	perms := map[access.Permission]bool{}
	for _, r := range u.Roles {
		for _, perm := range access.Role(r).Permissions() {
			perms[perm] = true
		}
	}
	return ok(c, fiber.Map{"id": u.ID, "username": u.Username, "displayName": u.DisplayName, "email": u.Email, "roles": u.Roles,
		"status": u.Status, "createdAt": u.CreatedAt, "lastLoginAt": u.LastLoginAt, "permissions": perms, "authMethod": authMethod(p)})
}

func authMethod(p accessproj.Principal) string {
	if p.APIKeyID != "" {
		return "api_key"
	}
	return "session"
}

func (h *handlers) changePassword(c *fiber.Ctx) error {
	var cmd appaccess.ChangePassword
	if err := bind(c, &cmd); err != nil {
		return err
	}
	p, _ := principalOf(c)
	ref, err := h.Access.ChangePassword(c.Context(), p.UserID, cmd, h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, accessproj.Name)
	return ok(c, nil)
}

func (h *handlers) listUsers(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	status := c.Query("status")
	if status != "" && status != "active" && status != "disabled" {
		return fault.Field("status", "status must be active or disabled")
	}
	res, err := h.Users.Users(c.Context(), accessproj.UserFilter{Keyword: c.Query("keyword"), Status: status}, pg)
	if err != nil {
		return err
	}
	return list(c, pg, res)
}

func (h *handlers) getUser(c *fiber.Ctx) error {
	u, err := h.Users.User(c.Context(), c.Params("id"))
	if err != nil {
		return err
	}
	return ok(c, u)
}

func (h *handlers) createUser(c *fiber.Ctx) error {
	var cmd appaccess.CreateUser
	if err := bind(c, &cmd); err != nil {
		return err
	}
	ref, err := h.Access.CreateUser(c.Context(), cmd, h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, accessproj.Name)
	u, err := h.Users.User(c.Context(), ref.StreamID)
	if err != nil {
		return err
	}
	return created(c, u)
}

func (h *handlers) userCommand(c *fiber.Ctx, ref eventRef, err error) error {
	if err != nil {
		return err
	}
	h.await(c, ref, accessproj.Name)
	u, err := h.Users.User(c.Context(), ref.StreamID)
	if err != nil {
		return err
	}
	return ok(c, u)
}

func (h *handlers) updateUser(c *fiber.Ctx) error {
	var cmd appaccess.UpdateUser
	if err := bind(c, &cmd); err != nil {
		return err
	}
	ref, err := h.Access.UpdateUser(c.Context(), c.Params("id"), cmd, h.meta(c))
	return h.userCommand(c, ref, err)
}

func (h *handlers) disableUser(c *fiber.Ctx) error {
	ref, err := h.Access.DisableUser(c.Context(), c.Params("id"), h.meta(c))
	return h.userCommand(c, ref, err)
}

func (h *handlers) enableUser(c *fiber.Ctx) error {
	ref, err := h.Access.EnableUser(c.Context(), c.Params("id"), h.meta(c))
	return h.userCommand(c, ref, err)
}

func (h *handlers) resetPassword(c *fiber.Ctx) error {
	var body struct {
		Password string `json:"password"`
	}
	if err := bind(c, &body); err != nil {
		return err
	}
	ref, err := h.Access.ResetPassword(c.Context(), c.Params("id"), body.Password, h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, accessproj.Name)
	return ok(c, nil)
}

type roleInfo struct {
	Name        string              `json:"name"`
	Description string              `json:"description"`
	BuiltIn     bool                `json:"builtIn"`
	Permissions []access.Permission `json:"permissions"`
}

var roleDescriptions = map[access.Role]string{
	access.RoleAdmin:     "Full control: users, roles, API keys, every module and setting.",
	access.RoleDeveloper: "Builds on the platform: datasources, report APIs, quality rules, sync tasks; may query.",
	access.RoleAnalyst:   "Queries granted data in the console and reads the catalog, lineage and reports.",
	access.RoleViewer:    "Reads the catalog, lineage, dashboards and logs; cannot query data.",
}

func (h *handlers) roles(c *fiber.Ctx) error {
	out := make([]roleInfo, 0, len(access.Roles))
	for _, r := range access.Roles {
		out = append(out, roleInfo{Name: string(r), Description: roleDescriptions[r], BuiltIn: true, Permissions: r.Permissions()})
	}
	return ok(c, out)
}

func (h *handlers) listAPIKeys(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	p, _ := principalOf(c)
	owner := p.UserID
	if hasRole(p, access.RoleAdmin) && c.Query("mine") != "true" {
		owner = ""
	}
	res, err := h.Users.APIKeys(c.Context(), owner, pg)
	if err != nil {
		return err
	}
	return list(c, pg, res)
}

func (h *handlers) createAPIKey(c *fiber.Ctx) error {
	var cmd appaccess.CreateAPIKey
	if err := bind(c, &cmd); err != nil {
		return err
	}
	p, _ := principalOf(c)
	k, err := h.Access.CreateAPIKey(c.Context(), cmd, p.UserID, p.Username, h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, k.Ref, accessproj.Name)
	return created(c, fiber.Map{"id": k.ID, "name": k.Name, "prefix": k.Prefix, "key": k.Key, "createdAt": h.Now().UTC(), "expiresAt": k.ExpiresAt})
}

func (h *handlers) revokeAPIKey(c *fiber.Ctx) error {
	p, _ := principalOf(c)
	ref, err := h.Access.RevokeAPIKey(c.Context(), c.Params("id"), p.UserID, p.Roles, h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, accessproj.Name)
	return ok(c, nil)
}

func timeQuery(c *fiber.Ctx, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, fault.Field(name, name+" must be an RFC 3339 time, e.g. 2026-01-02T15:04:05Z")
	}
	return t, nil
}

// pageAndRange reads page, page_size and an optional from/to time range.
func pageAndRange(c *fiber.Ctx) (page.Request, time.Time, time.Time, error) {
	pg, err := pageOf(c)
	if err != nil {
		return pg, time.Time{}, time.Time{}, err
	}
	from, err1 := timeQuery(c, "from")
	to, err2 := timeQuery(c, "to")
	return pg, from, to, joinErr(err1, err2)
}

func (h *handlers) auditEvents(c *fiber.Ctx) error {
	pg, from, to, err := pageAndRange(c)
	if err != nil {
		return err
	}
	if err := h.awaitPosition(c, audit.Name); err != nil {
		return err
	}
	res, err := h.Audit.List(c.Context(), audit.Filter{Type: c.Query("type"), Actor: c.Query("actor"), Stream: c.Query("stream"), From: from, To: to}, pg)
	if err != nil {
		return err
	}
	return list(c, pg, res)
}

func (h *handlers) auditEventTypes(c *fiber.Ctx) error {
	seen, err := h.Audit.Types(c.Context())
	if err != nil {
		return err
	}
	all := map[string]bool{}
	for _, t := range append(seen, h.Codec.Types()...) {
		all[t] = true
	}
	out := make([]string, 0, len(all))
	for t := range all {
		out = append(out, t)
	}
	sortStrings(out)
	return ok(c, out)
}

func (h *handlers) operationLogs(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	status, err := queryInt(c, "status")
	if err != nil {
		return err
	}
	if err := h.awaitPosition(c, monitor.Name); err != nil {
		return err
	}
	f := monitor.OperationFilter{User: c.Query("user"), Method: c.Query("method"), Status: status, Path: c.Query("path")}
	// Everyone sees their own operations; the whole log is for administrators.
	if p, ok := principalOf(c); ok && !access.Allows(p.Roles, access.PermManageSystem) {
		f.User = p.UserID
	}
	res, err := h.Monitor.Operations(c.Context(), f, pg)
	if err != nil {
		return err
	}
	return list(c, pg, res)
}

func (h *handlers) dashboard(c *fiber.Ctx) error {
	users, active, keys, err := h.Users.Counts(c.Context())
	if err != nil {
		return err
	}
	stats, err := h.Audit.Stats(c.Context(), h.Now(), 14)
	if err != nil {
		return err
	}
	datasources, err := h.DatasourceQ.Count(c.Context())
	if err != nil {
		return err
	}
	pg, _ := pageOfDefault(10)
	recent, err := h.Audit.List(c.Context(), audit.Filter{}, pg)
	if err != nil {
		return err
	}
	return ok(c, fiber.Map{"users": users, "activeUsers": active, "apiKeys": keys, "datasources": datasources, "events": stats.Total, "eventsToday": stats.Today,
		"eventsByDay": stats.ByDay, "eventsByType": stats.ByType, "recentEvents": recent.Items})
}
