package sqlparse

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"assetflow/domain/lineage"
)

// mysql parses text with TiDB's MySQL grammar and analyses each statement. The scope, column and
// write rules are the ones the PostgreSQL path uses; only the tree walk differs.
func (sc *script) mysql(opts LineageOptions, text string) {
	stmts, _, err := parser.New().ParseSQL(text)
	if err != nil {
		sc.errs = append(sc.errs, err.Error())
		return
	}
	for i, n := range stmts {
		a := &analyzer{opts: opts, reads: map[string]bool{}}
		st, err := a.myStatement(n)
		if err != nil {
			sc.errs = append(sc.errs, fmt.Sprintf("statement %d: %v", i+1, err))
			continue
		}
		sc.stmts = append(sc.stmts, st)
	}
}

// starrocksText rewrites what StarRocks adds to MySQL's INSERT: OVERWRITE and WITH LABEL.
func starrocksText(text string) string {
	toks, err := hiveTokens(text)
	if err != nil {
		return text // the parser reports the error
	}
	var out []string
	for _, st := range splitTokens(toks) {
		ts := significant(st)
		if len(ts) == 0 {
			continue
		}
		var b []token
		for i := 0; i < len(ts); i++ {
			switch {
			case ts[i].is("insert") && i+1 < len(ts) && ts[i+1].is("overwrite"):
				b = append(b, word("INSERT"), word("INTO"))
				i++
			case ts[i].is("with") && i+1 < len(ts) && ts[i+1].is("label") && i+2 < len(ts):
				i += 2
			default:
				b = append(b, ts[i])
			}
		}
		out = append(out, renderMySQL(b))
	}
	return strings.Join(out, ";\n")
}

// renderMySQL writes tokens back; no space before "(" keeps COUNT(*) a function call to MySQL.
func renderMySQL(toks []token) string {
	tight := func(t token, ps ...string) bool {
		return t.kind == tkPunct && slices.Contains(ps, t.text)
	}
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && !tight(t, "(", ")", ".", ",") && !tight(toks[i-1], "(", ".") {
			b.WriteByte(' ')
		}
		switch t.kind {
		case tkIdent:
			b.WriteString("`" + strings.ReplaceAll(t.text, "`", "``") + "`")
		case tkString:
			b.WriteString("'" + strings.ReplaceAll(strings.ReplaceAll(t.text, `\`, `\\`), "'", "''") + "'")
		default:
			b.WriteString(t.text)
		}
	}
	return b.String()
}

func (a *analyzer) myTable(t *ast.TableName) string {
	if t.Schema.L != "" {
		return t.Schema.L + "." + t.Name.L
	}
	if a.opts.DefaultSchema != "" {
		return a.opts.DefaultSchema + "." + t.Name.L
	}
	return t.Name.L
}

func (a *analyzer) myStatement(n ast.StmtNode) (lineage.Statement, error) {
	var st lineage.Statement
	var err error
	switch v := n.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
		_, err = a.myQuery(v, nil)
	case *ast.InsertStmt:
		err = a.myInsert(&st, v)
	case *ast.CreateTableStmt:
		if v.Select != nil {
			var q *relation
			if q, err = a.myQuery(v.Select, nil); err == nil {
				a.write(&st, a.myTable(v.Table), nil, q)
			}
		}
	case *ast.CreateViewStmt:
		var q *relation
		if q, err = a.myQuery(v.Select, nil); err == nil {
			cols := make([]string, len(v.Cols))
			for i, c := range v.Cols {
				cols[i] = c.L
			}
			a.write(&st, a.myTable(v.ViewName), cols, q)
		}
	case *ast.UpdateStmt:
		err = a.myUpdate(&st, v)
	case *ast.DeleteStmt:
		sc := &scope{}
		if err = a.myWith(v.With, sc); err == nil {
			ind := set{}
			if v.TableRefs != nil {
				err = a.myFrom(v.TableRefs.TableRefs, sc, ind)
			}
			if err == nil {
				err = a.myCollect(v.Where, sc, ind, ind)
			}
			// The table deleted from is modified, not read.
			if len(sc.items) > 0 && sc.items[0].rel.table != "" {
				delete(a.reads, sc.items[0].rel.table)
			}
		}
	default:
		return st, nil
	}
	if err != nil {
		return st, err
	}
	a.finish(&st)
	return st, nil
}

func (a *analyzer) myInsert(st *lineage.Statement, ins *ast.InsertStmt) error {
	var target string
	if ins.Table != nil && ins.Table.TableRefs != nil {
		switch t := ins.Table.TableRefs.Left.(type) {
		case *ast.TableSource:
			if tn, ok := t.Source.(*ast.TableName); ok {
				target = a.myTable(tn)
			}
		case *ast.TableName:
			target = a.myTable(t)
		}
	}
	if target == "" {
		return fmt.Errorf("INSERT without a target table")
	}
	cols := make([]string, len(ins.Columns))
	for i, c := range ins.Columns {
		cols[i] = c.Name.L
	}
	if ins.Select == nil {
		// VALUES rows or INSERT ... SET: constants and expressions over no table.
		q := &relation{indirect: set{}}
		for _, row := range ins.Lists {
			for i, e := range row {
				if i >= len(q.cols) {
					q.cols = append(q.cols, column{name: fmt.Sprintf("column%d", i+1), src: set{}})
				}
				if err := a.myCollect(e, &scope{}, q.cols[i].src, q.indirect); err != nil {
					return err
				}
			}
		}
		a.write(st, target, cols, q)
		return nil
	}
	q, err := a.myQuery(ins.Select, nil)
	if err != nil {
		return err
	}
	a.write(st, target, cols, q)
	return nil
}

func (a *analyzer) myUpdate(st *lineage.Statement, u *ast.UpdateStmt) error {
	sc := &scope{}
	if err := a.myWith(u.With, sc); err != nil {
		return err
	}
	ind := set{}
	if err := a.myFrom(u.TableRefs.TableRefs, sc, ind); err != nil {
		return err
	}
	if err := a.myCollect(u.Where, sc, ind, ind); err != nil {
		return err
	}
	// Each assignment names its table (or the only one); those tables are written, not read.
	byTarget := map[string][]string{}
	var order []string
	for _, as := range u.List {
		var r *relation
		if as.Column.Table.L != "" {
			r = lookup(sc, as.Column.Table.L)
		} else if len(sc.items) > 0 {
			r = sc.items[0].rel
		}
		if r == nil || r.table == "" {
			continue
		}
		src := set{}
		if err := a.myCollect(as.Expr, sc, src, ind); err != nil {
			return err
		}
		dst := r.table + "." + as.Column.Name.L
		if _, ok := byTarget[r.table]; !ok {
			order = append(order, r.table)
			st.Writes = append(st.Writes, r.table)
		}
		byTarget[r.table] = append(byTarget[r.table], dst)
		for _, s := range src.sorted() {
			if s != dst {
				st.Columns = append(st.Columns, lineage.Pair{s, dst})
			}
		}
	}
	for _, t := range order {
		a.indirect(st, ind, byTarget[t])
	}
	return nil
}

func (a *analyzer) myWith(w *ast.WithClause, sc *scope) error {
	if w == nil {
		return nil
	}
	defs := make([]cteDef, len(w.CTEs))
	for i, cte := range w.CTEs {
		cols := make([]string, len(cte.ColNameList))
		for j, c := range cte.ColNameList {
			cols[j] = c.L
		}
		defs[i] = cteDef{name: cte.Name.L, cols: cols,
			analyse: func(sc *scope) (*relation, error) { return a.myQuery(cte.Query.Query, sc) }}
	}
	return defineCTEs(sc, w.IsRecursive, defs)
}

// myQuery analyses a SELECT, a set operation or a parenthesised query.
func (a *analyzer) myQuery(n ast.Node, parent *scope) (*relation, error) {
	if err := a.enter(); err != nil {
		return nil, err
	}
	defer a.leave()
	out := &relation{indirect: set{}}
	switch v := n.(type) {
	case *ast.SubqueryExpr:
		return a.myQuery(v.Query, parent)
	case *ast.SetOprStmt:
		sc := &scope{parent: parent}
		if err := a.myWith(v.With, sc); err != nil {
			return nil, err
		}
		q, err := a.myQuery(v.SelectList, sc)
		if err != nil {
			return nil, err
		}
		return q, a.myTail(v.OrderBy, v.Limit, sc, q)
	case *ast.SetOprSelectList:
		sc := &scope{parent: parent}
		if err := a.myWith(v.With, sc); err != nil {
			return nil, err
		}
		for i, s := range v.Selects {
			q, err := a.myQuery(s, sc)
			if err != nil {
				return nil, err
			}
			for j, c := range q.cols {
				if i == 0 {
					out.cols = append(out.cols, column{name: c.name, src: set{}})
				}
				if j < len(out.cols) {
					out.cols[j].src.merge(c.src)
				}
			}
			out.indirect.merge(q.indirect)
		}
		return out, nil
	case *ast.SelectStmt:
		sc := &scope{parent: parent}
		if err := a.myWith(v.With, sc); err != nil {
			return nil, err
		}
		if v.Kind == ast.SelectStmtKindValues {
			for _, row := range v.Lists {
				for i, e := range row.Values {
					if i >= len(out.cols) {
						out.cols = append(out.cols, column{name: fmt.Sprintf("column_%d", i), src: set{}})
					}
					if err := a.myCollect(e, sc, out.cols[i].src, out.indirect); err != nil {
						return nil, err
					}
				}
			}
			return out, nil
		}
		if v.From != nil {
			if err := a.myFrom(v.From.TableRefs, sc, out.indirect); err != nil {
				return nil, err
			}
		}
		filters := []ast.ExprNode{v.Where}
		if v.GroupBy != nil {
			for _, it := range v.GroupBy.Items {
				filters = append(filters, it.Expr)
			}
		}
		if v.Having != nil {
			filters = append(filters, v.Having.Expr)
		}
		for _, e := range filters {
			if err := a.myCollect(e, sc, out.indirect, out.indirect); err != nil {
				return nil, err
			}
		}
		if v.Fields == nil {
			return out, nil
		}
		for _, f := range v.Fields.Fields {
			if f.WildCard != nil {
				var parts []string
				for _, p := range []string{f.WildCard.Schema.L, f.WildCard.Table.L} {
					if p != "" {
						parts = append(parts, p)
					}
				}
				cols, err := a.expand(append(parts, "*"), sc)
				if err != nil {
					return nil, err
				}
				out.cols = append(out.cols, cols...)
				continue
			}
			src := set{}
			if err := a.myCollect(f.Expr, sc, src, out.indirect); err != nil {
				return nil, err
			}
			out.cols = append(out.cols, column{name: myOutputName(f), src: src})
		}
		return out, a.myTail(v.OrderBy, v.Limit, sc, out)
	}
	return out, nil
}

// myTail reads, for access checks, ORDER BY and LIMIT; a bare ORDER BY name that is an output
// column stands for that column.
func (a *analyzer) myTail(order *ast.OrderByClause, limit *ast.Limit, sc *scope, out *relation) error {
	if a.acc == nil {
		return nil
	}
	var exprs []ast.ExprNode
	if order != nil {
		for _, it := range order.Items {
			if cn, ok := it.Expr.(*ast.ColumnNameExpr); ok && cn.Name.Table.L == "" {
				if i := slices.IndexFunc(out.cols, func(c column) bool { return c.name == cn.Name.Name.L }); i >= 0 {
					a.acc.seenNode(cn)
					a.acc.touch(out.cols[i].src)
					continue
				}
			}
			exprs = append(exprs, it.Expr)
		}
	}
	if limit != nil {
		exprs = append(exprs, limit.Count, limit.Offset)
	}
	for _, e := range exprs {
		if e == nil {
			continue
		}
		if err := a.myCollect(e, sc, out.indirect, out.indirect); err != nil {
			return err
		}
	}
	return nil
}

func myOutputName(f *ast.SelectField) string {
	if f.AsName.L != "" {
		return f.AsName.L
	}
	switch e := f.Expr.(type) {
	case *ast.ColumnNameExpr:
		return e.Name.Name.L
	case *ast.AggregateFuncExpr:
		return strings.ToLower(e.F)
	case *ast.FuncCallExpr:
		return e.FnName.L
	}
	return "?column?"
}

func (a *analyzer) myFrom(n ast.ResultSetNode, sc *scope, ind set) error {
	if n == nil {
		return nil
	}
	if err := a.enter(); err != nil {
		return err
	}
	defer a.leave()
	switch v := n.(type) {
	case *ast.Join:
		if err := a.myFrom(v.Left, sc, ind); err != nil {
			return err
		}
		if err := a.myFrom(v.Right, sc, ind); err != nil {
			return err
		}
		cols := make([]string, len(v.Using))
		for i, c := range v.Using {
			cols[i] = c.Name.L
		}
		using(cols, sc, ind)
		if v.On != nil {
			return a.myCollect(v.On.Expr, sc, ind, ind)
		}
	case *ast.TableSource:
		alias := v.AsName.L
		switch src := v.Source.(type) {
		case *ast.TableName:
			if alias == "" {
				alias = src.Name.L
			}
			if src.Schema.L == "" {
				if cte := sc.cte(src.Name.L); cte != nil {
					a.acc.seenNode(src)
					ind.merge(cte.indirect)
					sc.items = append(sc.items, item{alias: alias, rel: cte})
					return nil
				}
			}
			name := a.myTable(src)
			a.reads[name] = true
			a.acc.seenNode(src)
			a.acc.myTable(name, v)
			sc.items = append(sc.items, item{alias: alias, rel: &relation{table: name, known: a.known(name)}})
		case *ast.Join:
			return a.myFrom(src, sc, ind)
		default:
			q, err := a.myQuery(src, sc)
			if err != nil {
				return err
			}
			cols := make([]string, len(v.ColumnNames))
			for i, c := range v.ColumnNames {
				cols[i] = c.L
			}
			rename(q, cols)
			ind.merge(q.indirect)
			sc.items = append(sc.items, item{alias: alias, rel: q})
		}
	case *ast.TableName:
		a.acc.fixed(a.myTable(v))
		return a.myFrom(&ast.TableSource{Source: v}, sc, ind)
	}
	return nil
}

// myCollect is collect for TiDB trees.
func (a *analyzer) myCollect(n ast.Node, sc *scope, direct, ind set) error {
	if n == nil {
		return nil
	}
	if err := a.enter(); err != nil {
		return err
	}
	defer a.leave()
	v := &myVisitor{a: a, sc: sc, direct: direct, ind: ind}
	n.Accept(v)
	return v.err
}

type myVisitor struct {
	a           *analyzer
	sc          *scope
	direct, ind set
	err         error
}

func (v *myVisitor) subquery(n ast.Node, into set) {
	q, err := v.a.myQuery(n, v.sc)
	if err != nil {
		v.err = err
		return
	}
	for _, c := range q.cols {
		into.merge(c.src)
	}
	v.ind.merge(q.indirect)
}

func (v *myVisitor) Enter(n ast.Node) (ast.Node, bool) {
	if v.err != nil {
		return n, true
	}
	switch e := n.(type) {
	case *ast.ColumnNameExpr:
		v.a.acc.seenNode(e)
		var f []string
		for _, p := range []string{e.Name.Schema.L, e.Name.Table.L, e.Name.Name.L} {
			if p != "" {
				f = append(f, p)
			}
		}
		v.err = v.a.resolve(f, v.sc, v.direct)
		return n, true
	case *ast.SubqueryExpr:
		v.subquery(e, v.direct)
		return n, true
	case *ast.ExistsSubqueryExpr:
		v.subquery(e.Sel, v.ind)
		return n, true
	case *ast.PatternInExpr:
		if e.Sel == nil {
			return n, false
		}
		if v.err = v.a.myCollect(e.Expr, v.sc, v.direct, v.ind); v.err == nil {
			v.subquery(e.Sel, v.ind)
		}
		return n, true
	case *ast.CompareSubqueryExpr:
		if v.err = v.a.myCollect(e.L, v.sc, v.direct, v.ind); v.err == nil {
			v.subquery(e.R, v.ind)
		}
		return n, true
	case *ast.AggregateFuncExpr:
		// COUNT(*) reaches the parser as COUNT(1): every column of every table in scope.
		if strings.EqualFold(e.F, "count") && len(e.Args) == 1 {
			if _, ok := e.Args[0].(ast.ValueExpr); ok {
				for _, it := range v.sc.items {
					v.direct.merge(it.rel.every())
				}
				return n, true
			}
		}
	}
	return n, false
}

func (v *myVisitor) Leave(n ast.Node) (ast.Node, bool) { return n, true }
