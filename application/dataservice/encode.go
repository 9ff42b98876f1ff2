package dataservice

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// EncodeRows writes rows as a JSON array of objects with their keys in column order (the order the
// statement names them). encoding/json would sort the keys and walk every value by reflection;
// this is the gateway's answer body, encoded once per statement run and served from the cache as
// bytes. Values are those jsonValue leaves: strings, integers, floats, booleans, nil; anything
// else falls back to encoding/json.
func EncodeRows(cols []string, rows []map[string]any) ([]byte, error) {
	seen := make(map[string]bool, len(cols))
	keys := make([]string, 0, len(cols))
	for _, c := range cols {
		if !seen[c] {
			seen[c] = true
			keys = append(keys, c)
		}
	}
	quoted := make([][]byte, len(keys))
	for i, k := range keys {
		quoted[i] = appendJSONString(nil, k)
	}
	b := make([]byte, 0, 64*len(rows)*max(1, len(keys)))
	b = append(b, '[')
	for i, row := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		n := 0
		for j, k := range keys {
			v, ok := row[k]
			if !ok {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = append(b, quoted[j]...)
			b = append(b, ':')
			var err error
			if b, err = appendJSONValue(b, v); err != nil {
				return nil, err
			}
		}
		if n < len(row) { // keys no column names (a transform renamed into a new one): sorted, as before
			for k, v := range row {
				if seen[k] {
					continue
				}
				if n > 0 {
					b = append(b, ',')
				}
				n++
				b = appendJSONString(b, k)
				b = append(b, ':')
				var err error
				if b, err = appendJSONValue(b, v); err != nil {
					return nil, err
				}
			}
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

func appendJSONValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case float64:
		if a := math.Abs(x); !math.IsInf(x, 0) && !math.IsNaN(x) && (a == 0 || (a >= 1e-6 && a < 1e21)) {
			return strconv.AppendFloat(b, x, 'f', -1, 64), nil
		}
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, raw...), nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does without HTML escaping: control characters as
// \u00XX, invalid UTF-8 as U+FFFD, and U+2028/U+2029 escaped for JavaScript.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
