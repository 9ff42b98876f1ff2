// Package lineage is what lineage means: which tables a piece of SQL reads and writes, and which
// source column feeds which target column, directly (the select list) or indirectly (joins,
// filters, grouping). The analysis of SQL text lives in infrastructure/sqlparse; this package holds
// the result and the rules for combining results of a script.
package lineage

import (
	"slices"
	"sort"
)

// Pair is a column edge "table.column" → "table.column" ("table.*" for unexpanded stars).
type Pair [2]string

// Result is the lineage of a statement or a script.
type Result struct {
	Sources       []string `json:"sources"`
	Targets       []string `json:"targets"`
	Intermediates []string `json:"intermediates"`
	ColumnLineage []Pair   `json:"column_lineage"`
	Indirect      []Pair   `json:"indirect"`
	Errors        []string `json:"errors"`
	// Tables are the table-level edges, each statement's reads to its writes.
	Tables []Pair `json:"-"`
}

// Statement is one statement's reads and writes before a script is combined.
type Statement struct {
	Reads    []string
	Writes   []string
	Columns  []Pair
	Indirect []Pair
}

// Combine merges a script's statements: a table written by one statement and read by a later one
// is an intermediate, neither a source nor a target; column edges through it are kept as they are.
// Edges are listed once, sorted; an edge both direct and indirect is listed as direct.
func Combine(stmts []Statement, errs []string) Result {
	written := map[string]int{}
	afterWrite := map[string]bool{}
	sources := map[string]bool{}
	for i, s := range stmts {
		for _, r := range s.Reads {
			if w, ok := written[r]; ok && w < i {
				afterWrite[r] = true
			} else {
				sources[r] = true
			}
		}
		for _, w := range s.Writes {
			if _, ok := written[w]; !ok {
				written[w] = i
			}
		}
	}
	res := Result{Sources: []string{}, Targets: []string{}, Intermediates: []string{}, ColumnLineage: []Pair{}, Indirect: []Pair{}, Errors: errs}
	if res.Errors == nil {
		res.Errors = []string{}
	}
	for t := range written {
		if afterWrite[t] {
			res.Intermediates = append(res.Intermediates, t)
		} else {
			res.Targets = append(res.Targets, t)
		}
	}
	for r := range sources {
		if !afterWrite[r] {
			res.Sources = append(res.Sources, r)
		}
	}
	for _, s := range stmts {
		res.ColumnLineage = appendUnique(res.ColumnLineage, s.Columns...)
		for _, r := range s.Reads {
			for _, w := range s.Writes {
				res.Tables = appendUnique(res.Tables, Pair{r, w})
			}
		}
	}
	// An edge that is direct is not also listed as indirect.
	for _, s := range stmts {
		for _, p := range s.Indirect {
			if !slices.Contains(res.ColumnLineage, p) && !slices.Contains(res.Indirect, p) {
				res.Indirect = append(res.Indirect, p)
			}
		}
	}
	sort.Strings(res.Sources)
	sort.Strings(res.Targets)
	sort.Strings(res.Intermediates)
	sortPairs(res.ColumnLineage)
	sortPairs(res.Tables)
	sortPairs(res.Indirect)
	return res
}

func appendUnique(list []Pair, add ...Pair) []Pair {
	for _, p := range add {
		if !slices.Contains(list, p) {
			list = append(list, p)
		}
	}
	return list
}

func sortPairs(ps []Pair) {
	sort.Slice(ps, func(i, j int) bool {
		if ps[i][0] != ps[j][0] {
			return ps[i][0] < ps[j][0]
		}
		return ps[i][1] < ps[j][1]
	})
}
