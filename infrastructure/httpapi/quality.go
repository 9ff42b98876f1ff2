package httpapi

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"assetflow/application/page"
	appquality "assetflow/application/quality"
	"assetflow/domain/access"
	"assetflow/domain/fault"
	domain "assetflow/domain/quality"
	catproj "assetflow/projections/catalog"
	lineageproj "assetflow/projections/lineage"
	qualityproj "assetflow/projections/quality"
)

// QualityDeps feed the data-quality API.
type QualityDeps struct {
	Service *appquality.Service
	Queries qualityproj.Queries
	// NextRun is when a cron expression fires next after a time (the schedule preview).
	NextRun func(cron string, after time.Time) (time.Time, error)
}

func (h *handlers) qualityRoutes(r fiber.Router) {
	read, manage := h.require(access.PermRead), h.require(access.PermManageAssets)
	r.Get("/quality/summary", read, h.qualitySummary)
	r.Get("/quality/rule-types", read, h.qualityRuleTypes)
	r.Get("/quality/schedule-preview", read, h.qualitySchedulePreview)
	r.Get("/quality/rules", read, h.listQualityRules)
	r.Post("/quality/rules", manage, h.defineQualityRule)
	r.Get("/quality/rules/:id", read, h.getQualityRule)
	r.Put("/quality/rules/:id", manage, h.updateQualityRule)
	r.Delete("/quality/rules/:id", manage, h.deleteQualityRule)
	r.Post("/quality/rules/:id/run", manage, h.runQualityRule)
	r.Get("/quality/rules/:id/results", read, h.qualityRuleResults)
	r.Get("/quality/rules/:id/impact", read, h.qualityImpact)
	r.Get("/quality/results", read, h.qualityResults)
	r.Get("/quality/tables/:id/score", read, h.qualityTableScore)
}

func (h *handlers) qualitySummary(c *fiber.Ctx) error {
	s, err := h.Quality.Queries.Summarise(c.Context())
	if err != nil {
		return err
	}
	return ok(c, s)
}

func (h *handlers) qualityRuleTypes(c *fiber.Ctx) error {
	out := make([]fiber.Map, 0, len(domain.Types))
	for _, t := range domain.Types {
		out = append(out, fiber.Map{"type": t, "needs_column": domain.NeedsColumn(t)})
	}
	return ok(c, out)
}

// qualitySchedulePreview validates a cron expression and lists its next runs.
func (h *handlers) qualitySchedulePreview(c *fiber.Ctx) error {
	expr := strings.TrimSpace(c.Query("cron"))
	if expr == "" {
		return fault.Field("cron", "cron is required")
	}
	if err := h.ValidCron(expr); err != nil {
		return fault.Field("cron", "not a valid cron expression (minute hour day month weekday)")
	}
	runs := []time.Time{}
	at := h.Now()
	for range 5 {
		next, err := h.Quality.NextRun(expr, at)
		if err != nil {
			return fault.Field("cron", err.Error())
		}
		runs = append(runs, next)
		at = next
	}
	return ok(c, fiber.Map{"cron": expr, "next": runs})
}

func (h *handlers) listQualityRules(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	f := qualityproj.RuleFilter{Keyword: c.Query("keyword"), TableID: c.Query("table_id"), Type: c.Query("type"),
		Severity: c.Query("severity"), Status: c.Query("status")}
	var v fault.Collect
	v.Check(f.Type == "" || slices.Contains(domain.Types, f.Type), "type", "type must be one of "+strings.Join(domain.Types, ", "))
	v.Check(f.Severity == "" || f.Severity == domain.Warning || f.Severity == domain.Critical, "severity", "severity must be warning or critical")
	v.Check(f.Status == "" || slices.Contains([]string{domain.Passed, domain.Failed, domain.Errored, "unchecked"}, f.Status), "status",
		"status must be passed, failed, errored or unchecked")
	if err := v.Err(); err != nil {
		return err
	}
	res, err := h.Quality.Queries.Rules(c.Context(), f, pg)
	if err != nil {
		return err
	}
	named := page.Result[qualityRuleView]{Total: res.Total, Capped: res.Capped}
	for _, r := range res.Items {
		named.Items = append(named.Items, h.qualityRuleView(c, r))
	}
	return list(c, pg, named)
}

// qualityRuleView is a rule with its table's name as the catalog knows it now.
type qualityRuleView struct {
	qualityproj.Rule
	// TableName is "<datasource>.<schema or database>.<table>"; empty when the table left the catalog.
	TableName string `json:"table_name"`
}

func (h *handlers) qualityRuleView(c *fiber.Ctx, r qualityproj.Rule) qualityRuleView {
	v := qualityRuleView{Rule: r}
	if t, err := h.CatalogQ.Table(c.Context(), r.TableID); err == nil {
		q := t.Schema
		if q == "" {
			q = t.Database
		}
		v.TableName = strings.Join(slices.DeleteFunc([]string{t.DatasourceName, q, t.Name}, func(s string) bool { return s == "" }), ".")
	}
	return v
}

func (h *handlers) getQualityRule(c *fiber.Ctx) error {
	r, err := h.Quality.Queries.Rule(c.Context(), c.Params("id"))
	if err != nil {
		return err
	}
	return ok(c, h.qualityRuleView(c, r))
}

// qualityRuleAnswer waits for the read model and answers with the rule.
func (h *handlers) qualityRuleAnswer(c *fiber.Ctx, ref eventRef, status int) error {
	h.await(c, ref, qualityproj.Name)
	r, err := h.Quality.Queries.Rule(c.Context(), ref.StreamID)
	if err != nil {
		return err
	}
	return c.Status(status).JSON(okBody{Code: "OK", Message: "ok", Success: true, Data: h.qualityRuleView(c, r)})
}

func (h *handlers) defineQualityRule(c *fiber.Ctx) error {
	var def domain.Definition
	if err := bind(c, &def); err != nil {
		return err
	}
	if err := h.mayMeasure(c, def); err != nil {
		return err
	}
	ref, err := h.Quality.Service.Define(c.Context(), def, h.meta(c))
	if err != nil {
		return err
	}
	return h.qualityRuleAnswer(c, ref, fiber.StatusCreated)
}

func (h *handlers) updateQualityRule(c *fiber.Ctx) error {
	var def domain.Definition
	if err := bind(c, &def); err != nil {
		return err
	}
	if err := h.mayMeasure(c, def); err != nil {
		return err
	}
	ref, err := h.Quality.Service.Update(c.Context(), c.Params("id"), def, h.meta(c))
	if err != nil {
		return err
	}
	return h.qualityRuleAnswer(c, ref, fiber.StatusOK)
}

func (h *handlers) deleteQualityRule(c *fiber.Ctx) error {
	ref, err := h.Quality.Service.Delete(c.Context(), c.Params("id"), h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, qualityproj.Name)
	return ok(c, nil)
}

// runQualityRule checks the rule now; the answer is the recorded result, already in the history.
func (h *handlers) runQualityRule(c *fiber.Ctx) error {
	res, ref, err := h.Quality.Service.Run(c.Context(), c.Params("id"), appquality.TriggerManual, h.meta(c))
	if err != nil {
		return err
	}
	h.await(c, ref, qualityproj.Name)
	rows := make([]map[string]any, len(res.Samples))
	for i, s := range res.Samples {
		rows[i] = s
	}
	if rows, err = h.redactRows(c, res.TableID, rows, map[string]*catproj.Table{}); err != nil {
		return err
	}
	res.Samples = res.Samples[:0]
	for _, r := range rows {
		res.Samples = append(res.Samples, r)
	}
	return ok(c, res)
}

// mayMeasure holds a custom SQL rule to its author's data permissions: its metric is read from
// whatever the SQL reads, so an author restricted from a table cannot measure it that way.
func (h *handlers) mayMeasure(c *fiber.Ctx, def domain.Definition) error {
	if def.Type != domain.CustomSQL || strings.TrimSpace(def.Params.SQL) == "" || h.viewer(c) == nil {
		return nil
	}
	t, err := h.CatalogQ.Table(c.Context(), def.TableID)
	if err != nil {
		return nil // the definition's own validation names the missing table
	}
	db := t.Schema
	if db == "" {
		db = t.Database
	}
	_, err = h.Queries.Guard(c.Context(), h.caller(c), t.DatasourceID, db, def.Params.SQL, false)
	return err
}

// redactRows shows a restricted caller the rows of a catalog table as data permissions allow:
// none of a table they may not see, without the columns denied to them, masked columns masked.
// seen remembers, within one request, the catalog tables redactRows looked up (nil for one
// hidden from the caller), so a page of results costs one look-up per table, not per result.
func (h *handlers) redactRows(c *fiber.Ctx, tableID string, rows []map[string]any, seen map[string]*catproj.Table) ([]map[string]any, error) {
	if len(rows) == 0 || h.viewer(c) == nil {
		return rows, nil
	}
	t, ok := seen[tableID]
	if !ok {
		visible, err := h.CatalogQ.Visible(c.Context(), tableID, h.viewer(c))
		if err != nil {
			return nil, err
		}
		if visible {
			tab, err := h.CatalogQ.Table(c.Context(), tableID)
			if err != nil {
				return nil, err
			}
			t = &tab
		}
		seen[tableID] = t
	}
	if t == nil {
		return []map[string]any{}, nil
	}
	db := t.Schema
	if db == "" {
		db = t.Database
	}
	var names []string
	for k := range rows[0] {
		names = append(names, k)
	}
	hidden, masked, err := h.Permissions.ColumnView(c.Context(), h.who(c), t.DatasourceID, db, t.Name, names)
	if err != nil || hidden == nil {
		return rows, err
	}
	for _, r := range rows {
		for k, v := range r {
			if hidden[k] {
				delete(r, k)
			} else if m, ok := masked[k]; ok {
				r[k] = access.MaskValue(m.Kind, m.KeepLast, v)
			}
		}
	}
	return rows, nil
}

func (h *handlers) qualityRuleResults(c *fiber.Ctx) error {
	if _, err := h.Quality.Queries.Rule(c.Context(), c.Params("id")); err != nil {
		return err
	}
	return h.qualityResultList(c, c.Params("id"))
}

func (h *handlers) qualityResults(c *fiber.Ctx) error {
	return h.qualityResultList(c, c.Query("rule_id"))
}

func (h *handlers) qualityResultList(c *fiber.Ctx, ruleID string) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	f := qualityproj.ResultFilter{RuleID: ruleID, TableID: c.Query("table_id"), Status: c.Query("status")}
	var v fault.Collect
	v.Check(f.Status == "" || slices.Contains([]string{domain.Passed, domain.Failed, domain.Errored}, f.Status), "status", "status must be passed, failed or errored")
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if s := c.Query(name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			v.Check(err == nil, name, name+" must be an RFC 3339 time")
			*dst = t
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	res, err := h.Quality.Queries.Results(c.Context(), f, pg)
	if err != nil {
		return err
	}
	seen := map[string]*catproj.Table{}
	for i, r := range res.Items {
		var rows []map[string]any
		if json.Unmarshal(r.Samples, &rows) != nil || len(rows) == 0 {
			continue
		}
		if rows, err = h.redactRows(c, r.TableID, rows, seen); err != nil {
			return err
		}
		res.Items[i].Samples, _ = json.Marshal(rows)
	}
	return list(c, pg, res)
}

func (h *handlers) qualityTableScore(c *fiber.Ctx) error {
	if _, err := h.CatalogQ.Table(c.Context(), c.Params("id")); err != nil {
		return err
	}
	s, err := h.Quality.Queries.TableScore(c.Context(), c.Params("id"))
	if err != nil {
		return err
	}
	return ok(c, s)
}

// Impact is what a rule's failure reaches downstream through lineage.
type Impact struct {
	TableID    string             `json:"table_id"`
	Node       string             `json:"node"`
	Tables     []lineageproj.Node `json:"tables"`
	ReportAPIs []string           `json:"report_apis"`
	Truncated  bool               `json:"truncated"`
}

// qualityImpact lists the tables and report APIs downstream of the rule's table.
func (h *handlers) qualityImpact(c *fiber.Ctx) error {
	r, err := h.Quality.Queries.Rule(c.Context(), c.Params("id"))
	if err != nil {
		return err
	}
	t, err := h.CatalogQ.Table(c.Context(), r.TableID)
	if err != nil {
		return err
	}
	out := Impact{TableID: t.ID, Tables: []lineageproj.Node{}, ReportAPIs: []string{}}
	// A lineage table node is "<datasource>.<schema or database>.<table>".
	for _, qualifier := range []string{t.Schema, t.Database} {
		if qualifier == "" {
			continue
		}
		node := t.DatasourceName + "." + qualifier + "." + t.Name
		g, err := h.LineageQ.Graph(c.Context(), lineageproj.GraphQuery{Node: node, Direction: "down", Depth: lineageproj.MaxDepth, Level: "table"})
		if err != nil {
			return err
		}
		if len(g.Nodes) <= 1 && out.Node != "" {
			continue
		}
		out.Node, out.Truncated, out.Tables, out.ReportAPIs = node, g.Truncated, []lineageproj.Node{}, []string{}
		for _, n := range g.Nodes {
			switch {
			case n.Depth <= 0:
			case strings.HasPrefix(n.ID, "api:"):
				out.ReportAPIs = append(out.ReportAPIs, strings.TrimPrefix(n.ID, "api:"))
			default:
				out.Tables = append(out.Tables, n)
			}
		}
		if len(g.Nodes) > 1 {
			break
		}
	}
	return ok(c, out)
}
