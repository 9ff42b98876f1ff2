// Package sqlparse reads SQL with real parsers — PostgreSQL's own (pg_query) and TiDB's MySQL
// parser — to tell what a statement does: how many statements a text holds, whether they only read,
// and whether a SELECT already limits its rows.
package sqlparse

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	_ "github.com/pingcap/tidb/pkg/parser/test_driver" // value expressions for the TiDB parser

	"assetflow/domain/datasource"
	"assetflow/domain/fault"
)

// Dialect chooses the parser.
type Dialect int

const (
	// Postgres also stands in for Trino-protocol engines, whose SELECTs it reads.
	Postgres Dialect = iota
	MySQL
)

// DialectOf maps a datasource type to its parser.
func DialectOf(t datasource.Type) Dialect {
	switch t {
	case datasource.MySQL, datasource.MariaDB, datasource.StarRocks:
		return MySQL
	}
	return Postgres
}

// Statement is what the parser learned of one statement.
type Statement struct {
	Kind     string // select, show, explain, describe, insert, update, delete, ddl, other
	ReadOnly bool
	// Limited: a SELECT with its own LIMIT (or FETCH); paging then wraps it instead of appending.
	Limited bool
	// Pageable: a plain SELECT (or set operation) that LIMIT/OFFSET can be appended to.
	Pageable bool
	// Why a statement does not only read.
	Reason string
}

// Parse splits and classifies the statements of text.
func Parse(d Dialect, text string) ([]Statement, error) {
	if d == MySQL {
		return parseMySQL(text)
	}
	return parsePostgres(text)
}

// Single parses text that must hold exactly one statement.
func Single(d Dialect, text string) (Statement, error) {
	stmts, err := Parse(d, text)
	if err != nil {
		return Statement{}, err
	}
	switch len(stmts) {
	case 0:
		return Statement{}, fault.Field("sql", "the SQL text holds no statement")
	case 1:
		return stmts[0], nil
	}
	return Statement{}, fault.Field("sql", fmt.Sprintf("run one statement at a time (the text holds %d); select the one to run", len(stmts)))
}

func syntaxError(err error) error {
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return fault.Field("sql", "SQL syntax error: "+msg)
}

func parsePostgres(text string) ([]Statement, error) {
	tree, err := pg.Parse(text)
	if err != nil {
		return nil, syntaxError(err)
	}
	out := make([]Statement, 0, len(tree.Stmts))
	for _, raw := range tree.Stmts {
		out = append(out, classifyPG(raw.Stmt))
	}
	return out, nil
}

func classifyPG(n *pg.Node) Statement {
	switch {
	case n.GetSelectStmt() != nil:
		s := n.GetSelectStmt()
		st := Statement{Kind: "select", ReadOnly: true, Pageable: true}
		st.Limited = s.LimitCount != nil || s.LimitOffset != nil
		if s.IntoClause != nil {
			return Statement{Kind: "ddl", Reason: "SELECT … INTO creates a table"}
		}
		if len(s.LockingClause) > 0 {
			return Statement{Kind: "select", Reason: "SELECT … FOR UPDATE/SHARE takes row locks"}
		}
		if s.WithClause != nil {
			for _, cte := range s.WithClause.Ctes {
				if q := cte.GetCommonTableExpr().GetCtequery(); q != nil {
					if inner := classifyPG(q); !inner.ReadOnly {
						return Statement{Kind: "with", Reason: "a WITH clause changes data (" + inner.Kind + ")"}
					}
				}
			}
		}
		return st
	case n.GetExplainStmt() != nil:
		e := n.GetExplainStmt()
		inner := classifyPG(e.Query)
		for _, opt := range e.Options {
			if d := opt.GetDefElem(); d != nil && strings.EqualFold(d.Defname, "analyze") && !inner.ReadOnly {
				return Statement{Kind: "explain", Reason: "EXPLAIN ANALYZE runs the statement, and it changes data"}
			}
		}
		return Statement{Kind: "explain", ReadOnly: true}
	case n.GetVariableShowStmt() != nil:
		return Statement{Kind: "show", ReadOnly: true}
	case n.GetInsertStmt() != nil:
		return Statement{Kind: "insert", Reason: "INSERT changes data"}
	case n.GetUpdateStmt() != nil:
		return Statement{Kind: "update", Reason: "UPDATE changes data"}
	case n.GetDeleteStmt() != nil:
		return Statement{Kind: "delete", Reason: "DELETE changes data"}
	case n.GetMergeStmt() != nil:
		return Statement{Kind: "merge", Reason: "MERGE changes data"}
	case n.GetCopyStmt() != nil:
		return Statement{Kind: "copy", Reason: "COPY reads or writes files and tables"}
	case n.GetVariableSetStmt() != nil, n.GetTransactionStmt() != nil:
		return Statement{Kind: "other", Reason: "session and transaction statements are not allowed"}
	}
	return Statement{Kind: "ddl", Reason: "the statement changes the database"}
}

func parseMySQL(text string) ([]Statement, error) {
	p := parser.New()
	stmts, _, err := p.Parse(text, "", "")
	if err != nil {
		return nil, syntaxError(err)
	}
	out := make([]Statement, 0, len(stmts))
	for _, s := range stmts {
		out = append(out, classifyMySQL(s))
	}
	return out, nil
}

func classifyMySQL(n ast.StmtNode) Statement {
	switch s := n.(type) {
	case *ast.SelectStmt:
		if s.SelectIntoOpt != nil {
			return Statement{Kind: "select", Reason: "SELECT … INTO writes a file or variables"}
		}
		if s.LockInfo != nil && s.LockInfo.LockType != ast.SelectLockNone {
			return Statement{Kind: "select", Reason: "SELECT … FOR UPDATE/SHARE takes row locks"}
		}
		return Statement{Kind: "select", ReadOnly: true, Pageable: true, Limited: s.Limit != nil}
	case *ast.SetOprStmt:
		return Statement{Kind: "select", ReadOnly: true, Pageable: true, Limited: s.Limit != nil}
	case *ast.ShowStmt:
		return Statement{Kind: "show", ReadOnly: true}
	case *ast.ExplainStmt:
		inner := classifyMySQL(s.Stmt)
		if s.Analyze && !inner.ReadOnly {
			return Statement{Kind: "explain", Reason: "EXPLAIN ANALYZE runs the statement, and it changes data"}
		}
		kind := "explain"
		if _, ok := s.Stmt.(*ast.ShowStmt); ok {
			kind = "describe"
		}
		return Statement{Kind: kind, ReadOnly: true}
	case *ast.InsertStmt:
		return Statement{Kind: "insert", Reason: "INSERT changes data"}
	case *ast.UpdateStmt:
		return Statement{Kind: "update", Reason: "UPDATE changes data"}
	case *ast.DeleteStmt:
		return Statement{Kind: "delete", Reason: "DELETE changes data"}
	case *ast.SetStmt, *ast.BeginStmt, *ast.CommitStmt, *ast.RollbackStmt, *ast.UseStmt:
		return Statement{Kind: "other", Reason: "session and transaction statements are not allowed"}
	}
	return Statement{Kind: "ddl", Reason: "the statement changes the database"}
}

// CheckReadOnly refuses anything but one statement that only reads.
func CheckReadOnly(st Statement) error {
	if st.ReadOnly {
		return nil
	}
	return fault.Forbidden("this datasource is read-only in the query console: " + st.Reason +
		" (only SELECT, SHOW, DESCRIBE, EXPLAIN and WITH … SELECT run; an admin can allow writes in the datasource's query settings)")
}
