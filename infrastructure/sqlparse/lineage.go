package sqlparse

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"assetflow/domain/fault"
	"assetflow/domain/lineage"
)

// LineageDialects lists the dialects the lineage analyser reads, in the order the console offers them.
var LineageDialects = []string{"postgres", "ansi", "trino", "mysql", "starrocks", "hive", "sparksql"}

// LineageOptions tunes an analysis.
type LineageOptions struct {
	Dialect string
	// DefaultSchema qualifies unqualified table names; empty leaves them as written.
	DefaultSchema string
	// Columns answers a table's columns from the catalog, in ordinal order; nil or an empty answer
	// means unknown, and SELECT * then stays "table.*".
	Columns func(table string) []string
}

// ErrUnparsable marks a script with at least one statement the parser rejected; the result still
// holds the lineage of the statements that parsed.
var ErrUnparsable = errors.New("sql could not be parsed")

// maxDepth bounds the analyser's recursion; the parser's own stack limit normally stops first.
const maxDepth = 1000

// Lineage analyses a script of one or more statements. Hive and Spark SQL are rewritten token by
// token into the PostgreSQL grammar first (see hive.go); the other dialects parse as they are.
func Lineage(opts LineageOptions, text string) (lineage.Result, error) {
	if !slices.Contains(LineageDialects, opts.Dialect) {
		return lineage.Result{}, fault.Field("dialect", fmt.Sprintf("unknown dialect %q; one of %s", opts.Dialect, strings.Join(LineageDialects, ", ")))
	}
	var sc script
	switch opts.Dialect {
	case "hive", "sparksql":
		stmts, err := hiveStatements(text)
		if err != nil {
			sc.errs = append(sc.errs, err.Error())
		}
		for i, st := range stmts {
			o := opts
			if st.schema != "" {
				o.DefaultSchema = st.schema
			}
			sc.postgres(o, st.sql, fmt.Sprintf("statement %d", i+1))
		}
	case "mysql":
		sc.mysql(opts, text)
	case "starrocks":
		sc.mysql(opts, starrocksText(text))
	default:
		sc.postgres(opts, text, "")
	}
	res := lineage.Combine(sc.stmts, sc.errs)
	if len(sc.errs) > 0 {
		return res, ErrUnparsable
	}
	return res, nil
}

// script gathers the statements of a script and the errors of those that failed.
type script struct {
	stmts []lineage.Statement
	errs  []string
}

// postgres parses text with the PostgreSQL grammar and analyses each statement; label names text
// in errors when it is one statement of a larger script.
func (sc *script) postgres(opts LineageOptions, text, label string) {
	analyse := func(label string, tree *pg.ParseResult) {
		for i, raw := range tree.Stmts {
			a := &analyzer{opts: opts, reads: map[string]bool{}}
			st, err := a.statement(raw.Stmt)
			if err != nil {
				where := label
				if where == "" {
					where = fmt.Sprintf("statement %d", i+1)
				}
				sc.errs = append(sc.errs, fmt.Sprintf("%s: %v", where, err))
				continue
			}
			sc.stmts = append(sc.stmts, st)
		}
	}
	tree, err := pg.Parse(text)
	if err == nil {
		analyse(label, tree)
		return
	}
	if label != "" {
		sc.errs = append(sc.errs, fmt.Sprintf("%s: %v", label, err))
		return
	}
	// Find the statements that fail and keep the lineage of the others.
	parts, splitErr := pg.SplitWithScanner(text, true)
	if splitErr != nil || len(parts) == 0 {
		sc.errs = append(sc.errs, err.Error())
		return
	}
	before := len(sc.errs)
	for i, part := range parts {
		tree, perr := pg.Parse(part)
		if perr != nil {
			sc.errs = append(sc.errs, fmt.Sprintf("statement %d: %v", i+1, perr))
			continue
		}
		analyse(fmt.Sprintf("statement %d", i+1), tree)
	}
	if len(sc.errs) == before {
		sc.errs = append(sc.errs, err.Error())
	}
}

// set is a set of "table.column" names.
type set map[string]struct{}

func (s set) add(names ...string) {
	for _, n := range names {
		s[n] = struct{}{}
	}
}

func (s set) merge(o set) {
	for n := range o {
		s[n] = struct{}{}
	}
}

func (s set) sorted() []string {
	out := make([]string, 0, len(s))
	for n := range s {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// column is one output column of a relation and the physical columns it is computed from.
type column struct {
	name string
	src  set
}

// relation is a FROM item: a physical table (table set) or a derived one (CTE, subquery, VALUES,
// UNNEST) whose columns carry their own lineage.
type relation struct {
	table    string
	known    []string // a physical table's catalog columns
	cols     []column // a derived relation's output
	indirect set      // columns that filtered, joined or grouped a derived relation
}

func (r *relation) column(name string) (set, bool) {
	if r.table != "" {
		if slices.Contains(r.known, name) {
			return set{r.table + "." + name: {}}, true
		}
		return nil, false
	}
	for _, c := range r.cols {
		if c.name == name {
			return c.src, true
		}
	}
	return nil, false
}

// star is what "*" of the relation expands to.
func (r *relation) star() []column {
	if r.table == "" {
		return r.cols
	}
	if len(r.known) == 0 {
		return []column{{name: "*", src: set{r.table + ".*": {}}}}
	}
	out := make([]column, len(r.known))
	for i, k := range r.known {
		out[i] = column{name: k, src: set{r.table + "." + k: {}}}
	}
	return out
}

// every is every column of the relation, for count(*).
func (r *relation) every() set {
	s := set{}
	for _, c := range r.star() {
		s.merge(c.src)
	}
	return s
}

type item struct {
	alias string
	rel   *relation
}

type scope struct {
	items  []item
	ctes   map[string]*relation
	parent *scope
}

func (s *scope) cte(name string) *relation {
	for ; s != nil; s = s.parent {
		if r, ok := s.ctes[name]; ok {
			return r
		}
	}
	return nil
}

type analyzer struct {
	opts  LineageOptions
	reads map[string]bool
	depth int
	// acc is set for access analysis: it gathers every column a statement touches and where each
	// table is named, so that the statement can be checked and rewritten.
	acc *accessTrace
}

func (a *analyzer) enter() error {
	a.depth++
	if a.depth > maxDepth {
		return fmt.Errorf("the statement nests deeper than %d levels", maxDepth)
	}
	return nil
}

func (a *analyzer) leave() { a.depth-- }

func (a *analyzer) tableName(rv *pg.RangeVar) string {
	parts := []string{}
	if rv.Catalogname != "" {
		parts = append(parts, rv.Catalogname)
	}
	if rv.Schemaname != "" {
		parts = append(parts, rv.Schemaname)
	} else if a.opts.DefaultSchema != "" && rv.Catalogname == "" {
		parts = append(parts, a.opts.DefaultSchema)
	}
	return strings.Join(append(parts, rv.Relname), ".")
}

func (a *analyzer) known(table string) []string {
	if a.opts.Columns == nil {
		return nil
	}
	return a.opts.Columns(table)
}

func (a *analyzer) statement(n *pg.Node) (lineage.Statement, error) {
	var st lineage.Statement
	var err error
	switch {
	case n.GetSelectStmt() != nil:
		s := n.GetSelectStmt()
		var q *relation
		if q, err = a.selectStmt(s, nil); err == nil && s.IntoClause != nil {
			a.write(&st, a.tableName(s.IntoClause.Rel), names(s.IntoClause.ColNames), q)
		}
	case n.GetInsertStmt() != nil:
		err = a.insert(&st, n.GetInsertStmt())
	case n.GetCreateTableAsStmt() != nil:
		c := n.GetCreateTableAsStmt()
		var q *relation
		if q, err = a.query(c.Query, nil); err == nil {
			a.write(&st, a.tableName(c.Into.Rel), names(c.Into.ColNames), q)
		}
	case n.GetViewStmt() != nil:
		v := n.GetViewStmt()
		var q *relation
		if q, err = a.query(v.Query, nil); err == nil {
			a.write(&st, a.tableName(v.View), names(v.Aliases), q)
		}
	case n.GetUpdateStmt() != nil:
		err = a.update(&st, n.GetUpdateStmt())
	case n.GetMergeStmt() != nil:
		err = a.merge(&st, n.GetMergeStmt())
	case n.GetDeleteStmt() != nil:
		d := n.GetDeleteStmt()
		sc := &scope{}
		if err = a.with(d.WithClause, sc); err == nil {
			ind := set{}
			for _, f := range d.UsingClause {
				if err = a.from(f, sc, ind); err != nil {
					break
				}
			}
			sc.items = append(sc.items, item{alias: aliasOr(d.Relation.Alias, d.Relation.Relname), rel: &relation{table: a.tableName(d.Relation)}})
			if err == nil {
				err = a.collect(d.WhereClause, sc, ind, ind)
			}
		}
	default:
		return st, nil // DDL, utility and session statements carry no lineage
	}
	if err != nil {
		return st, err
	}
	a.finish(&st)
	return st, nil
}

// finish lists the tables the statement read, less those it writes.
func (a *analyzer) finish(st *lineage.Statement) {
	for t := range a.reads {
		if !slices.Contains(st.Writes, t) {
			st.Reads = append(st.Reads, t)
		}
	}
	sort.Strings(st.Reads)
}

// write records the edges of a query's output landing in target; cols names the target columns
// when the statement lists them.
func (a *analyzer) write(st *lineage.Statement, target string, cols []string, q *relation) {
	st.Writes = append(st.Writes, target)
	known := a.known(target)
	var targets []string
	for i, c := range q.cols {
		var tc string
		switch {
		case c.name == "*":
			tc = "*"
		case i < len(cols):
			tc = cols[i]
		case len(cols) == 0 && i < len(known) && !hasStar(q.cols):
			tc = known[i]
		case len(cols) == 0:
			tc = c.name
		default:
			continue
		}
		dst := target + "." + tc
		targets = append(targets, dst)
		for _, s := range c.src.sorted() {
			st.Columns = append(st.Columns, lineage.Pair{s, dst})
		}
	}
	a.indirect(st, q.indirect, targets)
}

func (a *analyzer) indirect(st *lineage.Statement, ind set, targets []string) {
	for _, s := range ind.sorted() {
		for _, t := range targets {
			if s != t {
				st.Indirect = append(st.Indirect, lineage.Pair{s, t})
			}
		}
	}
}

func hasStar(cols []column) bool {
	return slices.ContainsFunc(cols, func(c column) bool { return c.name == "*" })
}

func (a *analyzer) insert(st *lineage.Statement, ins *pg.InsertStmt) error {
	sc := &scope{}
	if err := a.with(ins.WithClause, sc); err != nil {
		return err
	}
	target := a.tableName(ins.Relation)
	if ins.SelectStmt == nil { // INSERT ... DEFAULT VALUES
		st.Writes = append(st.Writes, target)
		return nil
	}
	q, err := a.query(ins.SelectStmt, sc)
	if err != nil {
		return err
	}
	a.write(st, target, names(ins.Cols), q)
	return nil
}

func (a *analyzer) update(st *lineage.Statement, u *pg.UpdateStmt) error {
	sc := &scope{}
	if err := a.with(u.WithClause, sc); err != nil {
		return err
	}
	target := a.tableName(u.Relation)
	sc.items = append(sc.items, item{alias: aliasOr(u.Relation.Alias, u.Relation.Relname), rel: &relation{table: target, known: a.known(target)}})
	ind := set{}
	for _, f := range u.FromClause {
		if err := a.from(f, sc, ind); err != nil {
			return err
		}
	}
	if err := a.collect(u.WhereClause, sc, ind, ind); err != nil {
		return err
	}
	return a.assign(st, target, u.TargetList, sc, ind)
}

// assign records SET col = expr lists (UPDATE, MERGE ... UPDATE).
func (a *analyzer) assign(st *lineage.Statement, target string, list []*pg.Node, sc *scope, ind set) error {
	st.Writes = append(st.Writes, target)
	var targets []string
	for _, n := range list {
		rt := n.GetResTarget()
		if rt == nil {
			continue
		}
		src := set{}
		if err := a.collect(rt.Val, sc, src, ind); err != nil {
			return err
		}
		dst := target + "." + rt.Name
		targets = append(targets, dst)
		for _, s := range src.sorted() {
			if s != dst {
				st.Columns = append(st.Columns, lineage.Pair{s, dst})
			}
		}
	}
	a.indirect(st, ind, targets)
	return nil
}

func (a *analyzer) merge(st *lineage.Statement, m *pg.MergeStmt) error {
	sc := &scope{}
	if err := a.with(m.WithClause, sc); err != nil {
		return err
	}
	target := a.tableName(m.Relation)
	sc.items = append(sc.items, item{alias: aliasOr(m.Relation.Alias, m.Relation.Relname), rel: &relation{table: target, known: a.known(target)}})
	ind := set{}
	if err := a.from(m.SourceRelation, sc, ind); err != nil {
		return err
	}
	if err := a.collect(m.JoinCondition, sc, ind, ind); err != nil {
		return err
	}
	st.Writes = append(st.Writes, target)
	for _, w := range m.MergeWhenClauses {
		c := w.GetMergeWhenClause()
		if c == nil {
			continue
		}
		cind := set{}
		cind.merge(ind)
		if err := a.collect(c.Condition, sc, cind, cind); err != nil {
			return err
		}
		switch c.CommandType {
		case pg.CmdType_CMD_UPDATE:
			if err := a.assign(st, target, c.TargetList, sc, cind); err != nil {
				return err
			}
		case pg.CmdType_CMD_INSERT:
			cols := names(c.TargetList)
			if len(cols) == 0 {
				cols = a.known(target)
			}
			q := &relation{indirect: cind}
			for i, v := range c.Values {
				src := set{}
				if err := a.collect(v, sc, src, cind); err != nil {
					return err
				}
				name := fmt.Sprintf("column%d", i+1)
				if i < len(cols) {
					name = cols[i]
				}
				q.cols = append(q.cols, column{name: name, src: src})
			}
			a.write(st, target, cols, q)
		}
	}
	st.Writes = slices.Compact(st.Writes)
	return nil
}

// with registers a WITH clause's CTEs in sc.
func (a *analyzer) with(w *pg.WithClause, sc *scope) error {
	if w == nil {
		return nil
	}
	var defs []cteDef
	for _, n := range w.Ctes {
		if cte := n.GetCommonTableExpr(); cte != nil {
			defs = append(defs, cteDef{name: cte.Ctename, cols: names(cte.Aliascolnames),
				analyse: func(sc *scope) (*relation, error) { return a.query(cte.Ctequery, sc) }})
		}
	}
	return defineCTEs(sc, w.Recursive, defs)
}

// cteDef is one WITH entry, whichever parser read it.
type cteDef struct {
	name    string
	cols    []string
	analyse func(*scope) (*relation, error)
}

// defineCTEs registers CTEs in sc, each visible to the ones after it (and to itself when
// recursive: a second pass lets the recursive arm see the columns the anchor defined).
func defineCTEs(sc *scope, recursive bool, defs []cteDef) error {
	if sc.ctes == nil {
		sc.ctes = map[string]*relation{}
	}
	for _, d := range defs {
		placeholder := &relation{indirect: set{}}
		if recursive {
			sc.ctes[d.name] = placeholder
		}
		q, err := d.analyse(sc)
		if err != nil {
			return err
		}
		if recursive {
			*placeholder = *q
			if q, err = d.analyse(sc); err != nil {
				return err
			}
		}
		rename(q, d.cols)
		sc.ctes[d.name] = q
	}
	return nil
}

func rename(r *relation, cols []string) {
	for i := range r.cols {
		if i < len(cols) {
			r.cols[i].name = cols[i]
		}
	}
}

// query analyses a node that holds a SELECT (or VALUES, or a set operation).
func (a *analyzer) query(n *pg.Node, parent *scope) (*relation, error) {
	if n == nil || n.GetSelectStmt() == nil {
		return &relation{indirect: set{}}, nil
	}
	return a.selectStmt(n.GetSelectStmt(), parent)
}

func (a *analyzer) selectStmt(s *pg.SelectStmt, parent *scope) (*relation, error) {
	if err := a.enter(); err != nil {
		return nil, err
	}
	defer a.leave()
	sc := &scope{parent: parent}
	if err := a.with(s.WithClause, sc); err != nil {
		return nil, err
	}
	out := &relation{indirect: set{}}
	if s.Op == pg.SetOperation_SETOP_UNION || s.Op == pg.SetOperation_SETOP_INTERSECT || s.Op == pg.SetOperation_SETOP_EXCEPT {
		l, err := a.selectStmt(s.Larg, sc)
		if err != nil {
			return nil, err
		}
		r, err := a.selectStmt(s.Rarg, sc)
		if err != nil {
			return nil, err
		}
		for i, c := range l.cols {
			src := set{}
			src.merge(c.src)
			if i < len(r.cols) {
				src.merge(r.cols[i].src)
			}
			out.cols = append(out.cols, column{name: c.name, src: src})
		}
		out.indirect.merge(l.indirect)
		out.indirect.merge(r.indirect)
		return out, a.pgTail(s, sc, out)
	}
	if len(s.ValuesLists) > 0 {
		for _, row := range s.ValuesLists {
			for i, v := range row.GetList().GetItems() {
				if i >= len(out.cols) {
					out.cols = append(out.cols, column{name: fmt.Sprintf("column%d", i+1), src: set{}})
				}
				if err := a.collect(v, sc, out.cols[i].src, out.indirect); err != nil {
					return nil, err
				}
			}
		}
		return out, nil
	}
	for _, f := range s.FromClause {
		if err := a.from(f, sc, out.indirect); err != nil {
			return nil, err
		}
	}
	for _, n := range append([]*pg.Node{s.WhereClause, s.HavingClause}, s.GroupClause...) {
		if err := a.collect(n, sc, out.indirect, out.indirect); err != nil {
			return nil, err
		}
	}
	for _, n := range s.TargetList {
		rt := n.GetResTarget()
		if rt == nil {
			continue
		}
		if cr := rt.Val.GetColumnRef(); cr != nil && isStar(cr) {
			a.acc.seenAt(cr.Location)
			cols, err := a.expand(fields(cr), sc)
			if err != nil {
				return nil, err
			}
			out.cols = append(out.cols, cols...)
			continue
		}
		src := set{}
		if err := a.collect(rt.Val, sc, src, out.indirect); err != nil {
			return nil, err
		}
		out.cols = append(out.cols, column{name: outputName(rt), src: src})
	}
	return out, a.pgTail(s, sc, out)
}

// pgTail reads, for access checks, the clauses lineage leaves aside: ORDER BY, DISTINCT ON,
// windows, LIMIT and OFFSET (any of them may hold a column or a subquery). A bare ORDER BY name
// that is an output column stands for that column.
func (a *analyzer) pgTail(s *pg.SelectStmt, sc *scope, out *relation) error {
	if a.acc == nil {
		return nil
	}
	nodes := append([]*pg.Node{s.LimitCount, s.LimitOffset}, s.DistinctClause...)
	nodes = append(nodes, s.WindowClause...)
	for _, n := range s.SortClause {
		sb := n.GetSortBy()
		if sb == nil {
			nodes = append(nodes, n)
			continue
		}
		if cr := sb.Node.GetColumnRef(); cr != nil {
			if f := fields(cr); len(f) == 1 {
				if i := slices.IndexFunc(out.cols, func(c column) bool { return c.name == f[0] }); i >= 0 {
					a.acc.seenAt(cr.Location)
					a.acc.touch(out.cols[i].src)
					continue
				}
			}
		}
		nodes = append(nodes, sb.Node)
	}
	for _, n := range nodes {
		if err := a.collect(n, sc, out.indirect, out.indirect); err != nil {
			return err
		}
	}
	return nil
}

func outputName(rt *pg.ResTarget) string {
	if rt.Name != "" {
		return rt.Name
	}
	if cr := rt.Val.GetColumnRef(); cr != nil {
		f := fields(cr)
		return f[len(f)-1]
	}
	if fc := rt.Val.GetFuncCall(); fc != nil {
		f := names(fc.Funcname)
		if len(f) > 0 {
			return f[len(f)-1]
		}
	}
	return "?column?"
}

// from adds a FROM item to sc; join conditions and the filters of derived relations go to ind.
func (a *analyzer) from(n *pg.Node, sc *scope, ind set) error {
	if n == nil {
		return nil
	}
	if err := a.enter(); err != nil {
		return err
	}
	defer a.leave()
	switch {
	case n.GetRangeVar() != nil:
		rv := n.GetRangeVar()
		alias := aliasOr(rv.Alias, rv.Relname)
		if rv.Schemaname == "" && rv.Catalogname == "" {
			if cte := sc.cte(rv.Relname); cte != nil {
				a.acc.seenAt(rv.Location)
				ind.merge(cte.indirect)
				sc.items = append(sc.items, item{alias: alias, rel: cte})
				return nil
			}
		}
		name := a.tableName(rv)
		a.reads[name] = true
		a.acc.pgTable(name, n)
		sc.items = append(sc.items, item{alias: alias, rel: &relation{table: name, known: a.known(name)}})
	case n.GetRangeSubselect() != nil:
		rs := n.GetRangeSubselect()
		q, err := a.query(rs.Subquery, sc)
		if err != nil {
			return err
		}
		if rs.Alias != nil {
			rename(q, names(rs.Alias.Colnames))
		}
		ind.merge(q.indirect)
		sc.items = append(sc.items, item{alias: aliasOr(rs.Alias, ""), rel: q})
	case n.GetJoinExpr() != nil:
		j := n.GetJoinExpr()
		if err := a.from(j.Larg, sc, ind); err != nil {
			return err
		}
		if err := a.from(j.Rarg, sc, ind); err != nil {
			return err
		}
		using(names(j.UsingClause), sc, ind)
		return a.collect(j.Quals, sc, ind, ind)
	case n.GetRangeFunction() != nil:
		rf := n.GetRangeFunction()
		src := set{}
		fname := "?column?"
		for _, f := range rf.Functions {
			for _, fn := range f.GetList().GetItems() {
				if fc := fn.GetFuncCall(); fc != nil {
					if fn := names(fc.Funcname); len(fn) > 0 {
						fname = fn[len(fn)-1]
					}
				}
				if err := a.collect(fn, sc, src, ind); err != nil {
					return err
				}
			}
		}
		r := &relation{indirect: set{}}
		cols := []string{fname}
		if rf.Alias != nil && len(rf.Alias.Colnames) > 0 {
			cols = names(rf.Alias.Colnames)
		} else if rf.Alias != nil {
			cols = []string{rf.Alias.Aliasname}
		}
		for _, c := range cols {
			r.cols = append(r.cols, column{name: c, src: src})
		}
		sc.items = append(sc.items, item{alias: aliasOr(rf.Alias, fname), rel: r})
	}
	return nil
}

// using adds the columns a JOIN ... USING (cols) compares to ind.
func using(cols []string, sc *scope, ind set) {
	for _, u := range cols {
		for _, it := range sc.items {
			if src, ok := it.rel.column(u); ok {
				ind.merge(src)
			} else if it.rel.table != "" && len(it.rel.known) == 0 {
				ind.add(it.rel.table + "." + u)
			}
		}
	}
}

// collect walks an expression: column references go to direct, the columns a subquery inside it
// filtered on go to ind. Subqueries that test (EXISTS, IN, ANY, ALL) feed ind, not direct.
func (a *analyzer) collect(n *pg.Node, sc *scope, direct, ind set) error {
	if n == nil {
		return nil
	}
	if err := a.enter(); err != nil {
		return err
	}
	defer a.leave()
	var err error
	walk(n.ProtoReflect(), func(m proto.Message) bool {
		if err != nil {
			return false
		}
		switch v := m.(type) {
		case *pg.ColumnRef:
			a.acc.seenAt(v.Location)
			err = a.resolve(fields(v), sc, direct)
			return false
		case *pg.FuncCall:
			if v.AggStar {
				for _, it := range sc.items {
					direct.merge(it.rel.every())
				}
			}
			return true
		case *pg.SubLink:
			var q *relation
			if q, err = a.query(v.Subselect, sc); err != nil {
				return false
			}
			into := direct
			if v.SubLinkType != pg.SubLinkType_EXPR_SUBLINK && v.SubLinkType != pg.SubLinkType_ARRAY_SUBLINK {
				into = ind
			}
			for _, c := range q.cols {
				into.merge(c.src)
			}
			ind.merge(q.indirect)
			if v.Testexpr != nil {
				err = a.collect(v.Testexpr, sc, direct, ind)
			}
			return false
		case *pg.SelectStmt:
			var q *relation
			if q, err = a.selectStmt(v, sc); err == nil {
				for _, c := range q.cols {
					direct.merge(c.src)
				}
				ind.merge(q.indirect)
			}
			return false
		}
		return true
	})
	return err
}

// walk visits every message under m depth-first; visit returns false to skip a message's children.
func walk(m protoreflect.Message, visit func(proto.Message) bool) {
	if !visit(m.Interface()) {
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind {
			return true
		}
		if fd.IsList() {
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				walk(l.Get(i).Message(), visit)
			}
			return true
		}
		if !fd.IsMap() {
			walk(v.Message(), visit)
		}
		return true
	})
}

func isStar(cr *pg.ColumnRef) bool {
	return len(cr.Fields) > 0 && cr.Fields[len(cr.Fields)-1].GetAStar() != nil
}

// fields spells a column reference's parts, "*" for a star.
func fields(cr *pg.ColumnRef) []string {
	out := make([]string, 0, len(cr.Fields))
	for _, f := range cr.Fields {
		if f.GetAStar() != nil {
			out = append(out, "*")
		} else {
			out = append(out, f.GetString_().GetSval())
		}
	}
	return out
}

// lookup finds the FROM item a qualifier names, innermost scope first.
func lookup(sc *scope, qualifier string) *relation {
	for s := sc; s != nil; s = s.parent {
		for _, it := range s.items {
			if it.alias == qualifier || (it.rel.table != "" && (it.rel.table == qualifier || strings.HasSuffix(it.rel.table, "."+qualifier))) {
				return it.rel
			}
		}
	}
	return nil
}

// expand is what a select-list star (f ends in "*") stands for.
func (a *analyzer) expand(f []string, sc *scope) ([]column, error) {
	var out []column
	if len(f) == 1 {
		for _, it := range sc.items {
			out = append(out, it.rel.star()...)
		}
	} else {
		r := lookup(sc, strings.Join(f[:len(f)-1], "."))
		if r == nil {
			return nil, fmt.Errorf("%s: no table named %s in FROM", strings.Join(f, "."), strings.Join(f[:len(f)-1], "."))
		}
		out = r.star()
	}
	for _, c := range out {
		a.acc.touch(c.src)
	}
	return out, nil
}

// resolve adds the physical columns a column reference stands for to into. An unqualified name is
// looked up in derived relations and catalog-known tables first; failing that it belongs to the
// single table of unknown shape in the nearest scope that has any, and stays unresolved when two
// such tables could own it.
func (a *analyzer) resolve(f []string, sc *scope, into set) error {
	if a.acc == nil {
		return a.resolveInto(f, sc, into)
	}
	found := set{}
	err := a.resolveInto(f, sc, found)
	into.merge(found)
	a.acc.touch(found)
	if len(found) == 0 && len(f) == 1 {
		// A bare table alias is the whole row of that table (PostgreSQL row references).
		if r := lookup(sc, f[0]); r != nil {
			a.acc.touch(r.every())
			return err
		}
		// A name the catalog does not know: checked as a column of each table in scope.
		for s := sc; s != nil; s = s.parent {
			for _, it := range s.items {
				if it.rel.table != "" {
					a.acc.touch(set{it.rel.table + "." + f[0]: {}})
				}
			}
		}
	}
	return err
}

func (a *analyzer) resolveInto(f []string, sc *scope, into set) error {
	col := f[len(f)-1]
	if len(f) > 1 {
		q := strings.Join(f[:len(f)-1], ".")
		r := lookup(sc, q)
		if r == nil {
			return nil // a record field or a name outside the statement; not a column edge
		}
		if col == "*" {
			into.merge(r.every())
			return nil
		}
		if src, ok := r.column(col); ok {
			into.merge(src)
		} else if r.table != "" {
			into.add(r.table + "." + col)
		}
		return nil
	}
	for s := sc; s != nil; s = s.parent {
		var unknown []*relation
		for _, it := range s.items {
			if src, ok := it.rel.column(col); ok {
				into.merge(src)
				return nil
			}
			if it.rel.table != "" && len(it.rel.known) == 0 {
				unknown = append(unknown, it.rel)
			}
		}
		switch len(unknown) {
		case 0:
			continue
		case 1:
			into.add(unknown[0].table + "." + col)
		default:
			// Not a lineage edge, but for access checks the column may belong to any of them.
			for _, r := range unknown {
				a.acc.touch(set{r.table + "." + col: {}})
			}
		}
		return nil
	}
	return nil
}

func aliasOr(al *pg.Alias, name string) string {
	if al != nil && al.Aliasname != "" {
		return al.Aliasname
	}
	return name
}

// names reads a list of String or ResTarget nodes as plain names.
func names(ns []*pg.Node) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		switch {
		case n.GetString_() != nil:
			out = append(out, n.GetString_().Sval)
		case n.GetResTarget() != nil:
			out = append(out, n.GetResTarget().Name)
		}
	}
	return out
}
