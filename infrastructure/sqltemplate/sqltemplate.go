// Package sqltemplate renders Django-style SQL templates ({{ var }}, {% if %}, {% for %}, filters)
// with pongo2, and refuses templates that use a variable nobody defined, naming it and its line.
package sqltemplate

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/flosch/pongo2/v6"

	"assetflow/domain/fault"
)

var registerFilters sync.Once

// quoteSQL writes a value as a SQL literal: numbers and booleans bare, everything else as a
// single-quoted string with quotes doubled.
func quoteSQL(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int, int32, int64, float32, float64:
		return fmt.Sprint(x)
	case bool:
		if x {
			return "TRUE"
		}
		return "FALSE"
	}
	return "'" + strings.ReplaceAll(fmt.Sprint(v), "'", "''") + "'"
}

// filters adds |sql (a value as a SQL literal) and |sqllist (a list as comma-separated literals,
// for IN (...)), so templates need not splice raw text.
func filters() {
	_ = pongo2.RegisterFilter("sql", func(in, _ *pongo2.Value) (*pongo2.Value, *pongo2.Error) {
		return pongo2.AsSafeValue(quoteSQL(in.Interface())), nil
	})
	_ = pongo2.RegisterFilter("sqllist", func(in, _ *pongo2.Value) (*pongo2.Value, *pongo2.Error) {
		var parts []string
		in.Iterate(func(_, _ int, key, _ *pongo2.Value) bool {
			parts = append(parts, quoteSQL(key.Interface()))
			return true
		}, func() {})
		if len(parts) == 0 {
			return pongo2.AsSafeValue("NULL"), nil
		}
		return pongo2.AsSafeValue(strings.Join(parts, ", ")), nil
	})
}

// Render renders text with params. A template error or an undefined variable is an INVALID_PARAM
// error on field "sql" whose message starts with the line.
func Render(text string, params map[string]any) (string, error) {
	if !strings.Contains(text, "{{") && !strings.Contains(text, "{%") {
		return text, nil
	}
	if err := checkDefined(text, params); err != nil {
		return "", err
	}
	registerFilters.Do(filters)
	parseMu.Lock() // pongo2's default template set is not safe for concurrent parsing
	tpl, err := pongo2.FromString(text)
	parseMu.Unlock()
	if err != nil {
		return "", templateError(err)
	}
	out, err := tpl.Execute(pongo2.Context(params))
	if err != nil {
		return "", templateError(err)
	}
	return out, nil
}

var parseMu sync.Mutex

func templateError(err error) error {
	var pe *pongo2.Error
	if errors.As(err, &pe) {
		msg := "template error"
		if pe.OrigError != nil {
			msg = pe.OrigError.Error()
		}
		line := fmt.Sprintf("line %d, column %d: %s", pe.Line, pe.Column, msg)
		return fault.Field("sql", "template "+line)
	}
	return fault.Field("sql", "template error: "+err.Error())
}

var (
	tagRe     = regexp.MustCompile(`(?s)\{\{(.*?)\}\}|\{%(.*?)%\}|\{#.*?#\}`)
	stringRe  = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	identRe   = regexp.MustCompile(`[|.]?\s*[A-Za-z_][A-Za-z0-9_]*`)
	keywords  = map[string]bool{"and": true, "or": true, "not": true, "in": true, "true": true, "false": true, "none": true, "True": true, "False": true, "None": true, "is": true, "forloop": true}
	blockTags = map[string]bool{"endif": true, "else": true, "endfor": true, "empty": true, "endwith": true, "endblock": true, "endautoescape": true, "endfilter": true, "endspaceless": true, "endcomment": true, "comment": true}
)

// checkDefined finds variables used but neither passed nor defined by for/with/set.
func checkDefined(text string, params map[string]any) error {
	defined := map[string]bool{}
	for k := range params {
		defined[k] = true
	}
	for _, m := range tagRe.FindAllStringSubmatchIndex(text, -1) {
		line := strings.Count(text[:m[0]], "\n") + 1
		var expr string
		switch {
		case m[2] >= 0:
			expr = text[m[2]:m[3]]
		case m[4] >= 0:
			body := strings.TrimSpace(text[m[4]:m[5]])
			tag, rest, _ := strings.Cut(body, " ")
			switch {
			case blockTags[tag]:
				continue
			case tag == "for":
				vars, src, ok := strings.Cut(rest, " in ")
				if !ok {
					continue // pongo2 reports the syntax error
				}
				for _, v := range strings.Split(vars, ",") {
					defined[strings.TrimSpace(v)] = true
				}
				expr = src
			case tag == "with" || tag == "set":
				for _, part := range strings.Fields(rest) {
					if name, value, ok := strings.Cut(part, "="); ok {
						defined[strings.TrimSpace(name)] = true
						if err := checkExpr(value, defined, line); err != nil {
							return err
						}
					}
				}
				continue
			case tag == "if" || tag == "elif":
				expr = rest
			default:
				continue
			}
		default:
			continue // a comment
		}
		if err := checkExpr(expr, defined, line); err != nil {
			return err
		}
	}
	return nil
}

func checkExpr(expr string, defined map[string]bool, line int) error {
	if strings.Contains(expr, "|default") {
		return nil // the template handles a missing value itself
	}
	expr = stringRe.ReplaceAllString(expr, `""`)
	for _, tok := range identRe.FindAllString(expr, -1) {
		t := strings.TrimSpace(tok)
		if strings.HasPrefix(t, "|") || strings.HasPrefix(t, ".") {
			continue // a filter name or an attribute
		}
		if keywords[t] || defined[t] {
			continue
		}
		return fault.Field("sql", fmt.Sprintf("template line %d: undefined variable %q (add it under 模板参数)", line, t))
	}
	return nil
}
