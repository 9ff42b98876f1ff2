package connectors

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"assetflow/domain/integration"
)

// ColumnType is the engine-neutral type the sync engine maps through.
type ColumnType = integration.ColumnType

var typeArgs = regexp.MustCompile(`^([a-z ]+?)\s*(?:\((\d+)(?:\s*,\s*(\d+))?\))?\s*(unsigned)?\s*(zerofill)?$`)

// splitType reads "decimal(10,2) unsigned" as ("decimal", 10, 2, unsigned).
func splitType(raw string) (base string, a, b int, unsigned bool) {
	raw = strings.ToLower(strings.TrimSpace(raw))
	m := typeArgs.FindStringSubmatch(raw)
	if m == nil {
		if i := strings.IndexAny(raw, "( "); i > 0 {
			return raw[:i], 0, 0, strings.Contains(raw, "unsigned")
		}
		return raw, 0, 0, false
	}
	a, _ = strconv.Atoi(m[2])
	b, _ = strconv.Atoi(m[3])
	return strings.TrimSpace(m[1]), a, b, m[4] != ""
}

// mysqlType maps a MySQL/MariaDB column_type to the neutral type.
func mysqlType(raw string) ColumnType {
	base, a, b, unsigned := splitType(raw)
	switch base {
	case "tinyint":
		if a == 1 {
			return ColumnType{Kind: integration.TypeBool}
		}
		return ColumnType{Kind: integration.TypeSmallInt}
	case "bool", "boolean":
		return ColumnType{Kind: integration.TypeBool}
	case "smallint":
		if unsigned {
			return ColumnType{Kind: integration.TypeInt}
		}
		return ColumnType{Kind: integration.TypeSmallInt}
	case "mediumint", "year":
		return ColumnType{Kind: integration.TypeInt}
	case "int", "integer":
		if unsigned {
			return ColumnType{Kind: integration.TypeBigInt}
		}
		return ColumnType{Kind: integration.TypeInt}
	case "bigint":
		if unsigned {
			return ColumnType{Kind: integration.TypeDecimal, Precision: 20}
		}
		return ColumnType{Kind: integration.TypeBigInt}
	case "decimal", "numeric", "dec", "fixed":
		if a == 0 {
			a = 10
		}
		return ColumnType{Kind: integration.TypeDecimal, Precision: a, Scale: b}
	case "float":
		return ColumnType{Kind: integration.TypeFloat}
	case "double", "real", "double precision":
		return ColumnType{Kind: integration.TypeDouble}
	case "char":
		return ColumnType{Kind: integration.TypeChar, Length: max(a, 1)}
	case "varchar":
		return ColumnType{Kind: integration.TypeVarchar, Length: a}
	case "tinytext", "text", "mediumtext", "longtext":
		return ColumnType{Kind: integration.TypeText}
	case "enum", "set":
		return ColumnType{Kind: integration.TypeVarchar, Length: 255}
	case "date":
		return ColumnType{Kind: integration.TypeDate}
	case "datetime", "timestamp":
		return ColumnType{Kind: integration.TypeDateTime}
	case "time":
		return ColumnType{Kind: integration.TypeTime}
	case "bit":
		if a <= 1 {
			return ColumnType{Kind: integration.TypeBool}
		}
		return ColumnType{Kind: integration.TypeBlob}
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		return ColumnType{Kind: integration.TypeBlob}
	case "json":
		return ColumnType{Kind: integration.TypeJSON}
	}
	return ColumnType{Kind: integration.TypeText}
}

// mysqlDDL is the MySQL/MariaDB column type for a neutral type; key columns get types an index
// can hold.
func mysqlDDL(t ColumnType, key bool) string {
	switch t.Kind {
	case integration.TypeSmallInt:
		return "smallint"
	case integration.TypeInt:
		return "int"
	case integration.TypeBigInt:
		return "bigint"
	case integration.TypeDecimal:
		if t.Precision == 0 {
			return "decimal(65,30)"
		}
		return fmt.Sprintf("decimal(%d,%d)", min(t.Precision, 65), min(t.Scale, 30))
	case integration.TypeFloat:
		return "float"
	case integration.TypeDouble:
		return "double"
	case integration.TypeChar:
		return fmt.Sprintf("char(%d)", min(max(t.Length, 1), 255))
	case integration.TypeVarchar:
		if t.Length == 0 || t.Length > 16383 {
			if key {
				return "varchar(255)"
			}
			return "longtext"
		}
		return fmt.Sprintf("varchar(%d)", t.Length)
	case integration.TypeDate:
		return "date"
	case integration.TypeTime:
		return "time(6)"
	case integration.TypeDateTime, integration.TypeTimestampTZ:
		return "datetime(6)"
	case integration.TypeBool:
		return "tinyint(1)"
	case integration.TypeBlob:
		if key {
			return "varbinary(255)"
		}
		return "longblob"
	case integration.TypeJSON:
		if key {
			return "varchar(255)"
		}
		return "json"
	}
	if key {
		return "varchar(255)"
	}
	return "longtext"
}

// postgresType maps a PostgreSQL format_type() to the neutral type.
func postgresType(raw string) ColumnType {
	raw = strings.ToLower(strings.TrimSpace(raw))
	if strings.HasSuffix(raw, "[]") {
		return ColumnType{Kind: integration.TypeText}
	}
	base, a, b, _ := splitType(raw)
	if alias, ok := postgresAliases[base]; ok {
		base = alias
	}
	switch {
	case base == "smallint":
		return ColumnType{Kind: integration.TypeSmallInt}
	case base == "integer":
		return ColumnType{Kind: integration.TypeInt}
	case base == "bigint":
		return ColumnType{Kind: integration.TypeBigInt}
	case base == "numeric":
		return ColumnType{Kind: integration.TypeDecimal, Precision: a, Scale: b}
	case base == "real":
		return ColumnType{Kind: integration.TypeFloat}
	case base == "double precision":
		return ColumnType{Kind: integration.TypeDouble}
	case base == "character varying":
		return ColumnType{Kind: integration.TypeVarchar, Length: a}
	case base == "character":
		return ColumnType{Kind: integration.TypeChar, Length: max(a, 1)}
	case base == "text":
		return ColumnType{Kind: integration.TypeText}
	case base == "date":
		return ColumnType{Kind: integration.TypeDate}
	case strings.HasPrefix(raw, "timestamp") && strings.Contains(raw, "with time zone") && !strings.Contains(raw, "without"):
		return ColumnType{Kind: integration.TypeTimestampTZ}
	case strings.HasPrefix(raw, "timestamp"):
		return ColumnType{Kind: integration.TypeDateTime}
	case strings.HasPrefix(raw, "time"):
		return ColumnType{Kind: integration.TypeTime}
	case base == "boolean":
		return ColumnType{Kind: integration.TypeBool}
	case base == "bytea":
		return ColumnType{Kind: integration.TypeBlob}
	case base == "json" || base == "jsonb":
		return ColumnType{Kind: integration.TypeJSON}
	case base == "uuid":
		return ColumnType{Kind: integration.TypeVarchar, Length: 36}
	}
	return ColumnType{Kind: integration.TypeText}
}

// postgresAliases are the short names PostgreSQL also accepts (and DDL written by hand uses).
var postgresAliases = map[string]string{
	"int2": "smallint", "int": "integer", "int4": "integer", "int8": "bigint", "decimal": "numeric",
	"float4": "real", "float8": "double precision", "varchar": "character varying", "char": "character",
	"bpchar": "character", "bool": "boolean",
}

// postgresDDL is the PostgreSQL column type for a neutral type.
func postgresDDL(t ColumnType, _ bool) string {
	switch t.Kind {
	case integration.TypeSmallInt:
		return "smallint"
	case integration.TypeInt:
		return "integer"
	case integration.TypeBigInt:
		return "bigint"
	case integration.TypeDecimal:
		if t.Precision == 0 {
			return "numeric"
		}
		return fmt.Sprintf("numeric(%d,%d)", t.Precision, t.Scale)
	case integration.TypeFloat:
		return "real"
	case integration.TypeDouble:
		return "double precision"
	case integration.TypeChar:
		return fmt.Sprintf("char(%d)", max(t.Length, 1))
	case integration.TypeVarchar:
		if t.Length == 0 {
			return "text"
		}
		return fmt.Sprintf("varchar(%d)", t.Length)
	case integration.TypeDate:
		return "date"
	case integration.TypeTime:
		return "time"
	case integration.TypeDateTime:
		return "timestamp"
	case integration.TypeTimestampTZ:
		return "timestamptz"
	case integration.TypeBool:
		return "boolean"
	case integration.TypeBlob:
		return "bytea"
	case integration.TypeJSON:
		return "jsonb"
	}
	return "text"
}

// trinoType maps a Trino type (Hive tables through Trino included) to the neutral type.
func trinoType(raw string) ColumnType {
	raw = strings.ToLower(strings.TrimSpace(raw))
	switch {
	case strings.HasPrefix(raw, "timestamp") && strings.HasSuffix(raw, "with time zone"):
		return ColumnType{Kind: integration.TypeTimestampTZ}
	case strings.HasPrefix(raw, "timestamp"):
		return ColumnType{Kind: integration.TypeDateTime}
	case strings.HasPrefix(raw, "time"):
		return ColumnType{Kind: integration.TypeTime}
	case strings.HasPrefix(raw, "array") || strings.HasPrefix(raw, "map") || strings.HasPrefix(raw, "row"):
		return ColumnType{Kind: integration.TypeText}
	}
	base, a, b, _ := splitType(raw)
	switch base {
	case "tinyint", "smallint":
		return ColumnType{Kind: integration.TypeSmallInt}
	case "integer", "int":
		return ColumnType{Kind: integration.TypeInt}
	case "bigint":
		return ColumnType{Kind: integration.TypeBigInt}
	case "decimal":
		if a == 0 {
			a = 38
		}
		return ColumnType{Kind: integration.TypeDecimal, Precision: a, Scale: b}
	case "real":
		return ColumnType{Kind: integration.TypeFloat}
	case "double":
		return ColumnType{Kind: integration.TypeDouble}
	case "char":
		return ColumnType{Kind: integration.TypeChar, Length: max(a, 1)}
	case "varchar":
		if a == 0 {
			return ColumnType{Kind: integration.TypeText}
		}
		return ColumnType{Kind: integration.TypeVarchar, Length: a}
	case "date":
		return ColumnType{Kind: integration.TypeDate}
	case "boolean":
		return ColumnType{Kind: integration.TypeBool}
	case "varbinary":
		return ColumnType{Kind: integration.TypeBlob}
	case "json":
		return ColumnType{Kind: integration.TypeJSON}
	case "uuid":
		return ColumnType{Kind: integration.TypeVarchar, Length: 36}
	}
	return ColumnType{Kind: integration.TypeText}
}

// hiveDDL is the column type of a Hive table (created through Trino) for a neutral type. Hive has
// no time or time-zone types: times become text and timestamps with a zone UTC timestamps.
func hiveDDL(t ColumnType, _ bool) string {
	switch t.Kind {
	case integration.TypeSmallInt:
		return "smallint"
	case integration.TypeInt:
		return "integer"
	case integration.TypeBigInt:
		return "bigint"
	case integration.TypeDecimal:
		if t.Precision == 0 {
			return "decimal(38,10)"
		}
		return fmt.Sprintf("decimal(%d,%d)", min(t.Precision, 38), min(t.Scale, 38, t.Precision))
	case integration.TypeFloat:
		return "real"
	case integration.TypeDouble:
		return "double"
	case integration.TypeChar:
		return fmt.Sprintf("char(%d)", min(max(t.Length, 1), 255))
	case integration.TypeVarchar:
		if t.Length == 0 || t.Length > 65535 {
			return "varchar"
		}
		return fmt.Sprintf("varchar(%d)", t.Length)
	case integration.TypeDate:
		return "date"
	case integration.TypeDateTime, integration.TypeTimestampTZ:
		return "timestamp"
	case integration.TypeBool:
		return "boolean"
	case integration.TypeBlob:
		return "varbinary"
	}
	return "varchar"
}
