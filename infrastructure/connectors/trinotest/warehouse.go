package trinotest

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"assetflow/infrastructure/postgres/pgtest"
)

// Warehouse executes Trino statements against a PostgreSQL database of the test's own that stands
// in for a Hive warehouse: the one catalog (Catalog, "hive" by default) is the database, a Trino
// schema is a PostgreSQL schema, a Hive table a PostgreSQL table.
//
// It translates, token by token and outside string literals, only what the Trino SQL that
// AssetFlow emits needs:
//   - catalog.schema.table names lose the catalog; quoted identifiers are folded to lower case,
//     as Trino does; the session schema (X-Trino-Schema) is the search path;
//   - CREATE TABLE ... WITH (format = ..., partitioned_by = ARRAY[...]): the WITH clause is
//     recorded (Table) and stripped, after checking what Hive insists on: partition columns last
//     and in the order of partitioned_by;
//   - DELETE on a non-transactional Hive table: only whole partitions (a WHERE of equalities on
//     partition columns), refused otherwise with Trino's error;
//   - types double, varbinary and tinyint become double precision, bytea and smallint; X'..'
//     literals become bytea; version() is the coordinator's version;
//   - information_schema.columns/tables/schemata, system.jdbc.schemas and
//     system.metadata.table_comments are views over PostgreSQL's catalog with Trino's type names
//     (varchar(n), decimal(p,s), double, timestamp(p), varbinary ...);
//   - results come back typed by their PostgreSQL type mapped to Trino's, values in Trino's JSON
//     forms; PostgreSQL errors become Trino errors (TABLE_NOT_FOUND, SCHEMA_NOT_FOUND,
//     COLUMN_NOT_FOUND, SYNTAX_ERROR ...).
//
// It does not emulate: Trino's SQL dialect beyond that (functions and casts run as PostgreSQL's, a
// statement PostgreSQL cannot parse fails as a SYNTAX_ERROR), ORC files, partition directories and
// their metastore (partitions are plain column values; a "$partitions" table is not there), Hive's
// placing of added columns before the partition columns, other catalogs (every catalog name is
// this one database), transactions, access control, or the speed of a cluster. Statements run one
// at a time each on its own connection; a ';' inside a statement is refused as Trino does.
type Warehouse struct {
	Catalog string
	// URL is the PostgreSQL database; Pool is connected to it.
	URL     string
	Pool    *pgxpool.Pool
	Version string

	mu     sync.Mutex
	tables map[string]Table // "schema.table" → what its CREATE TABLE said
}

// Table is what a CREATE TABLE's WITH clause said.
type Table struct {
	Properties    string // as written, e.g. format = 'ORC', partitioned_by = ARRAY['dt']
	Format        string
	PartitionedBy []string
}

// StartHive starts a coordinator over a new warehouse with catalog "hive".
func StartHive(t testing.TB) (*Server, *Warehouse) {
	w := NewWarehouse(t, "hive")
	return Start(t, w), w
}

// NewWarehouse creates the PostgreSQL database (skipping the test under -short) and the views
// that answer catalog queries.
func NewWarehouse(t testing.TB, catalog string) *Warehouse {
	t.Helper()
	url := pgtest.NewDatabase(t)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := pool.Exec(context.Background(), strings.ReplaceAll(metaViews, "{catalog}", strings.ReplaceAll(catalog, "'", "''"))); err != nil {
		t.Fatalf("create the catalog views: %v", err)
	}
	return &Warehouse{Catalog: catalog, URL: url, Pool: pool, Version: "476", tables: map[string]Table{}}
}

const hidden = `('pg_catalog', 'information_schema', 'trino_meta', 'pg_toast')`

// metaViews answer Trino's catalog queries from PostgreSQL's.
const metaViews = `create schema trino_meta;
create view trino_meta.columns as select '{catalog}'::varchar as table_catalog, table_schema::varchar, table_name::varchar,
	column_name::varchar, ordinal_position::bigint, null::varchar as column_default, is_nullable::varchar,
	(case data_type
		when 'character varying' then coalesce('varchar(' || character_maximum_length || ')', 'varchar')
		when 'text' then 'varchar'
		when 'character' then 'char(' || character_maximum_length || ')'
		when 'numeric' then 'decimal(' || coalesce(numeric_precision, 38) || ',' || coalesce(numeric_scale, 0) || ')'
		when 'double precision' then 'double'
		when 'bytea' then 'varbinary'
		when 'timestamp without time zone' then 'timestamp(' || datetime_precision || ')'
		when 'timestamp with time zone' then 'timestamp(' || datetime_precision || ') with time zone'
		when 'time without time zone' then 'time(' || datetime_precision || ')'
		when 'jsonb' then 'json'
		when 'ARRAY' then 'array(varchar)'
		else data_type end)::varchar as data_type
	from information_schema.columns where table_schema not in ` + hidden + `;
create view trino_meta.tables as select '{catalog}'::varchar as table_catalog, table_schema::varchar, table_name::varchar, table_type::varchar
	from information_schema.tables where table_schema not in ` + hidden + `;
create view trino_meta.schemata as select '{catalog}'::varchar as catalog_name, schema_name::varchar from information_schema.schemata
	where schema_name not in ` + hidden + ` and schema_name not like 'pg\_%' union all select '{catalog}', 'information_schema';
create view trino_meta.jdbc_schemas as select schema_name as table_schem, catalog_name as table_cat from trino_meta.schemata;
create view trino_meta.table_comments as select '{catalog}'::varchar as catalog_name, n.nspname::varchar as schema_name,
	c.relname::varchar as table_name, obj_description(c.oid, 'pg_class')::varchar as comment
	from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'v', 'p', 'm')`

// Table returns what the CREATE TABLE of schema.table said.
func (w *Warehouse) Table(schema, table string) (Table, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	t, ok := w.tables[strings.ToLower(schema+"."+table)]
	return t, ok
}

// Partitions lists the partitions of a partitioned table as Hive names them (dt=2024-05-01, or
// a=1/b=2), in order.
func (w *Warehouse) Partitions(ctx context.Context, schema, table string) ([]string, error) {
	t, ok := w.Table(schema, table)
	if !ok || len(t.PartitionedBy) == 0 {
		return nil, fmt.Errorf("%s.%s is not a partitioned table", schema, table)
	}
	parts := make([]string, len(t.PartitionedBy))
	for i, c := range t.PartitionedBy {
		parts[i] = fmt.Sprintf(`'%s=' || coalesce(%s::text, '__HIVE_DEFAULT_PARTITION__')`, c, quote(c))
	}
	rows, err := w.Pool.Query(ctx, "select distinct "+strings.Join(parts, " || '/' || ")+" as p from "+quote(schema)+"."+quote(table)+" order by p")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func userError(name, format string, args ...any) *Error {
	return &Error{Name: name, Type: "USER_ERROR", Message: fmt.Sprintf(format, args...)}
}

// Execute translates a statement and runs it.
func (w *Warehouse) Execute(ctx context.Context, s Session, sql string) (Result, error) {
	sql = strings.TrimRight(strings.TrimSpace(sql), ";")
	pg, created, err := w.translate(s, sql)
	if err != nil {
		return Result{}, err
	}
	conn, err := w.Pool.Acquire(ctx)
	if err != nil {
		return Result{}, err
	}
	defer conn.Release()
	path := "public"
	if s.Schema != "" {
		path = quote(strings.ToLower(s.Schema))
	}
	if _, err := conn.Exec(ctx, "set search_path to "+path); err != nil {
		return Result{}, err
	}
	results, err := conn.Conn().PgConn().Exec(ctx, pg).ReadAll()
	if err != nil {
		return Result{}, trinoError(err)
	}
	if created != nil {
		w.mu.Lock()
		w.tables[created.key] = created.table
		w.mu.Unlock()
	}
	if len(results) == 0 {
		return Result{}, nil
	}
	return toResult(results[len(results)-1])
}

// created is a table a CREATE TABLE makes, recorded once it succeeded.
type created struct {
	key   string
	table Table
}

// translate turns a Trino statement into PostgreSQL's.
func (w *Warehouse) translate(s Session, sql string) (string, *created, error) {
	toks := tokenize(sql)
	sig := significant(toks)
	if len(sig) == 0 {
		return "", nil, userError("SYNTAX_ERROR", "line 1:1: mismatched input '<EOF>'")
	}
	replace := map[int]string{}
	drop := func(idx ...int) {
		for _, i := range idx {
			replace[i] = ""
		}
	}
	for j, t := range sig {
		next := func(k int) token {
			if j+k < len(sig) {
				return sig[j+k]
			}
			return token{}
		}
		switch {
		case t.is(";"):
			return "", nil, userError("SYNTAX_ERROR", "line 1:%d: mismatched input ';'", j+1)
		case (t.kind == 'i' || t.kind == 'w') && t.name() == strings.ToLower(w.Catalog) && next(1).is(".") && (j == 0 || !sig[j-1].is(".")):
			drop(t.pos, next(1).pos)
			continue
		case t.kind == 'w' && t.name() == "information_schema" && next(1).is(".") &&
			slices.Contains([]string{"columns", "tables", "schemata"}, next(2).name()):
			replace[t.pos] = "trino_meta"
		case t.kind == 'w' && t.name() == "system" && next(1).is(".") && next(3).is("."):
			switch next(2).name() + "." + next(4).name() {
			case "jdbc.schemas":
				replace[t.pos] = "trino_meta.jdbc_schemas"
			case "metadata.table_comments":
				replace[t.pos] = "trino_meta.table_comments"
			default:
				return "", nil, userError("NOT_SUPPORTED", "system.%s.%s is not emulated", next(2).name(), next(4).name())
			}
			drop(next(1).pos, next(2).pos, next(3).pos, next(4).pos)
		case t.kind == 'w' && t.name() == "version" && next(1).is("(") && next(2).is(")"):
			replace[t.pos] = "'" + w.Version + "'"
			drop(next(1).pos, next(2).pos)
		case t.kind == 'w' && t.name() == "double" && next(1).name() != "precision":
			replace[t.pos] = "double precision"
		case t.kind == 'w' && t.name() == "varbinary":
			replace[t.pos] = "bytea"
		case t.kind == 'w' && t.name() == "tinyint":
			replace[t.pos] = "smallint"
		case t.kind == 'w' && t.name() == "x" && next(1).kind == 's' && next(1).pos == t.pos+1:
			raw := next(1).unquote()
			if _, err := hex.DecodeString(raw); err != nil {
				return "", nil, userError("SYNTAX_ERROR", "Binary literal can only contain hexadecimal digits")
			}
			drop(t.pos)
			replace[next(1).pos] = `'\x` + raw + `'::bytea`
		case t.kind == 'i':
			replace[t.pos] = quote(t.name())
		}
	}
	var made *created
	switch {
	case len(sig) > 2 && sig[0].is("create") && sig[1].is("table"):
		var err error
		if made, err = w.createTable(s, toks, sig, replace); err != nil {
			return "", nil, err
		}
	case len(sig) > 2 && sig[0].is("delete") && sig[1].is("from"):
		if err := w.checkDelete(s, sig); err != nil {
			return "", nil, err
		}
	}
	out := make([]token, len(toks))
	for i, t := range toks {
		if r, ok := replace[i]; ok {
			t.text = r
		}
		out[i] = t
	}
	return strings.TrimSpace(join(out)), made, nil
}

// tableName reads a table name starting at sig[j] (catalog.schema.table, schema.table or table)
// and returns its "schema.table" key and the index after it.
func (w *Warehouse) tableName(s Session, sig []token, j int) (string, int) {
	var parts []string
	for j < len(sig) && (sig[j].kind == 'i' || sig[j].kind == 'w') {
		parts = append(parts, sig[j].name())
		if j+1 < len(sig) && sig[j+1].is(".") {
			j += 2
			continue
		}
		j++
		break
	}
	if len(parts) == 3 {
		parts = parts[1:]
	}
	if len(parts) == 1 {
		parts = []string{strings.ToLower(s.Schema), parts[0]}
	}
	return strings.Join(parts, "."), j
}

// createTable checks and strips a CREATE TABLE's WITH clause.
func (w *Warehouse) createTable(s Session, toks, sig []token, replace map[int]string) (*created, error) {
	j := 2
	if j+2 < len(sig) && sig[j].is("if") && sig[j+1].is("not") && sig[j+2].is("exists") {
		j += 3
	}
	key, j := w.tableName(s, sig, j)
	var columns []string
	if j < len(sig) && sig[j].is("(") {
		depth, first := 0, true
		for ; j < len(sig); j++ {
			t := sig[j]
			switch {
			case t.is("("):
				depth++
				if depth == 1 {
					first = true
					continue
				}
			case t.is(")"):
				depth--
			case t.is(",") && depth == 1:
				first = true
				continue
			}
			if depth == 0 {
				j++
				break
			}
			if first && depth == 1 {
				columns = append(columns, t.name())
				first = false
			}
		}
	}
	table := Table{}
	for ; j+1 < len(sig); j++ {
		if !sig[j].is("with") || !sig[j+1].is("(") {
			continue
		}
		start, depth := j, 0
		var props []token
		for j++; j < len(sig); j++ {
			t := sig[j]
			if t.is("(") || t.is("[") {
				depth++
			}
			if t.is(")") || t.is("]") {
				depth--
			}
			if depth == 0 {
				break
			}
			props = append(props, t)
		}
		for k := sig[start].pos; k <= sig[min(j, len(sig)-1)].pos; k++ {
			replace[k] = ""
		}
		if j < len(sig) {
			table.Properties = strings.Join(strings.Fields(join(toks[sig[start+1].pos+1:sig[j].pos])), " ")
		}
		inPartitions := false
		for i, t := range props {
			switch {
			case t.name() == "partitioned_by" && i+1 < len(props) && props[i+1].is("="):
				inPartitions = true
			case inPartitions && t.kind == 's':
				table.PartitionedBy = append(table.PartitionedBy, strings.ToLower(t.unquote()))
			case inPartitions && t.is("]"):
				inPartitions = false
			}
		}
		for i, t := range props {
			if t.name() == "format" && i+2 < len(props) && props[i+1].is("=") && props[i+2].kind == 's' {
				table.Format = props[i+2].unquote()
			}
		}
		break
	}
	if n := len(table.PartitionedBy); n > 0 && len(columns) > 0 {
		if n >= len(columns) {
			return nil, userError("INVALID_TABLE_PROPERTY", "Table contains only partition columns")
		}
		if !slices.Equal(columns[len(columns)-n:], table.PartitionedBy) {
			return nil, userError("HIVE_COLUMN_ORDER_MISMATCH", "Partition keys must be the last columns in the table and in the same order as the table properties: %v", table.PartitionedBy)
		}
	}
	return &created{key: key, table: table}, nil
}

// checkDelete refuses what a non-transactional Hive table cannot delete: anything but whole
// partitions.
func (w *Warehouse) checkDelete(s Session, sig []token) error {
	key, j := w.tableName(s, sig, 2)
	w.mu.Lock()
	t := w.tables[key]
	w.mu.Unlock()
	if j >= len(sig) {
		return nil
	}
	refuse := userError("NOT_SUPPORTED", "Deletes must match whole partitions for non-transactional tables")
	if !sig[j].is("where") {
		return refuse
	}
	conds := sig[j+1:]
	for len(conds) > 0 {
		if len(conds) < 3 || !slices.Contains(t.PartitionedBy, conds[0].name()) || !conds[1].is("=") || (conds[2].kind != 's' && conds[2].kind != 'n') {
			return refuse
		}
		conds = conds[3:]
		if len(conds) > 0 {
			if !conds[0].is("and") {
				return refuse
			}
			conds = conds[1:]
		}
	}
	return nil
}

// trinoError reports a PostgreSQL error as Trino would.
func trinoError(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return &Error{Name: "GENERIC_INTERNAL_ERROR", Type: "INTERNAL_ERROR", Message: err.Error()}
	}
	msg := "line 1:1: " + pe.Message
	switch {
	case pe.Code == "42P01":
		return userError("TABLE_NOT_FOUND", "%s", msg)
	case pe.Code == "3F000":
		return userError("SCHEMA_NOT_FOUND", "%s", msg)
	case pe.Code == "42703":
		return userError("COLUMN_NOT_FOUND", "%s", msg)
	case pe.Code == "42601":
		return userError("SYNTAX_ERROR", "%s", msg)
	case pe.Code == "42P07":
		return userError("TABLE_ALREADY_EXISTS", "%s", msg)
	case pe.Code == "42701":
		return userError("COLUMN_ALREADY_EXISTS", "%s", msg)
	case pe.Code == "42883":
		return userError("FUNCTION_NOT_FOUND", "%s", msg)
	case pe.Code == "42804" || pe.Code == "42846":
		return userError("TYPE_MISMATCH", "%s", msg)
	case pe.Code == "22001" || pe.Code == "22003" || pe.Code == "22P02" || pe.Code == "22007" || pe.Code == "22008":
		return userError("INVALID_CAST_ARGUMENT", "%s", pe.Message)
	case strings.HasPrefix(pe.Code, "22"):
		return userError("INVALID_FUNCTION_ARGUMENT", "%s", pe.Message)
	case strings.HasPrefix(pe.Code, "23"):
		return userError("CONSTRAINT_VIOLATION", "%s", pe.Message)
	case strings.HasPrefix(pe.Code, "42"):
		return userError("SYNTAX_ERROR", "%s", msg)
	}
	return &Error{Name: "GENERIC_INTERNAL_ERROR", Type: "INTERNAL_ERROR", Message: pe.Message}
}

// PostgreSQL type OIDs the results are typed by.
const (
	oidBool        = 16
	oidBytea       = 17
	oidName        = 19
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidJSON        = 114
	oidFloat4      = 700
	oidFloat8      = 701
	oidBPChar      = 1042
	oidVarchar     = 1043
	oidDate        = 1082
	oidTime        = 1083
	oidTimestamp   = 1114
	oidTimestampTZ = 1184
	oidNumeric     = 1700
	oidUUID        = 2950
	oidJSONB       = 3802
)

// trinoTypeOf names a result column's PostgreSQL type as Trino's.
func trinoTypeOf(oid uint32, mod int32) string {
	switch oid {
	case oidBool:
		return "boolean"
	case oidBytea:
		return "varbinary"
	case oidInt8:
		return "bigint"
	case oidInt2:
		return "smallint"
	case oidInt4:
		return "integer"
	case oidFloat4:
		return "real"
	case oidFloat8:
		return "double"
	case oidBPChar:
		if mod > 4 {
			return fmt.Sprintf("char(%d)", mod-4)
		}
		return "char(1)"
	case oidVarchar:
		if mod > 4 {
			return fmt.Sprintf("varchar(%d)", mod-4)
		}
		return "varchar"
	case oidDate:
		return "date"
	case oidTime:
		return "time(6)"
	case oidTimestamp:
		return fmt.Sprintf("timestamp(%d)", precision(mod))
	case oidTimestampTZ:
		return fmt.Sprintf("timestamp(%d) with time zone", precision(mod))
	case oidNumeric:
		if mod >= 4 {
			return fmt.Sprintf("decimal(%d,%d)", ((mod-4)>>16)&0xffff, (mod-4)&0xffff)
		}
		return "decimal(38,10)"
	case oidJSON, oidJSONB:
		return "json"
	case oidUUID:
		return "uuid"
	}
	return "varchar"
}

func precision(mod int32) int32 {
	if mod < 0 {
		return 6
	}
	return mod
}

// toResult types a PostgreSQL result the way Trino would send it.
func toResult(r *pgconn.Result) (Result, error) {
	tag := r.CommandTag
	if len(r.FieldDescriptions) == 0 {
		res := Result{UpdateType: strings.ToUpper(tagName(tag.String()))}
		if tag.Insert() || tag.Delete() || tag.Update() {
			n := tag.RowsAffected()
			res.UpdateCount = &n
			res.Columns = []Column{{Name: "rows", Type: "bigint"}}
			res.Rows = [][]any{{n}}
		}
		return res, nil
	}
	res := Result{Columns: make([]Column, len(r.FieldDescriptions))}
	for i, f := range r.FieldDescriptions {
		res.Columns[i] = Column{Name: f.Name, Type: trinoTypeOf(f.DataTypeOID, f.TypeModifier)}
	}
	for _, raw := range r.Rows {
		row := make([]any, len(raw))
		for i, v := range raw {
			if v == nil {
				continue
			}
			val, err := jsonValue(r.FieldDescriptions[i].DataTypeOID, string(v))
			if err != nil {
				return Result{}, err
			}
			row[i] = val
		}
		res.Rows = append(res.Rows, row)
	}
	return res, nil
}

// tagName is a command tag without its counts ("INSERT 0 5" → "INSERT").
func tagName(tag string) string {
	var words []string
	for _, w := range strings.Fields(tag) {
		if _, err := strconv.Atoi(w); err != nil {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
}

// jsonValue is a value in PostgreSQL's text form as Trino's JSON carries it.
func jsonValue(oid uint32, text string) (any, error) {
	switch oid {
	case oidBool:
		return text == "t", nil
	case oidInt2, oidInt4, oidInt8:
		return json.Number(text), nil
	case oidFloat4, oidFloat8:
		switch text {
		case "NaN", "Infinity", "-Infinity":
			return text, nil
		}
		return json.Number(text), nil
	case oidBytea:
		b, err := hex.DecodeString(strings.TrimPrefix(text, `\x`))
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString(b), nil
	case oidTimestampTZ:
		for _, layout := range []string{"2006-01-02 15:04:05.999999-07", "2006-01-02 15:04:05.999999-07:00"} {
			if t, err := time.Parse(layout, text); err == nil {
				return t.UTC().Format("2006-01-02 15:04:05.000000") + " UTC", nil
			}
		}
	}
	return text, nil
}
