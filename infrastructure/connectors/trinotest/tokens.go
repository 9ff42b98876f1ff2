package trinotest

import "strings"

// token is a piece of a statement: 's' a string literal, 'i' a quoted identifier, 'n' a number,
// 'w' a word (letters, digits, _ and $), 'p' punctuation, ' ' white space. Joining the texts gives the statement back.
type token struct {
	kind byte
	text string
	pos  int // index in the token list (set by significant)
}

func tokenize(sql string) []token {
	var out []token
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(sql) {
				if sql[j] == c {
					if j+1 < len(sql) && sql[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			j = min(j+1, len(sql))
			kind := byte('s')
			if c == '"' {
				kind = 'i'
			}
			out = append(out, token{kind: kind, text: sql[i:j]})
			i = j
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			j := i
			for j < len(sql) && strings.IndexByte(" \t\n\r", sql[j]) >= 0 {
				j++
			}
			out = append(out, token{kind: ' ', text: sql[i:j]})
			i = j
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(sql) && sql[i+1] >= '0' && sql[i+1] <= '9':
			j := i
			for j < len(sql) && (sql[j] >= '0' && sql[j] <= '9' || sql[j] == '.') {
				j++
			}
			if j < len(sql) && (sql[j] == 'e' || sql[j] == 'E') {
				k := j + 1
				if k < len(sql) && (sql[k] == '+' || sql[k] == '-') {
					k++
				}
				if k < len(sql) && sql[k] >= '0' && sql[k] <= '9' {
					for j = k; j < len(sql) && sql[j] >= '0' && sql[j] <= '9'; j++ {
					}
				}
			}
			out = append(out, token{kind: 'n', text: sql[i:j]})
			i = j
		case isWordByte(c):
			j := i
			for j < len(sql) && isWordByte(sql[j]) {
				j++
			}
			out = append(out, token{kind: 'w', text: sql[i:j]})
			i = j
		default:
			n := 1
			if i+1 < len(sql) && (sql[i:i+2] == "<=" || sql[i:i+2] == ">=" || sql[i:i+2] == "<>" || sql[i:i+2] == "!=" || sql[i:i+2] == "||") {
				n = 2
			}
			out = append(out, token{kind: 'p', text: sql[i : i+n]})
			i += n
		}
	}
	return out
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// significant drops white space, remembering each token's index in toks.
func significant(toks []token) []token {
	var out []token
	for i, t := range toks {
		if t.kind != ' ' {
			t.pos = i
			out = append(out, t)
		}
	}
	return out
}

// name is an identifier's name: unquoted and folded to lower case, as Trino does.
func (t token) name() string {
	if t.kind == 'i' {
		return strings.ToLower(strings.ReplaceAll(t.text[1:len(t.text)-1], `""`, `"`))
	}
	return strings.ToLower(t.text)
}

// is reports whether t is the keyword or punctuation s.
func (t token) is(s string) bool {
	return (t.kind == 'w' || t.kind == 'p') && strings.EqualFold(t.text, s)
}

// unquote is a string literal's value.
func (t token) unquote() string {
	return strings.ReplaceAll(t.text[1:len(t.text)-1], "''", "'")
}

func join(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.text)
	}
	return b.String()
}
