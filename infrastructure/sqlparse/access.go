package sqlparse

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
	"google.golang.org/protobuf/proto"
)

// Access analysis: which tables and columns a statement reads — through *, CTEs, subqueries,
// joins, filters and functions, with catalog-known columns for tables — and a rewrite that puts a
// view (masked columns, filtered rows) in place of every reference to a table, so that no query
// shape reaches the stored values around it.

// accessTrace gathers, during an analysis, the columns touched and where each table is named.
type accessTrace struct {
	cols       set
	pgRefs     map[string][]pgRef
	myRefs     map[string][]*ast.TableSource
	unviewable map[string]bool // tables named where no view can stand (MySQL UPDATE/DELETE targets)
	// What the analysis visited, by location (PostgreSQL) or node (MySQL): after it, every table
	// and column reference in the tree must have been visited, or part of the statement went unread.
	seenLoc   map[int32]bool
	seenNodes map[ast.Node]bool
}

func (t *accessTrace) seenAt(loc int32) {
	if t != nil {
		t.seenLoc[loc] = true
	}
}

func (t *accessTrace) seenNode(n ast.Node) {
	if t != nil {
		t.seenNodes[n] = true
	}
}

// pgRef is where a table is named in the text, and whether an alias follows.
type pgRef struct {
	at      int32
	aliased bool
}

func newTrace() *accessTrace {
	return &accessTrace{cols: set{}, pgRefs: map[string][]pgRef{}, myRefs: map[string][]*ast.TableSource{}, unviewable: map[string]bool{},
		seenLoc: map[int32]bool{}, seenNodes: map[ast.Node]bool{}}
}

func (t *accessTrace) touch(s set) {
	if t != nil {
		t.cols.merge(s)
	}
}

func (t *accessTrace) pgTable(name string, n *pg.Node) {
	if t != nil {
		rv := n.GetRangeVar()
		t.seenLoc[rv.Location] = true
		t.pgRefs[name] = append(t.pgRefs[name], pgRef{rv.Location, rv.Alias != nil})
		if !n.GetRangeVar().Inh {
			t.unviewable[name] = true // ONLY t: no view can follow ONLY
		}
	}
}

func (t *accessTrace) myTable(name string, ts *ast.TableSource) {
	if t != nil {
		t.myRefs[name] = append(t.myRefs[name], ts)
	}
}

func (t *accessTrace) fixed(name string) {
	if t != nil {
		t.unviewable[name] = true
	}
}

// AccessAnalysis is what one SELECT reads.
type AccessAnalysis struct {
	// Tables maps each table read ("schema.table") to the columns the statement touches, sorted;
	// "*" stands for every column of a table whose columns the catalog does not know. A table
	// with no columns listed is read without any column value (COUNT(*), EXISTS).
	Tables map[string][]string
	// Functions are the lower-case names of the functions called, qualified as written.
	Functions []string

	text   string
	myTree ast.StmtNode
	trace  *accessTrace
}

// accessGrammar tells which parser reads a dialect for access analysis.
func accessGrammar(dialect string) (Dialect, error) {
	switch dialect {
	case "postgres", "ansi", "trino":
		return Postgres, nil
	case "mysql", "starrocks":
		return MySQL, nil
	}
	return 0, fmt.Errorf("access analysis does not read the %s dialect", dialect)
}

// AnalyseAccess analyses one SELECT for an access check. Anything else — several statements,
// writes, SHOW, EXPLAIN, text the parser rejects — is an error saying why.
func AnalyseAccess(opts LineageOptions, text string) (*AccessAnalysis, error) {
	grammar, err := accessGrammar(opts.Dialect)
	if err != nil {
		return nil, err
	}
	a := &analyzer{opts: opts, reads: map[string]bool{}, acc: newTrace()}
	res := &AccessAnalysis{text: text, trace: a.acc}
	if grammar == MySQL {
		if opts.Dialect == "starrocks" {
			text = starrocksText(text)
			res.text = text
		}
		stmts, _, err := parser.New().ParseSQL(text)
		if err != nil {
			return nil, syntaxError(err)
		}
		if len(stmts) != 1 {
			return nil, fmt.Errorf("the text holds %d statements; one SELECT at a time", len(stmts))
		}
		if st := classifyMySQL(stmts[0]); st.Kind != "select" || !st.ReadOnly {
			return nil, fmt.Errorf("only SELECT statements can be checked against data permissions, not %s", st.Kind)
		}
		if _, err := a.myStatement(stmts[0]); err != nil {
			return nil, err
		}
		res.myTree = stmts[0]
		res.Functions = myFunctions(stmts[0])
		if err := a.acc.myUnread(stmts[0]); err != nil {
			return nil, err
		}
	} else {
		tree, err := pg.Parse(text)
		if err != nil {
			return nil, syntaxError(err)
		}
		if len(tree.Stmts) != 1 {
			return nil, fmt.Errorf("the text holds %d statements; one SELECT at a time", len(tree.Stmts))
		}
		n := tree.Stmts[0].Stmt
		if st := classifyPG(n); st.Kind != "select" || !st.ReadOnly {
			return nil, fmt.Errorf("only SELECT statements can be checked against data permissions, not %s", st.Kind)
		}
		if _, err := a.statement(n); err != nil {
			return nil, err
		}
		if res.Functions, err = a.acc.pgUnread(n); err != nil {
			return nil, err
		}
	}
	res.Tables = map[string][]string{}
	for t := range a.reads {
		res.Tables[t] = nil
	}
	for c := range a.acc.cols {
		t, col := splitColumn(c, a.reads)
		if t == "" {
			continue
		}
		if !slices.Contains(res.Tables[t], col) {
			res.Tables[t] = append(res.Tables[t], col)
		}
	}
	for t := range res.Tables {
		sort.Strings(res.Tables[t])
	}
	return res, nil
}

// splitColumn splits "schema.table.column" at the longest table name read.
func splitColumn(c string, tables map[string]bool) (string, string) {
	best := ""
	for t := range tables {
		if strings.HasPrefix(c, t+".") && len(t) > len(best) {
			best = t
		}
	}
	if best == "" {
		return "", ""
	}
	return best, c[len(best)+1:]
}

// pgUnread finds a table or column reference the analysis did not visit, and lists the functions
// the statement calls, in one walk of the tree.
func (t *accessTrace) pgUnread(n *pg.Node) ([]string, error) {
	var missed string
	funcs := set{}
	walk(n.ProtoReflect(), func(m proto.Message) bool {
		switch v := m.(type) {
		case *pg.FuncCall:
			funcs.add(strings.ToLower(strings.Join(names(v.Funcname), ".")))
		case *pg.RangeVar:
			if !t.seenLoc[v.Location] && missed == "" {
				missed = "table " + v.Relname
			}
		case *pg.ColumnRef:
			if !t.seenLoc[v.Location] && missed == "" {
				missed = "column " + strings.Join(fields(v), ".")
			}
		}
		return missed == ""
	})
	if missed != "" {
		return nil, fmt.Errorf("the analyser does not read the clause that holds %s", missed)
	}
	return funcs.sorted(), nil
}

type unreadVisitor struct {
	t      *accessTrace
	missed string
}

func (v *unreadVisitor) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.TableName:
		if !v.t.seenNodes[x] && v.missed == "" {
			v.missed = "table " + x.Name.O
		}
	case *ast.ColumnNameExpr:
		if !v.t.seenNodes[x] && v.missed == "" {
			v.missed = "column " + x.Name.Name.O
		}
	}
	return n, v.missed != ""
}

func (v *unreadVisitor) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// myUnread is pgUnread for TiDB trees.
func (t *accessTrace) myUnread(n ast.StmtNode) error {
	v := &unreadVisitor{t: t}
	n.Accept(v)
	if v.missed != "" {
		return fmt.Errorf("the analyser does not read the clause that holds %s", v.missed)
	}
	return nil
}

type funcVisitor struct{ seen set }

func (v *funcVisitor) Enter(n ast.Node) (ast.Node, bool) {
	switch f := n.(type) {
	case *ast.FuncCallExpr:
		name := f.FnName.L
		if f.Schema.L != "" {
			name = f.Schema.L + "." + name
		}
		v.seen.add(name)
	case *ast.AggregateFuncExpr:
		v.seen.add(strings.ToLower(f.F))
	case *ast.WindowFuncExpr:
		v.seen.add(strings.ToLower(f.Name))
	}
	return n, false
}

func (v *funcVisitor) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func myFunctions(n ast.StmtNode) []string {
	v := &funcVisitor{seen: set{}}
	n.Accept(v)
	return v.seen.sorted()
}

// Rewrite puts views in place of tables: views maps a table ("schema.table") to the text of a
// SELECT (see View) that stands in for it under the name the statement uses. Every reference to
// each table is replaced; a reference where no view can stand is an error.
func (r *AccessAnalysis) Rewrite(views map[string]string) (string, error) {
	if len(views) == 0 {
		return r.text, nil
	}
	for t := range views {
		if r.trace.unviewable[t] {
			return "", fmt.Errorf("%s is named where a masked or filtered view cannot replace it", t)
		}
	}
	if r.myTree != nil {
		return r.rewriteMySQL(views)
	}
	return r.rewritePG(views)
}

// rewritePG splices the views into the text at the names' offsets, so the rest of the statement
// stays exactly as written (Trino-protocol engines read it too).
func (r *AccessAnalysis) rewritePG(views map[string]string) (string, error) {
	scan, err := pg.Scan(r.text)
	if err != nil {
		return "", syntaxError(err)
	}
	type splice struct {
		start, end int
		with       string
	}
	var cuts []splice
	for table, view := range views {
		for _, ref := range r.trace.pgRefs[table] {
			i := slices.IndexFunc(scan.Tokens, func(t *pg.ScanToken) bool { return t.Start == ref.at })
			if i < 0 {
				return "", fmt.Errorf("%s: the table name was not found in the text", table)
			}
			end := i
			for end+2 < len(scan.Tokens) && scan.Tokens[end+1].Token == pg.Token_ASCII_46 && scan.Tokens[end+2].Start == scan.Tokens[end+1].End {
				end += 2
			}
			last := scan.Tokens[end]
			with := "(" + view + ")"
			if !ref.aliased {
				with += " AS " + quotePG(lastName(r.text[last.Start:last.End]))
			}
			cuts = append(cuts, splice{int(scan.Tokens[i].Start), int(last.End), with})
		}
	}
	sort.Slice(cuts, func(i, j int) bool { return cuts[i].start > cuts[j].start })
	out := r.text
	for _, c := range cuts {
		out = out[:c.start] + c.with + out[c.end:]
	}
	return out, nil
}

// lastName is the unquoted last part of a name token.
func lastName(tok string) string {
	if strings.HasPrefix(tok, `"`) && strings.HasSuffix(tok, `"`) && len(tok) >= 2 {
		return strings.ReplaceAll(tok[1:len(tok)-1], `""`, `"`)
	}
	return strings.ToLower(tok)
}

func (r *AccessAnalysis) rewriteMySQL(views map[string]string) (string, error) {
	for table, view := range views {
		for _, ts := range r.trace.myRefs[table] {
			stmts, _, err := parser.New().ParseSQL(view)
			if err != nil || len(stmts) != 1 {
				return "", fmt.Errorf("view of %s does not parse: %v", table, err)
			}
			sel, ok := stmts[0].(*ast.SelectStmt)
			if !ok {
				return "", fmt.Errorf("view of %s is not a SELECT", table)
			}
			if ts.AsName.O == "" {
				if tn, ok := ts.Source.(*ast.TableName); ok {
					ts.AsName = tn.Name
				}
			}
			ts.Source = sel
		}
	}
	var sb strings.Builder
	if err := r.myTree.Restore(format.NewRestoreCtx(format.DefaultRestoreFlags, &sb)); err != nil {
		return "", fmt.Errorf("restore the rewritten statement: %w", err)
	}
	return sb.String(), nil
}

// ViewColumn is one column of a view: its name and its mask ("" for none).
type ViewColumn struct {
	Name     string
	Mask     string
	KeepLast int
}

// View is the SELECT that stands in for a table: every column in order, masked where asked, and
// only the rows at least one of the predicates admits (none: every row).
func View(dialect, qualifier, table string, cols []ViewColumn, predicates []string) (string, error) {
	grammar, err := accessGrammar(dialect)
	if err != nil {
		return "", err
	}
	quote := quotePG
	if grammar == MySQL {
		quote = quoteMySQL
	}
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		q := quote(c.Name)
		if c.Mask == "" {
			b.WriteString(q)
			continue
		}
		expr, err := maskExpr(dialect, q, c.Mask, c.KeepLast)
		if err != nil {
			return "", err
		}
		b.WriteString(expr + " AS " + q)
	}
	b.WriteString(" FROM ")
	if qualifier != "" {
		b.WriteString(quote(qualifier) + ".")
	}
	b.WriteString(quote(table))
	if len(predicates) > 0 {
		b.WriteString(" WHERE (" + strings.Join(predicates, ") OR (") + ")")
	}
	return b.String(), nil
}

func maskExpr(dialect, q, mask string, keep int) (string, error) {
	nullable := func(e string) string { return "CASE WHEN " + q + " IS NULL THEN NULL ELSE " + e + " END" }
	my := dialect == "mysql" || dialect == "starrocks"
	text := "CAST(" + q + " AS varchar)"
	if my {
		text = "CAST(" + q + " AS char)"
	}
	switch mask {
	case "full":
		return nullable("'****'"), nil
	case "partial":
		if my {
			return nullable(fmt.Sprintf("CONCAT(REPEAT('*', GREATEST(CHAR_LENGTH(%s) - %d, 0)), RIGHT(%s, %d))", text, keep, text, keep)), nil
		}
		return nullable(fmt.Sprintf("lpad(substr(%s, greatest(length(%s) - %d, 0) + 1), length(%s), '*')", text, text, keep, text)), nil
	case "hash":
		switch dialect {
		case "trino":
			return "lower(to_hex(sha256(to_utf8(" + text + "))))", nil
		case "mysql", "starrocks":
			return "SHA2(" + text + ", 256)", nil
		}
		return "encode(sha256(convert_to(" + text + ", 'UTF8')), 'hex')", nil
	case "null":
		if my {
			return "CAST(NULL AS char)", nil
		}
		return "CAST(NULL AS varchar)", nil
	case "year":
		if my {
			return "MAKEDATE(YEAR(" + q + "), 1)", nil
		}
		return "CAST(date_trunc('year', " + q + ") AS date)", nil
	}
	return "", fmt.Errorf("unknown mask %q", mask)
}

func quotePG(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func quoteMySQL(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

// CheckPredicate parses a row-filter predicate as the WHERE clause of a plain SELECT in the
// dialect: anything that would not stay a predicate (a second statement, a UNION smuggled past a
// parenthesis, a comment eating the rest) is refused.
func CheckPredicate(dialect, predicate string) error {
	grammar, err := accessGrammar(dialect)
	if err != nil {
		return err
	}
	text := "SELECT 1 FROM t WHERE (" + predicate + ")"
	if strings.Contains(predicate, "--") || strings.Contains(predicate, "/*") || strings.Contains(predicate, "#") && grammar == MySQL {
		return fmt.Errorf("a row filter cannot hold comments")
	}
	if grammar == MySQL {
		stmts, _, err := parser.New().ParseSQL(text)
		if err != nil {
			return syntaxError(err)
		}
		if len(stmts) != 1 {
			return fmt.Errorf("the predicate must be one boolean expression")
		}
		if s, ok := stmts[0].(*ast.SelectStmt); !ok || s.Where == nil || s.Limit != nil || s.GroupBy != nil || s.Having != nil || s.OrderBy != nil {
			return fmt.Errorf("the predicate must be one boolean expression")
		}
		return nil
	}
	tree, err := pg.Parse(text)
	if err != nil {
		return syntaxError(err)
	}
	if len(tree.Stmts) != 1 {
		return fmt.Errorf("the predicate must be one boolean expression")
	}
	s := tree.Stmts[0].Stmt.GetSelectStmt()
	if s == nil || s.Op != pg.SetOperation_SETOP_NONE || s.WhereClause == nil || s.LimitCount != nil || len(s.GroupClause) > 0 ||
		s.HavingClause != nil || len(s.SortClause) > 0 || len(s.LockingClause) > 0 || s.WithClause != nil {
		return fmt.Errorf("the predicate must be one boolean expression")
	}
	return nil
}
