package permission

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"assetflow/application/memo"
	domain "assetflow/domain/access"
	"assetflow/domain/fault"
)

// Guard checks statements against data permissions. It keeps each datasource's policy compiled in
// memory and reloads it when the read model's version moves, so a check costs one indexed lookup
// of the version plus the analysis of the statement.
type Guard struct {
	sources  Sources
	catalog  Catalog
	policies Policies
	analyser Analyser
	now      Clock

	mu       sync.Mutex
	compiled map[string]*compiled
	// A datasource's owner and dialect, and its policy's version, are reused for CacheTTL; the
	// commands of this replica forget a policy's version at once, other replicas within the TTL.
	sourceCache  *memo.TTL[Source]
	versionCache *memo.TTL[int]
	// Checks of the same statement by the same subjects under the same policy are answered again.
	checkCache *memo.TTL[checked]
}

// CacheTTL bounds how long a policy change on another replica takes to reach this one.
const CacheTTL = time.Second

type checked struct {
	sql string
	err error
}

// NewGuard wires the guard.
func NewGuard(sources Sources, catalog Catalog, policies Policies, analyser Analyser) *Guard {
	if sources == nil || catalog == nil || policies == nil || analyser == nil {
		panic("permission.NewGuard: nil dependency")
	}
	return &Guard{sources: sources, catalog: catalog, policies: policies, analyser: analyser, now: time.Now, compiled: map[string]*compiled{},
		sourceCache: memo.New[Source](CacheTTL), versionCache: memo.New[int](CacheTTL), checkCache: memo.New[checked](10 * CacheTTL)}
}

// source looks a datasource up through the cache.
func (g *Guard) source(ctx context.Context, id string) (Source, error) {
	return g.sourceCache.Get(id, g.now(), func() (Source, error) { return g.sources.Source(ctx, id) })
}

// Forget drops what the guard remembers of a datasource's policy (after a command changed it).
func (g *Guard) Forget(datasourceID string) {
	g.versionCache.Forget(datasourceID)
	g.sourceCache.Forget(datasourceID)
}

// compiled is a policy indexed for checks: grants by subject, masks by column, filters by table.
type compiled struct {
	version int
	// expiry is the earliest expiry of a grant: checks are not reused past it.
	expiry    time.Time
	bySubject map[domain.Subject][]domain.Grant
	masks     map[domain.Object]domain.Mask
	filters   map[domain.Object][]domain.RowFilter
}

func compile(s Snapshot, fold bool) *compiled {
	norm := func(o domain.Object) domain.Object {
		if fold {
			o.DB, o.Table, o.Column = strings.ToLower(o.DB), strings.ToLower(o.Table), strings.ToLower(o.Column)
		}
		return o
	}
	c := &compiled{version: s.Version, bySubject: map[domain.Subject][]domain.Grant{}, masks: map[domain.Object]domain.Mask{}, filters: map[domain.Object][]domain.RowFilter{}}
	for _, g := range s.Grants {
		if g.ExpiresAt != nil && (c.expiry.IsZero() || g.ExpiresAt.Before(c.expiry)) {
			c.expiry = *g.ExpiresAt
		}
		g.Object = norm(g.Object)
		c.bySubject[g.Subject] = append(c.bySubject[g.Subject], g)
	}
	for _, m := range s.Masks {
		m.Object = norm(m.Object)
		c.masks[m.Object] = m
	}
	for _, f := range s.RowFilters {
		f.Object = norm(f.Object)
		c.filters[f.Object] = append(c.filters[f.Object], f)
	}
	return c
}

// grantsOf are the grants that apply to the caller.
func (c *compiled) grantsOf(who Who) []domain.Grant {
	var out []domain.Grant
	for _, s := range who.Subjects() {
		out = append(out, c.bySubject[s]...)
	}
	return out
}

// foldsCase tells whether a dialect's table and column names compare without case.
func foldsCase(dialect string) bool { return dialect == "mysql" || dialect == "starrocks" }

func (g *Guard) policy(ctx context.Context, src Source) (*compiled, error) {
	v, err := g.versionCache.Get(src.ID, g.now(), func() (int, error) { return g.policies.PolicyVersion(ctx, src.ID) })
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	c := g.compiled[src.ID]
	g.mu.Unlock()
	if c != nil && c.version == v {
		return c, nil
	}
	snap, err := g.policies.Snapshot(ctx, src.ID)
	if err != nil {
		return nil, err
	}
	c = compile(snap, foldsCase(src.Dialect))
	g.mu.Lock()
	if old := g.compiled[src.ID]; old == nil || old.version <= c.version {
		g.compiled[src.ID] = c
	}
	g.mu.Unlock()
	return c, nil
}

// Unrestricted reports whether the caller bypasses data permissions on a datasource: admins and
// the datasource's owner.
func Unrestricted(who Who, src Source) bool {
	return who.Admin || (who.UserID != "" && who.UserID == src.OwnerID)
}

// forbiddenFunctions run SQL given as text, read files or reach other servers: a restricted
// caller could read around every check with them.
var forbiddenFunctions = []string{
	"query_to_xml", "query_to_xml_and_xmlschema", "query_to_xmlschema", "table_to_xml", "table_to_xml_and_xmlschema",
	"table_to_xmlschema", "cursor_to_xml", "cursor_to_xmlschema", "schema_to_xml", "schema_to_xml_and_xmlschema",
	"schema_to_xmlschema", "database_to_xml", "database_to_xml_and_xmlschema", "database_to_xmlschema",
	"dblink", "dblink_exec", "dblink_open", "dblink_fetch", "dblink_send_query", "dblink_get_result",
	"pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "lo_import", "lo_export", "lo_get",
	"lo_open", "loread", "pg_logdir_ls", "current_setting", "set_config", "pg_sleep",
	"load_file", "sys_exec", "sys_eval", "sleep", "benchmark", "get_lock", "extractvalue", "updatexml",
}

// Check authorises a statement for the caller on a datasource and returns the statement to run:
// as written when nothing applies, or with a view in place of each masked or filtered table.
// Anything the caller may not read stops it with FORBIDDEN listing every denied object.
// database, when given, is the schema or database the statement runs in (unqualified names).
func (g *Guard) Check(ctx context.Context, who Who, datasourceID, database, sql string, want domain.Privilege) (string, error) {
	src, err := g.source(ctx, datasourceID)
	if err != nil {
		return "", err
	}
	if database != "" {
		src.DefaultSchema = database // the schema (PostgreSQL's search path) or database the statement runs in
	}
	if Unrestricted(who, src) {
		return sql, nil
	}
	pol, err := g.policy(ctx, src)
	if err != nil {
		return "", err
	}
	if !pol.expiry.IsZero() && g.now().Add(10*CacheTTL).After(pol.expiry) {
		return g.check(ctx, who, src, pol, sql, want) // a grant expires before a reused answer would
	}
	key := fmt.Sprintf("%s|%d|%s|%v|%s|%s|%s", src.ID, pol.version, who.UserID, who.Anonymous, strings.Join(who.Roles, ","), want, src.DefaultSchema) + "\x00" + sql
	c, _ := g.checkCache.Get(key, g.now(), func() (checked, error) {
		out, err := g.check(ctx, who, src, pol, sql, want)
		if fault.KindOf(err) != fault.KindForbidden && err != nil {
			return checked{}, err // not remembered: a catalog or database hiccup
		}
		return checked{out, err}, nil
	})
	if c.sql == "" && c.err == nil {
		return g.check(ctx, who, src, pol, sql, want)
	}
	return c.sql, c.err
}

func (g *Guard) check(ctx context.Context, who Who, src Source, pol *compiled, sql string, want domain.Privilege) (string, error) {
	cols := g.columnCache(ctx, src)
	an, err := g.analyser.Analyse(src.Dialect, src.DefaultSchema, cols.get, sql)
	if err != nil {
		return "", &fault.Error{Kind: fault.KindForbidden, Message: "the statement cannot be checked against your data permissions, so it does not run: " + err.Error(),
			Details: []fault.Detail{{Field: "sql", Message: err.Error()}}}
	}
	if cols.err != nil {
		return "", cols.err
	}
	var denied []fault.Detail
	for _, fn := range an.Functions() {
		name := fn[strings.LastIndex(fn, ".")+1:]
		if slices.Contains(forbiddenFunctions, name) {
			denied = append(denied, fault.Detail{Field: fn, Message: "this function reads around data permissions and is not available to restricted users"})
		}
	}
	grants := pol.grantsOf(who)
	now := g.now()
	views := map[string]string{}
	reads := an.Reads()
	tables := make([]string, 0, len(reads))
	for t := range reads {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	for _, name := range tables {
		obj, err := tableObject(src, name)
		if err != nil {
			denied = append(denied, fault.Detail{Field: name, Message: err.Error()})
			continue
		}
		objs := []domain.Object{obj}
		if touched := reads[name]; len(touched) > 0 {
			objs = objs[:0]
			for _, c := range touched {
				if c == "*" {
					objs = append(objs, obj) // columns unknown to the catalog: the table decides
					continue
				}
				o := obj
				o.Column = c
				objs = append(objs, o)
			}
		}
		for _, o := range objs {
			if who.Anonymous {
				break
			}
			if d := domain.Decide(grants, o, want, now); !d.Allowed {
				denied = append(denied, fault.Detail{Field: o.String(), Message: d.Reason})
			}
		}
		view, err := g.view(src, pol, who, obj, cols.get(name))
		if err != nil {
			denied = append(denied, fault.Detail{Field: obj.String(), Message: err.Error()})
		} else if view != "" {
			views[name] = view
		}
	}
	if len(denied) > 0 {
		objs := make([]string, len(denied))
		for i, d := range denied {
			objs[i] = d.Field
		}
		return "", &fault.Error{Kind: fault.KindForbidden, Message: fmt.Sprintf("you may not %s %s", want, strings.Join(objs, ", ")), Details: denied}
	}
	out, err := an.Rewrite(views)
	if err != nil {
		return "", &fault.Error{Kind: fault.KindForbidden, Message: "masks or row filters cannot be applied to this statement, so it does not run: " + err.Error()}
	}
	return out, nil
}

// tableObject maps an analysed table name to its policy object.
func tableObject(src Source, name string) (domain.Object, error) {
	parts := strings.Split(name, ".")
	if len(parts) == 3 && strings.EqualFold(parts[0], src.Database) {
		parts = parts[1:]
	}
	if len(parts) != 2 {
		return domain.Object{}, fmt.Errorf("%s: name tables as <db>.<table> on this datasource", name)
	}
	o := domain.Object{Datasource: src.ID, DB: parts[0], Table: parts[1]}
	if foldsCase(src.Dialect) {
		o.DB, o.Table = strings.ToLower(o.DB), strings.ToLower(o.Table)
	}
	return o, nil
}

// view builds the view that stands in for a table for this caller, or "" when no mask or row
// filter applies.
func (g *Guard) view(src Source, pol *compiled, who Who, table domain.Object, cols []string) (string, error) {
	var preds []string
	for _, f := range pol.filters[table] {
		if slices.Contains(who.Subjects(), f.Subject) {
			preds = append(preds, f.Predicate)
		}
	}
	masked := false
	vcols := make([]ViewColumn, len(cols))
	for i, c := range cols {
		vcols[i].Name = c
		o := table
		o.Column = c
		if foldsCase(src.Dialect) {
			o.Column = strings.ToLower(c)
		}
		if m, ok := pol.masks[o]; ok {
			vcols[i].Mask, vcols[i].KeepLast, masked = m.Kind, m.KeepLast, true
		}
	}
	if !masked && len(preds) == 0 {
		for o := range pol.masks {
			if o.TableOf() == table {
				return "", fmt.Errorf("a column of %s is masked but the catalog does not list the table's columns; collect its metadata", table)
			}
		}
		return "", nil
	}
	if len(cols) == 0 {
		return "", fmt.Errorf("%s is masked or filtered but the catalog does not list its columns; collect its metadata", table)
	}
	return g.analyser.View(src.Dialect, table.DB, table.Table, vcols, preds)
}

// columnCache answers the analyser's column questions from the catalog once per table and keeps
// the first error.
type columnCache struct {
	ctx   context.Context
	g     *Guard
	src   Source
	known map[string][]string
	err   error
}

func (g *Guard) columnCache(ctx context.Context, src Source) *columnCache {
	return &columnCache{ctx: ctx, g: g, src: src, known: map[string][]string{}}
}

func (c *columnCache) get(table string) []string {
	if cols, ok := c.known[table]; ok {
		return cols
	}
	var cols []string
	if o, err := tableObject(c.src, table); err == nil {
		cols, err = c.g.catalog.Columns(c.ctx, c.src.ID, o.DB, o.Table)
		if err != nil && c.err == nil {
			c.err = err
		}
		if foldsCase(c.src.Dialect) {
			for i := range cols {
				cols[i] = strings.ToLower(cols[i])
			}
		}
	}
	c.known[table] = cols
	return cols
}
