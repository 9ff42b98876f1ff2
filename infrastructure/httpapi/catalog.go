package httpapi

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	appcat "assetflow/application/catalog"
	"assetflow/application/page"
	"assetflow/domain/access"
	domain "assetflow/domain/catalog"
	"assetflow/domain/fault"
	"assetflow/projections/audit"
	catproj "assetflow/projections/catalog"
)

func (h *handlers) catalogRoutes(r fiber.Router) {
	read, manage := h.require(access.PermRead), h.require(access.PermManageAssets)
	r.Post("/catalog/collect", manage, h.collect)
	r.Get("/catalog/runs", read, h.listRuns)
	r.Get("/catalog/runs/:id", read, h.getRun)
	r.Get("/catalog/tables", read, h.listCatalogTables)
	r.Post("/catalog/tables", manage, h.registerCatalogTable)
	r.Get("/catalog/tables/:id", read, h.getCatalogTable)
	r.Put("/catalog/tables/:id", manage, h.describeCatalogTable)
	r.Delete("/catalog/tables/:id", manage, h.deleteCatalogTable)
	r.Post("/catalog/tables/:id/restore", manage, h.restoreCatalogTable)
	r.Get("/catalog/tables/:id/columns", read, h.catalogColumns)
	r.Get("/catalog/tables/:id/history", read, h.catalogHistory)
	r.Put("/catalog/tables/:id/tags", manage, h.tagCatalogTable)
	r.Put("/catalog/tables/:id/category", manage, h.classifyCatalogTable)
	r.Put("/catalog/tables/:id/columns/:column/tags", manage, h.tagCatalogTable)
	r.Put("/catalog/tables/:id/columns/:column/category", manage, h.classifyCatalogTable)
	r.Post("/catalog/tables/:id/profile", manage, h.profileCatalogTable)
	r.Get("/catalog/schedules", read, h.listSchedules)
	r.Put("/catalog/schedules/:datasource_id", manage, h.setSchedule)
	r.Get("/catalog/categories", read, h.listCategories)
	r.Post("/catalog/categories", manage, h.createCategory)
	r.Put("/catalog/categories/:id", manage, h.updateCategory)
	r.Delete("/catalog/categories/:id", manage, h.deleteCategory)
	r.Get("/catalog/tags", read, h.listTags)
	r.Post("/catalog/tags", manage, h.defineTag)
	r.Put("/catalog/tags/:name", manage, h.defineTag)
	r.Delete("/catalog/tags/:name", manage, h.deleteTag)
}

func (h *handlers) collect(c *fiber.Ctx) error {
	var req appcat.CollectRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	runID, ref, err := h.Collector.Start(c.Context(), req, false, h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, catproj.Name)
	return c.Status(fiber.StatusAccepted).JSON(okBody{Code: "OK", Message: "collection started", Success: true, Data: fiber.Map{"run_id": runID}})
}

func (h *handlers) listRuns(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	res, err := h.CatalogQ.Runs(c.Context(), c.Query("datasource_id"), pg)
	if err != nil {
		return err
	}
	return list(c, pg, res)
}

func (h *handlers) getRun(c *fiber.Ctx) error {
	r, err := h.CatalogQ.Run(c.Context(), c.Params("id"))
	if err != nil {
		return err
	}
	return ok(c, r)
}

func (h *handlers) listCatalogTables(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	f := catproj.TableFilter{Name: c.Query("name"), Database: c.Query("database"), DatasourceID: c.Query("datasource_id"),
		Tag: c.Query("tag"), CategoryID: c.Query("category_id"), Q: c.Query("q"), Status: c.Query("status"), Viewer: h.viewer(c)}
	switch f.Status {
	case "", "all", "active", "dropped", "deleted":
	default:
		return fault.Field("status", "status must be all, active, dropped or deleted")
	}
	var e1, e2, e3, e4 error
	f.CreatedFrom, e1 = timeQuery(c, "created_from")
	f.CreatedTo, e2 = timeQuery(c, "created_to")
	f.UpdatedFrom, e3 = timeQuery(c, "updated_from")
	f.UpdatedTo, e4 = timeQuery(c, "updated_to")
	if err := joinErr(e1, e2, e3, e4); err != nil {
		return err
	}
	if err := h.awaitPosition(c, catproj.Name); err != nil {
		return err
	}
	res, err := h.CatalogQ.Tables(c.Context(), f, pg)
	if err != nil {
		return err
	}
	if f.Viewer != nil {
		for i := range res.Items {
			res.Items[i].Profile = nil // values per column: read through the table, which redacts them
		}
	}
	return list(c, pg, res)
}

func (h *handlers) getCatalogTable(c *fiber.Ctx) error {
	t, cols, err := h.visibleTable(c, c.Params("id"))
	if err != nil {
		return err
	}
	return ok(c, fiber.Map{"table": t, "columns": cols})
}

func (h *handlers) catalogColumns(c *fiber.Ctx) error {
	_, cols, err := h.visibleTable(c, c.Params("id"))
	if err != nil {
		return err
	}
	return ok(c, cols)
}

// viewer is the catalog viewer of a restricted caller; nil for admins, who see everything.
func (h *handlers) viewer(c *fiber.Ctx) *catproj.Viewer {
	p, _ := principalOf(c)
	if hasRole(p, access.RoleAdmin) {
		return nil
	}
	v := &catproj.Viewer{UserID: p.UserID, Subjects: []string{"user:" + p.UserID}}
	for _, r := range p.Roles {
		v.Subjects = append(v.Subjects, "role:"+r)
	}
	return v
}

// visibleTable loads a catalog table and its columns as the caller may see them: a table they
// may not see does not exist for them, columns denied to them are left out, masked columns say
// so, and the profile keeps no values of either.
func (h *handlers) visibleTable(c *fiber.Ctx, id string) (catproj.Table, []catproj.Column, error) {
	if ok, err := h.CatalogQ.Visible(c.Context(), id, h.viewer(c)); err != nil || !ok {
		if err == nil {
			err = fault.NotFound("catalog table", id)
		}
		return catproj.Table{}, nil, err
	}
	t, err := h.CatalogQ.Table(c.Context(), id)
	if err != nil {
		return t, nil, err
	}
	cols, err := h.CatalogQ.Columns(c.Context(), t.ID)
	if err != nil || h.viewer(c) == nil {
		return t, cols, err
	}
	names := make([]string, len(cols))
	for i, col := range cols {
		names[i] = col.Name
	}
	db := t.Schema
	if db == "" {
		db = t.Database
	}
	hidden, masked, err := h.Permissions.ColumnView(c.Context(), h.who(c), t.DatasourceID, db, t.Name, names)
	if err != nil || hidden == nil {
		return t, cols, err
	}
	kept := cols[:0]
	for _, col := range cols {
		if hidden[col.Name] {
			continue
		}
		col.Mask = masked[col.Name].Kind
		kept = append(kept, col)
	}
	t.Profile = redactProfile(t.Profile, hidden, masked)
	return t, kept, nil
}

// redactProfile drops hidden columns from a profile and the values (min, max, top values) of
// masked ones.
func redactProfile(raw json.RawMessage, hidden map[string]bool, masked map[string]access.Mask) json.RawMessage {
	if len(raw) == 0 || (len(hidden) == 0 && len(masked) == 0) {
		return raw
	}
	var p map[string]any
	if json.Unmarshal(raw, &p) != nil {
		return nil
	}
	cols, _ := p["columns"].([]any)
	kept := []any{}
	for _, c := range cols {
		m, _ := c.(map[string]any)
		name, _ := m["name"].(string)
		if m == nil || hidden[name] {
			continue
		}
		if masked[name].Kind != "" {
			m["min"], m["max"], m["top_values"], m["masked"] = nil, nil, []any{}, true
		}
		kept = append(kept, m)
	}
	p["columns"] = kept
	out, err := json.Marshal(p)
	if err != nil {
		return nil
	}
	return out
}

// tableCommand runs a curation command, waits for the catalog and answers with the table.
func (h *handlers) tableCommand(c *fiber.Ctx, fn func(id string) (eventRef, error)) error {
	ref, err := fn(c.Params("id"))
	if err != nil {
		return err
	}
	h.await(c, ref, catproj.Name)
	return h.getCatalogTable(c)
}

func (h *handlers) describeCatalogTable(c *fiber.Ctx) error {
	var body struct {
		Description string `json:"description"`
		Owner       string `json:"owner"`
	}
	if err := bind(c, &body); err != nil {
		return err
	}
	return h.tableCommand(c, func(id string) (eventRef, error) {
		return h.Curator.Describe(c.Context(), id, body.Description, body.Owner, h.meta(c))
	})
}

func (h *handlers) tagCatalogTable(c *fiber.Ctx) error {
	var body struct {
		Tags []string `json:"tags"`
	}
	if err := bind(c, &body); err != nil {
		return err
	}
	return h.tableCommand(c, func(id string) (eventRef, error) {
		return h.Curator.Tag(c.Context(), id, c.Params("column"), body.Tags, h.meta(c))
	})
}

func (h *handlers) classifyCatalogTable(c *fiber.Ctx) error {
	var body struct {
		CategoryID string `json:"category_id"`
	}
	if err := bind(c, &body); err != nil {
		return err
	}
	return h.tableCommand(c, func(id string) (eventRef, error) {
		return h.Curator.Classify(c.Context(), id, c.Params("column"), body.CategoryID, h.meta(c))
	})
}

func (h *handlers) deleteCatalogTable(c *fiber.Ctx) error {
	return h.tableCommand(c, func(id string) (eventRef, error) { return h.Curator.Delete(c.Context(), id, h.meta(c)) })
}

func (h *handlers) restoreCatalogTable(c *fiber.Ctx) error {
	return h.tableCommand(c, func(id string) (eventRef, error) { return h.Curator.Restore(c.Context(), id, h.meta(c)) })
}

func (h *handlers) registerCatalogTable(c *fiber.Ctx) error {
	var in appcat.RegisterInput
	if err := bind(c, &in); err != nil {
		return err
	}
	name := ""
	if in.DatasourceID != "" {
		d, err := h.DatasourceQ.Get(c.Context(), in.DatasourceID)
		if err != nil {
			return fault.Field("datasource_id", "no such datasource")
		}
		name = d.Name
	}
	ref, err := h.Curator.Register(c.Context(), in, name, h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, catproj.Name)
	t, err := h.CatalogQ.Table(c.Context(), ref.StreamID)
	if err != nil {
		return err
	}
	cols, err := h.CatalogQ.Columns(c.Context(), t.ID)
	if err != nil {
		return err
	}
	return created(c, fiber.Map{"table": t, "columns": cols})
}

// HistoryEntry is one change in a table's timeline.
type HistoryEntry struct {
	EventID    string          `json:"event_id"`
	Type       string          `json:"type"`
	OccurredAt string          `json:"occurred_at"`
	ActorName  string          `json:"actor_name"`
	Summary    string          `json:"summary"`
	Payload    json.RawMessage `json:"payload"`
}

func (h *handlers) catalogHistory(c *fiber.Ctx) error {
	id := c.Params("id")
	if _, _, err := h.visibleTable(c, id); err != nil {
		return err
	}
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	res, err := h.Audit.List(c.Context(), audit.Filter{Stream: id}, pg)
	if err != nil {
		return err
	}
	out := page.Result[HistoryEntry]{Total: res.Total}
	for _, e := range res.Items {
		out.Items = append(out.Items, HistoryEntry{EventID: e.ID, Type: e.Type, OccurredAt: e.OccurredAt.Format("2006-01-02T15:04:05.000Z07:00"),
			ActorName: e.ActorName, Summary: summarize(e.Type, e.Payload), Payload: e.Payload})
	}
	return list(c, pg, out)
}

// summarize says in a line what a table event changed.
func summarize(eventType string, payload json.RawMessage) string {
	names := func(cols []domain.Column) string {
		out := make([]string, len(cols))
		for i, c := range cols {
			out[i] = c.Name
		}
		return strings.Join(out, ", ")
	}
	switch eventType {
	case domain.TableCollected{}.EventType():
		var v domain.TableCollected
		_ = json.Unmarshal(payload, &v)
		return fmt.Sprintf("collected with %d columns", len(v.Columns))
	case domain.ColumnsChanged{}.EventType():
		var v domain.ColumnsChanged
		_ = json.Unmarshal(payload, &v)
		var parts []string
		if len(v.Added) > 0 {
			parts = append(parts, "added "+names(v.Added))
		}
		if len(v.Removed) > 0 {
			parts = append(parts, "removed "+names(v.Removed))
		}
		for _, ch := range v.Changed {
			if ch.Before.Type != ch.After.Type {
				parts = append(parts, fmt.Sprintf("%s %s → %s", ch.Name, ch.Before.Type, ch.After.Type))
			} else {
				parts = append(parts, "changed "+ch.Name)
			}
		}
		return "schema drift: " + strings.Join(parts, "; ")
	case domain.TableDropped{}.EventType():
		return "no longer found in the source"
	case domain.TableDescribed{}.EventType():
		return "description or owner edited"
	case domain.TableTagged{}.EventType(), domain.ColumnTagged{}.EventType():
		return "tags set"
	case domain.TableClassified{}.EventType(), domain.ColumnClassified{}.EventType():
		return "category set"
	case domain.TableProfiled{}.EventType():
		return "profiled"
	case domain.TableDeleted{}.EventType():
		return "deleted from the catalog"
	case domain.TableRestored{}.EventType():
		return "restored"
	case domain.TableRegistered{}.EventType():
		return "registered by hand"
	case domain.SourceFactsChanged{}.EventType():
		return "source comment, type or size changed"
	}
	return eventType
}

func (h *handlers) listCategories(c *fiber.Ctx) error {
	cats, err := h.CatalogQ.Categories(c.Context())
	if err != nil {
		return err
	}
	return ok(c, cats)
}

func (h *handlers) createCategory(c *fiber.Ctx) error {
	var in appcat.CategoryInput
	if err := bind(c, &in); err != nil {
		return err
	}
	ref, err := h.Curator.CreateCategory(c.Context(), in, h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, catproj.Name)
	return c.Status(fiber.StatusCreated).JSON(okBody{Code: "OK", Message: "created", Success: true, Data: fiber.Map{"id": ref.StreamID}})
}

func (h *handlers) updateCategory(c *fiber.Ctx) error {
	var in appcat.CategoryInput
	if err := bind(c, &in); err != nil {
		return err
	}
	ref, err := h.Curator.UpdateCategory(c.Context(), c.Params("id"), in, h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, catproj.Name)
	return ok(c, fiber.Map{"id": ref.StreamID})
}

func (h *handlers) deleteCategory(c *fiber.Ctx) error {
	ref, err := h.Curator.DeleteCategory(c.Context(), c.Params("id"), h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, catproj.Name)
	return ok(c, nil)
}

func (h *handlers) listTags(c *fiber.Ctx) error {
	tags, err := h.CatalogQ.Tags(c.Context())
	if err != nil {
		return err
	}
	return ok(c, tags)
}

func (h *handlers) defineTag(c *fiber.Ctx) error {
	var in appcat.TagInput
	if err := bind(c, &in); err != nil {
		return err
	}
	if name := c.Params("name"); name != "" {
		if in.Name != "" && in.Name != name {
			return fault.Field("name", "a tag cannot be renamed; create a new one")
		}
		in.Name = name
	}
	ref, err := h.Curator.DefineTag(c.Context(), in, h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, catproj.Name)
	return ok(c, fiber.Map{"name": in.Name})
}

func (h *handlers) deleteTag(c *fiber.Ctx) error {
	ref, err := h.Curator.DeleteTag(c.Context(), c.Params("name"), h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, catproj.Name)
	return ok(c, nil)
}

func (h *handlers) profileCatalogTable(c *fiber.Ctx) error {
	prof, ref, err := h.Profiler.Profile(c.Context(), c.Params("id"), h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, catproj.Name)
	return ok(c, prof)
}

func (h *handlers) listSchedules(c *fiber.Ctx) error {
	list, err := h.CatalogQ.Schedules(c.Context())
	if err != nil {
		return err
	}
	return ok(c, list)
}

func (h *handlers) setSchedule(c *fiber.Ctx) error {
	var body struct {
		Cron        string `json:"cron"`
		ProfileCron string `json:"profile_cron"`
		Enabled     bool   `json:"enabled"`
	}
	if err := bind(c, &body); err != nil {
		return err
	}
	ref, err := h.Collector.SetSchedule(c.Context(), c.Params("datasource_id"), body.Cron, body.ProfileCron, body.Enabled, h.ValidCron, h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, catproj.Name)
	return ok(c, fiber.Map{"datasource_id": c.Params("datasource_id"), "cron": strings.TrimSpace(body.Cron),
		"profile_cron": strings.TrimSpace(body.ProfileCron), "enabled": body.Enabled})
}
