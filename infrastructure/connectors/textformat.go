package connectors

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"assetflow/domain/integration"
)

// textFormat is a bulk-load text format: PostgreSQL's COPY text and MySQL's LOAD DATA default
// (tab-separated, backslash escapes, \N for NULL) differ only in booleans, binary values, times and
// NUL bytes.
type textFormat struct {
	postgres bool
}

var (
	copyFormat     = textFormat{postgres: true}
	loadDataFormat = textFormat{}
)

// writeText appends v for a column of type t; scratch is reused between calls and returned.
func writeText(buf *bytes.Buffer, scratch []byte, v any, t ColumnType, f textFormat) []byte {
	switch x := v.(type) {
	case nil:
		buf.WriteString(`\N`)
	case []byte:
		if f.postgres && t.Kind == integration.TypeBlob {
			buf.WriteString(`\\x`)
			scratch = hex.AppendEncode(scratch[:0], x)
			buf.Write(scratch)
			return scratch
		}
		f.escapeBytes(buf, x)
	case string:
		if f.postgres && t.Kind == integration.TypeBlob {
			buf.WriteString(`\\x`)
			scratch = hex.AppendEncode(scratch[:0], []byte(x))
			buf.Write(scratch)
			return scratch
		}
		f.escapeString(buf, x)
	case time.Time:
		layout := "2006-01-02 15:04:05.999999"
		switch {
		case t.Kind == integration.TypeDate:
			layout = "2006-01-02"
		case t.Kind == integration.TypeTime:
			layout = "15:04:05.999999"
		case f.postgres:
			// PostgreSQL ignores the offset for timestamp columns and honours it for timestamptz.
			layout = "2006-01-02 15:04:05.999999-07:00"
		default:
			x = x.UTC() // what the MySQL driver does with Loc=UTC
		}
		scratch = x.AppendFormat(scratch[:0], layout)
		buf.Write(scratch)
	case bool:
		switch {
		case f.postgres && x:
			buf.WriteByte('t')
		case f.postgres:
			buf.WriteByte('f')
		case x:
			buf.WriteByte('1')
		default:
			buf.WriteByte('0')
		}
	case int64:
		scratch = strconv.AppendInt(scratch[:0], x, 10)
		buf.Write(scratch)
	case int32:
		scratch = strconv.AppendInt(scratch[:0], int64(x), 10)
		buf.Write(scratch)
	case int:
		scratch = strconv.AppendInt(scratch[:0], int64(x), 10)
		buf.Write(scratch)
	case uint64:
		scratch = strconv.AppendUint(scratch[:0], x, 10)
		buf.Write(scratch)
	case float64:
		scratch = strconv.AppendFloat(scratch[:0], x, 'g', -1, 64)
		buf.Write(scratch)
	case float32:
		scratch = strconv.AppendFloat(scratch[:0], float64(x), 'g', -1, 32)
		buf.Write(scratch)
	case fmt.Stringer:
		f.escapeString(buf, x.String())
	default:
		f.escapeString(buf, fmt.Sprint(x))
	}
	return scratch
}

// special marks the bytes either format escapes (or, PostgreSQL, drops): a table look-up keeps
// the scan over plain text cheap.
var special = [256]bool{'\\': true, '\t': true, '\n': true, '\r': true, 0: true}

func (f textFormat) escapeString(buf *bytes.Buffer, s string) {
	start := 0
	for i := 0; i < len(s); i++ {
		if special[s[i]] {
			esc, _ := f.escape(s[i])
			buf.WriteString(s[start:i])
			buf.WriteString(esc)
			start = i + 1
		}
	}
	buf.WriteString(s[start:])
}

func (f textFormat) escapeBytes(buf *bytes.Buffer, b []byte) {
	start := 0
	for i, ch := range b {
		if special[ch] {
			esc, _ := f.escape(ch)
			buf.Write(b[start:i])
			buf.WriteString(esc)
			start = i + 1
		}
	}
	buf.Write(b[start:])
}

// escape returns the replacement of a byte that cannot appear as itself.
func (f textFormat) escape(ch byte) (string, bool) {
	switch ch {
	case '\\':
		return `\\`, true
	case '\t':
		return `\t`, true
	case '\n':
		return `\n`, true
	case '\r':
		return `\r`, true
	case 0:
		if f.postgres {
			return "", true // PostgreSQL text cannot hold NUL: it is dropped
		}
		return `\0`, true
	}
	return "", false
}
