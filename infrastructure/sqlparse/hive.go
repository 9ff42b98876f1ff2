package sqlparse

import (
	"fmt"
	"strings"
	"unicode"
)

// No Go module parses HiveQL or Spark SQL, and both differ from the PostgreSQL grammar only in a
// handful of places that matter for lineage. hiveStatements splits a script into statements and
// rewrites those places token by token, so the real PostgreSQL parser does the parsing:
//
//   - `ident` becomes "ident" (lower-cased: Hive and Spark identifiers are case-insensitive) and
//     "text" becomes 'text' (double quotes delimit strings in both);
//   - INSERT OVERWRITE|INTO [TABLE] t [PARTITION (...)] [IF NOT EXISTS] becomes INSERT INTO t;
//   - LATERAL VIEW [OUTER] f(args) alias [AS] c1, c2 becomes CROSS JOIN LATERAL f(args) AS alias(c1, c2);
//   - LEFT SEMI JOIN becomes JOIN and [LEFT] ANTI JOIN becomes LEFT JOIN;
//   - CREATE [TEMPORARY|EXTERNAL] TABLE t ... AS SELECT drops the storage clauses between the name
//     and AS; CACHE TABLE t AS SELECT becomes CREATE TABLE t AS SELECT;
//   - DISTRIBUTE BY / CLUSTER BY clauses are dropped, SORT BY becomes ORDER BY;
//   - RLIKE/REGEXP become ~, <=> becomes IS NOT DISTINCT FROM, == becomes =;
//   - FROM s INSERT … SELECT … [INSERT … SELECT …] (multi-insert) becomes one INSERT … SELECT … FROM s
//     per branch;
//   - USE db sets the schema of the statements after it; SET, ADD JAR and other session commands
//     carry no lineage and are dropped.

type tokenKind int

const (
	tkWord tokenKind = iota
	tkIdent
	tkString
	tkNumber
	tkPunct
	tkSpace
)

type token struct {
	kind tokenKind
	text string
}

func (t token) is(words ...string) bool {
	if t.kind != tkWord {
		return false
	}
	for _, w := range words {
		if strings.EqualFold(t.text, w) {
			return true
		}
	}
	return false
}

// hiveTokens splits Hive/Spark SQL into tokens; comments become spaces.
func hiveTokens(src string) ([]token, error) {
	var out []token
	r := []rune(src)
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case unicode.IsSpace(c):
			j := i
			for j < len(r) && unicode.IsSpace(r[j]) {
				j++
			}
			out = append(out, token{tkSpace, " "})
			i = j
		case c == '-' && i+1 < len(r) && r[i+1] == '-':
			for i < len(r) && r[i] != '\n' {
				i++
			}
			out = append(out, token{tkSpace, " "})
		case c == '/' && i+1 < len(r) && r[i+1] == '*':
			end := strings.Index(string(r[i+2:]), "*/")
			if end < 0 {
				return nil, fmt.Errorf("unterminated /* comment")
			}
			i += 2 + len([]rune(string(r[i+2:])[:end])) + 2
			out = append(out, token{tkSpace, " "})
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(r) && r[j] != c; j++ {
				if r[j] == '\\' && j+1 < len(r) {
					j++
				}
				b.WriteRune(r[j])
			}
			if j >= len(r) {
				return nil, fmt.Errorf("unterminated string starting %q", clip(string(r[i:])))
			}
			out = append(out, token{tkString, b.String()})
			i = j + 1
		case c == '`':
			j := i + 1
			for j < len(r) && r[j] != '`' {
				j++
			}
			if j >= len(r) {
				return nil, fmt.Errorf("unterminated `identifier starting %q", clip(string(r[i:])))
			}
			out = append(out, token{tkIdent, strings.ToLower(string(r[i+1 : j]))})
			i = j + 1
		case unicode.IsLetter(c) || c == '_' || c == '$':
			j := i
			for j < len(r) && (unicode.IsLetter(r[j]) || unicode.IsDigit(r[j]) || r[j] == '_' || r[j] == '$') {
				j++
			}
			out = append(out, token{tkWord, string(r[i:j])})
			i = j
		case unicode.IsDigit(c):
			j := i
			for j < len(r) && (unicode.IsDigit(r[j]) || r[j] == '.' || unicode.IsLetter(r[j])) {
				j++
			}
			// Hive's typed literals (10L, 5Y, 3S, 1.5BD) are plain numbers to PostgreSQL.
			num := string(r[i:j])
			for _, suffix := range []string{"BD", "bd", "L", "l", "Y", "y", "S", "s"} {
				if n, ok := strings.CutSuffix(num, suffix); ok && n != "" && !strings.ContainsAny(n, "eExX") {
					num = n
					break
				}
			}
			out = append(out, token{tkNumber, num})
			i = j
		default:
			for _, op := range []string{"<=>", "==", "!=", "<>", "<=", ">=", "||", "::"} {
				if strings.HasPrefix(string(r[i:min(i+3, len(r))]), op) {
					out = append(out, token{tkPunct, op})
					i += len(op)
					goto next
				}
			}
			out = append(out, token{tkPunct, string(c)})
			i++
		next:
		}
	}
	return out, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

type hiveStmt struct {
	sql    string
	schema string
}

// hiveStatements splits and rewrites a Hive/Spark script; see the comment at the top of the file.
func hiveStatements(src string) ([]hiveStmt, error) {
	toks, err := hiveTokens(src)
	if err != nil {
		return nil, err
	}
	var out []hiveStmt
	schema := ""
	for _, st := range splitTokens(toks) {
		words := significant(st)
		if len(words) == 0 {
			continue
		}
		switch {
		case words[0].is("use") && len(words) >= 2:
			schema = words[1].text
			continue
		case words[0].is("set", "reset", "msck", "analyze", "refresh", "invalidate", "show", "describe", "desc", "explain", "uncache", "clear"):
			continue
		case words[0].is("add", "list", "delete") && len(words) > 1 && words[1].is("jar", "jars", "file", "files", "archive", "archives"):
			continue
		}
		for _, part := range multiInsert(words) {
			out = append(out, hiveStmt{sql: render(rewrite(part)), schema: schema})
		}
	}
	return out, nil
}

// multiInsert splits Hive's FROM-first multi-insert into one INSERT … SELECT … FROM … per branch:
// the shared FROM clause goes after each branch's select list. Other statements come back as they are.
func multiInsert(ts []token) [][]token {
	if len(ts) == 0 || !ts[0].is("from") {
		return [][]token{ts}
	}
	var inserts []int
	depth := 0
	for i, t := range ts {
		switch {
		case isPunct(ts, i, "("):
			depth++
		case isPunct(ts, i, ")"):
			depth--
		case depth == 0 && t.is("insert"):
			inserts = append(inserts, i)
		}
	}
	if len(inserts) == 0 {
		return [][]token{ts}
	}
	from := ts[1:inserts[0]]
	var out [][]token
	for n, start := range inserts {
		end := len(ts)
		if n+1 < len(inserts) {
			end = inserts[n+1]
		}
		branch := ts[start:end]
		sel := topLevel(branch, 0, "select")
		if sel < 0 {
			out = append(out, branch)
			continue
		}
		listEnd := topLevel(branch, sel+1, "where", "group", "having", "order", "sort", "distribute", "cluster", "limit", "window", "union")
		if listEnd < 0 {
			listEnd = len(branch)
		}
		stmt := append([]token{}, branch[:listEnd]...)
		stmt = append(append(stmt, word("FROM")), from...)
		out = append(out, append(stmt, branch[listEnd:]...))
	}
	return out
}

// topLevel finds the first of the words outside parentheses at or after i, or -1.
func topLevel(ts []token, i int, words ...string) int {
	depth := 0
	for ; i < len(ts); i++ {
		switch {
		case isPunct(ts, i, "("):
			depth++
		case isPunct(ts, i, ")"):
			depth--
		case depth == 0 && ts[i].is(words...):
			return i
		}
	}
	return -1
}

// splitTokens cuts the script at semicolons outside parentheses.
func splitTokens(toks []token) [][]token {
	var out [][]token
	depth, start := 0, 0
	for i, t := range toks {
		switch {
		case t.kind == tkPunct && t.text == "(":
			depth++
		case t.kind == tkPunct && t.text == ")":
			depth--
		case t.kind == tkPunct && t.text == ";" && depth <= 0:
			out = append(out, toks[start:i])
			start, depth = i+1, 0
		}
	}
	return append(out, toks[start:])
}

// significant drops the spaces; render puts one back between every two tokens.
func significant(toks []token) []token {
	out := make([]token, 0, len(toks))
	for _, t := range toks {
		if t.kind != tkSpace {
			out = append(out, t)
		}
	}
	return out
}

func render(toks []token) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch t.kind {
		case tkIdent:
			b.WriteString(`"` + strings.ReplaceAll(t.text, `"`, `""`) + `"`)
		case tkString:
			b.WriteString(`'` + strings.ReplaceAll(t.text, `'`, `''`) + `'`)
		default:
			b.WriteString(t.text)
		}
	}
	return b.String()
}

func word(w string) token  { return token{tkWord, w} }
func punct(p string) token { return token{tkPunct, p} }

// skipParens returns the index after the parenthesised group starting at i (which holds "(").
func skipParens(ts []token, i int) int {
	depth := 0
	for ; i < len(ts); i++ {
		if ts[i].kind == tkPunct && ts[i].text == "(" {
			depth++
		} else if ts[i].kind == tkPunct && ts[i].text == ")" {
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return i
}

func isPunct(ts []token, i int, p string) bool {
	return i < len(ts) && ts[i].kind == tkPunct && ts[i].text == p
}

// qualifiedName returns the index after a dotted name starting at i.
func qualifiedName(ts []token, i int) int {
	for i < len(ts) && (ts[i].kind == tkWord || ts[i].kind == tkIdent) {
		i++
		if !isPunct(ts, i, ".") {
			break
		}
		i++
	}
	return i
}

func rewrite(ts []token) []token {
	// CACHE [LAZY] TABLE t AS SELECT → CREATE TABLE t AS SELECT
	if len(ts) > 2 && ts[0].is("cache") {
		i := 1
		if ts[i].is("lazy") {
			i++
		}
		ts = append([]token{word("CREATE")}, ts[i:]...)
	}
	// CREATE [OR REPLACE] [TEMPORARY|EXTERNAL|GLOBAL TEMPORARY] TABLE [IF NOT EXISTS] t <clauses> AS query
	if len(ts) > 3 && ts[0].is("create") {
		i := 1
		for i < len(ts) && ts[i].is("or", "replace", "temporary", "temp", "external", "global") {
			i++
		}
		if i < len(ts) && ts[i].is("table") {
			i++
			if i+2 < len(ts) && ts[i].is("if") {
				i += 3
			}
			end := qualifiedName(ts, i)
			for j := end; j+1 < len(ts); j++ {
				if isPunct(ts, j, "(") {
					j = skipParens(ts, j) - 1
					continue
				}
				if ts[j].is("as") && (ts[j+1].is("select", "with", "values") || isPunct(ts, j+1, "(")) {
					ts = append(append([]token{word("CREATE"), word("TABLE")}, ts[i:end]...), ts[j:]...)
					break
				}
			}
		}
	}
	var out []token
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		switch {
		case t.is("insert") && i+1 < len(ts) && ts[i+1].is("overwrite", "into"):
			j := i + 2
			if j < len(ts) && ts[j].is("table") {
				j++
			}
			end := qualifiedName(ts, j)
			out = append(append(out, word("INSERT"), word("INTO")), ts[j:end]...)
			j = end
			if j < len(ts) && ts[j].is("partition") && isPunct(ts, j+1, "(") {
				j = skipParens(ts, j+1)
			}
			if j+2 < len(ts) && ts[j].is("if") && ts[j+1].is("not") && ts[j+2].is("exists") {
				j += 3
			}
			i = j - 1
		case t.is("lateral") && i+1 < len(ts) && ts[i+1].is("view"):
			j := i + 2
			if j < len(ts) && ts[j].is("outer") {
				j++
			}
			fnEnd := qualifiedName(ts, j)
			if isPunct(ts, fnEnd, "(") {
				fnEnd = skipParens(ts, fnEnd)
			}
			out = append(append(out, word("CROSS"), word("JOIN"), word("LATERAL")), ts[j:fnEnd]...)
			j = fnEnd
			var alias token
			if j < len(ts) && (ts[j].kind == tkWord || ts[j].kind == tkIdent) && !ts[j].is("as") {
				alias = ts[j]
				j++
			}
			if j < len(ts) && ts[j].is("as") {
				j++
			}
			var cols []token
			for j < len(ts) && (ts[j].kind == tkWord || ts[j].kind == tkIdent) && !isClauseWord(ts[j]) {
				cols = append(cols, ts[j])
				j++
				if isPunct(ts, j, ",") && j+1 < len(ts) && (ts[j+1].kind == tkWord || ts[j+1].kind == tkIdent) && !isClauseWord(ts[j+1]) && !isPunct(ts, j+2, "(") && !isPunct(ts, j+2, ".") {
					j++
					continue
				}
				break
			}
			if alias.text == "" {
				alias = word("exploded")
			}
			out = append(out, word("AS"), alias)
			if len(cols) > 0 {
				out = append(out, punct("("))
				for k, c := range cols {
					if k > 0 {
						out = append(out, punct(","))
					}
					out = append(out, c)
				}
				out = append(out, punct(")"))
			}
			i = j - 1
		case t.is("left") && i+2 < len(ts) && ts[i+1].is("semi") && ts[i+2].is("join"):
			out = append(out, word("JOIN"))
			i += 2
		case t.is("left", "right") && i+2 < len(ts) && ts[i+1].is("anti") && ts[i+2].is("join"):
			out = append(out, word("LEFT"), word("JOIN"))
			i += 2
		case t.is("semi", "anti") && i+1 < len(ts) && ts[i+1].is("join"):
			if t.is("anti") {
				out = append(out, word("LEFT"))
			}
			out = append(out, word("JOIN"))
			i++
		case t.is("distribute", "cluster") && i+1 < len(ts) && ts[i+1].is("by"):
			j := i + 2
			for depth := 0; j < len(ts); j++ {
				if isPunct(ts, j, "(") {
					depth++
				} else if isPunct(ts, j, ")") {
					if depth == 0 {
						break
					}
					depth--
				} else if depth == 0 && (ts[j].is("sort", "order", "limit", "union", "insert", "intersect", "except", "window")) {
					break
				}
			}
			i = j - 1
		case t.is("sort") && i+1 < len(ts) && ts[i+1].is("by"):
			out = append(out, word("ORDER"))
		case t.is("rlike", "regexp") && !isPunct(ts, i+1, "("):
			out = append(out, punct("~"))
		case t.kind == tkPunct && t.text == "<=>":
			out = append(out, word("IS"), word("NOT"), word("DISTINCT"), word("FROM"))
		case t.kind == tkPunct && t.text == "==":
			out = append(out, punct("="))
		default:
			out = append(out, t)
		}
	}
	return out
}

// isClauseWord reports the keywords that end a LATERAL VIEW column list.
func isClauseWord(t token) bool {
	return t.is("where", "group", "having", "order", "sort", "distribute", "cluster", "limit", "lateral", "join", "left", "right", "inner", "full", "cross", "union", "window", "on", "insert", "select")
}
