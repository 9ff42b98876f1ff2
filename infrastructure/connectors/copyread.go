package connectors

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"assetflow/domain/integration"
)

// A chunk read from PostgreSQL with COPY (...) TO STDOUT in text format costs the server and this
// process less than the same query through the extended protocol (no per-value binary decoding;
// one string per row whose values are slices of it). COPY takes no parameters, so it is used when
// every bound value is an integer (keys and bounds of integer columns); other reads use the query.

// onlyInts reports whether every value a read binds is an integer.
func onlyInts(r integration.ChunkRead) bool {
	isInt := func(v any, optional bool) bool {
		if v == nil {
			return optional // a bound that is absent binds nothing
		}
		_, ok := v.(int64)
		return ok
	}
	for _, v := range r.After {
		if !isInt(v, false) {
			return false
		}
	}
	if b := r.Bounds; b != nil && (!isInt(b.Low, true) || !isInt(b.High, true)) {
		return false
	}
	return isInt(r.Through, true)
}

// errNotISO says the session prints dates in another style than ISO: the caller reads with the query.
var errNotISO = errors.New("DateStyle is not ISO")

// copyChunk runs query through COPY and reads the rows back with the columns' types. ok is false
// when the session's DateStyle is not ISO (times would not read back): the caller runs the query.
func (c *sqlConnector) copyChunk(ctx context.Context, query string, types []integration.ColumnType) (rows [][]any, ok bool, err error) {
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return nil, true, c.err(err)
	}
	defer conn.Close()
	var buf bytes.Buffer
	buf.Grow(256 << 10)
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		pc := sc.Conn().PgConn()
		if !strings.HasPrefix(pc.ParameterStatus("DateStyle"), "ISO") {
			return errNotISO
		}
		_, err := pc.CopyTo(ctx, &buf, "copy ("+query+") to stdout")
		return err
	})
	if errors.Is(err, errNotISO) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, c.err(err)
	}
	rows, err = parseCopyText(buf.String(), types)
	if err != nil {
		return nil, true, c.err(err)
	}
	return rows, true, nil
}

// parseCopyText reads COPY's text format: a line per row, tab-separated, \N for NULL, backslash
// escapes. Values are strings (slices of data), except booleans, binary values and times with a
// zone, which are read into bool, []byte and time.Time.
func parseCopyText(data string, types []integration.ColumnType) ([][]any, error) {
	var out [][]any
	for len(data) > 0 {
		nl := strings.IndexByte(data, '\n')
		if nl < 0 {
			nl = len(data)
		}
		line := data[:nl]
		data = data[min(nl+1, len(data)):]
		row := make([]any, len(types))
		for i := range types {
			var field string
			if tab := strings.IndexByte(line, '\t'); tab >= 0 && i < len(types)-1 {
				field, line = line[:tab], line[tab+1:]
			} else if i == len(types)-1 {
				field, line = line, ""
			} else {
				return nil, fmt.Errorf("a COPY row has fewer than %d columns", len(types))
			}
			if field == `\N` {
				continue
			}
			if strings.IndexByte(field, '\\') >= 0 {
				field = unescapeCopy(field)
			}
			v, err := copyValue(field, types[i])
			if err != nil {
				return nil, err
			}
			row[i] = v
		}
		out = append(out, row)
	}
	return out, nil
}

func copyValue(s string, t integration.ColumnType) (any, error) {
	switch t.Kind {
	case integration.TypeBool:
		return s == "t", nil
	case integration.TypeBlob:
		if strings.HasPrefix(s, `\x`) {
			b, err := hex.DecodeString(s[2:])
			if err != nil {
				return nil, fmt.Errorf("read a bytea value: %w", err)
			}
			return b, nil
		}
		return unescapeBytea(s), nil
	case integration.TypeTimestampTZ:
		for _, layout := range []string{"2006-01-02 15:04:05.999999-07", "2006-01-02 15:04:05.999999-07:00", "2006-01-02 15:04:05.999999-07:00:00"} {
			if tm, err := time.Parse(layout, s); err == nil {
				return tm, nil
			}
		}
		return s, nil
	}
	return s, nil
}

// unescapeCopy undoes COPY's text escapes.
func unescapeCopy(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch != '\\' || i+1 == len(s) {
			b.WriteByte(ch)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case 'x':
			n, j := 0, i+1
			for ; j < len(s) && j < i+3 && isHex(s[j]); j++ {
				n = n*16 + hexVal(s[j])
			}
			if j == i+1 {
				b.WriteByte('x')
				continue
			}
			b.WriteByte(byte(n))
			i = j - 1
		case '0', '1', '2', '3', '4', '5', '6', '7':
			n, j := 0, i
			for ; j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7'; j++ {
				n = n*8 + int(s[j]-'0')
			}
			b.WriteByte(byte(n))
			i = j - 1
		default:
			b.WriteByte(e)
		}
	}
	return b.String()
}

// unescapeBytea reads bytea's escape output format (bytea_output = escape): \\ and \ooo.
func unescapeBytea(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] != '\\' || i+1 == len(s):
			b = append(b, s[i])
		case s[i+1] == '\\':
			b = append(b, '\\')
			i++
		case i+3 < len(s) && s[i+1] >= '0' && s[i+1] <= '3':
			b = append(b, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 3
		default:
			b = append(b, s[i])
		}
	}
	return b
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}
