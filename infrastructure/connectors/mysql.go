package connectors

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

func openMySQL(s Settings, cat engine) (Connector, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = s.Username, s.Password
	cfg.Net, cfg.Addr = "tcp", fmt.Sprintf("%s:%d", s.Host, s.Port)
	cfg.DBName = s.Database
	cfg.Timeout = s.ConnectTimeout
	cfg.ParseTime, cfg.Loc = true, time.UTC
	cfg.AllowNativePasswords = true
	// Params go through the driver's DSN parser, so its own options (charset, collation,
	// readTimeout ...) are understood and only the rest become session variables.
	if len(s.Params) > 0 {
		q := url.Values{}
		for k, v := range s.Params {
			q.Set(k, v)
		}
		parsed, err := mysql.ParseDSN("/?" + q.Encode())
		if err != nil {
			return nil, &Error{Kind: KindOther, Message: "invalid connection parameters", Detail: err.Error(), Err: err}
		}
		parsed.User, parsed.Passwd, parsed.Net, parsed.Addr, parsed.DBName = cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName
		parsed.Timeout, parsed.ParseTime, parsed.Loc, parsed.AllowNativePasswords = cfg.Timeout, true, time.UTC, true
		cfg = parsed
	}
	switch s.TLSMode {
	case "preferred":
		cfg.TLSConfig = "preferred"
	case "required":
		cfg.TLSConfig = "skip-verify"
	case "verify":
		cfg.TLSConfig = "true"
	default:
		cfg.TLSConfig = "false"
	}
	if err := cfg.Apply(); err != nil {
		return nil, &Error{Kind: KindOther, Message: "invalid connection settings", Detail: err.Error(), Err: err}
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, &Error{Kind: KindOther, Message: "invalid connection settings", Detail: err.Error(), Err: err}
	}
	return newSQLConnector(sql.OpenDB(conn), cat), nil
}

// mysqlCatalog reads MySQL's and MariaDB's information_schema.
type mysqlCatalog struct{}

func (mysqlCatalog) version(ctx context.Context, q querier) (string, error) {
	v, err := collect(ctx, q, scanString, `select version()`)
	if err != nil || len(v) == 0 {
		return "", err
	}
	return v[0], nil
}

func (mysqlCatalog) listDatabases(ctx context.Context, q querier) ([]string, error) {
	dbs, err := collect(ctx, q, scanString, `select schema_name from information_schema.schemata
		where schema_name not in ('information_schema','performance_schema','mysql','sys') order by schema_name`)
	if dbs == nil && err == nil {
		dbs = []string{}
	}
	return dbs, err
}

func scanMySQLTable(r *sql.Rows) (TableInfo, error) {
	var t TableInfo
	var comment sql.NullString
	var typ string
	var created, updated sql.NullTime
	var rows, size sql.NullInt64
	if err := r.Scan(&t.Name, &t.Database, &comment, &typ, &created, &updated, &rows, &size); err != nil {
		return t, err
	}
	t.Comment = comment.String
	t.Type = "table"
	if strings.Contains(strings.ToUpper(typ), "VIEW") {
		t.Type = "view"
		if t.Comment == "VIEW" { // MySQL's placeholder comment for every view
			t.Comment = ""
		}
	}
	if created.Valid {
		t.CreatedAt = &created.Time
	}
	if updated.Valid {
		t.UpdatedAt = &updated.Time
	}
	if rows.Valid {
		t.Rows = &rows.Int64
	}
	if size.Valid && t.Type == "table" {
		t.SizeBytes = &size.Int64
	}
	return t, nil
}

const mysqlTables = `select table_name, table_schema, table_comment, table_type, create_time, update_time, table_rows,
	data_length + index_length from information_schema.tables where table_schema = ? order by table_name`

// currentDatabase resolves "" to the connection's database. Catalog queries then compare
// table_schema with a plain value, which lets MariaDB and MySQL read only that schema's
// directory instead of every schema's.
func currentDatabase(ctx context.Context, q querier, db string) (string, error) {
	if db != "" {
		return db, nil
	}
	v, err := collect(ctx, q, func(r *sql.Rows) (string, error) {
		var s sql.NullString
		return s.String, r.Scan(&s)
	}, `select database()`)
	if err != nil {
		return "", err
	}
	if len(v) == 0 || v[0] == "" {
		return "", &Error{Kind: KindUnknownDB, Message: "choose a database (the datasource names none)"}
	}
	return v[0], nil
}

func (mysqlCatalog) listTables(ctx context.Context, q querier, db string) ([]TableInfo, error) {
	db, err := currentDatabase(ctx, q, db)
	if err != nil {
		return nil, err
	}
	tables, err := collect(ctx, q, scanMySQLTable, mysqlTables, db)
	if err != nil || !slices.ContainsFunc(tables, func(t TableInfo) bool { return t.Type == "view" }) {
		return tables, err
	}
	defs, err := collect(ctx, q, func(r *sql.Rows) ([2]string, error) {
		var d [2]string
		var def sql.NullString
		err := r.Scan(&d[0], &def)
		d[1] = def.String
		return d, err
	}, `select table_name, view_definition from information_schema.views where table_schema = ?`, db)
	if err != nil {
		return nil, err
	}
	byName := map[string]string{}
	for _, d := range defs {
		byName[d[0]] = d[1]
	}
	for i := range tables {
		tables[i].Definition = byName[tables[i].Name]
	}
	return tables, nil
}

func scanMySQLColumn(r *sql.Rows) (Column, error) {
	var c Column
	var comment, def sql.NullString
	var nullable, key string
	if err := r.Scan(&c.Table, &c.Order, &c.Name, &c.Type, &comment, &key, &nullable, &def); err != nil {
		return c, err
	}
	c.Comment = comment.String
	c.PrimaryKey = key == "PRI"
	c.Nullable = nullable == "YES"
	c.Default = mysqlDefault(def)
	return c, nil
}

// mysqlDefault normalises column defaults: MariaDB quotes string literals and reports an explicit
// DEFAULT NULL as the word NULL; MySQL reports literals bare.
func mysqlDefault(def sql.NullString) *string {
	if !def.Valid || def.String == "NULL" {
		return nil
	}
	v := def.String
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		v = strings.ReplaceAll(v[1:len(v)-1], "''", "'")
	}
	return &v
}

const mysqlColumns = `select table_name, ordinal_position, column_name, column_type, column_comment, column_key,
	is_nullable, column_default from information_schema.columns where table_schema = ?`

func (mysqlCatalog) tableSchema(ctx context.Context, q querier, db, table string) ([]Column, error) {
	db, err := currentDatabase(ctx, q, db)
	if err != nil {
		return nil, err
	}
	cols, err := collect(ctx, q, scanMySQLColumn, mysqlColumns+` and table_name = ? order by ordinal_position`, db, table)
	return renumber(cols), err
}

func (mysqlCatalog) listColumns(ctx context.Context, q querier, db string) ([]Column, error) {
	db, err := currentDatabase(ctx, q, db)
	if err != nil {
		return nil, err
	}
	cols, err := collect(ctx, q, scanMySQLColumn, mysqlColumns+` order by table_name, ordinal_position`, db)
	return renumber(cols), err
}

func (mysqlCatalog) hint(err error) string {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1045, 1698, 1251:
			return KindAuth
		case 1049:
			return KindUnknownDB
		case 1044, 1142, 1143, 1227:
			return KindPermission
		case 1146:
			return KindNotFound
		case 1064, 1054, 1052:
			return KindSyntax
		case 1317, 3024:
			return KindCanceled
		}
	}
	return ""
}

// canceller stops a running statement with KILL QUERY from another connection: closing the client
// socket alone leaves MySQL and MariaDB running it until they next write to the socket.
func (mysqlCatalog) canceller(ctx context.Context, db *sql.DB, conn *sql.Conn) (func(context.Context) error, error) {
	var id string
	if err := conn.QueryRowContext(ctx, `select connection_id()`).Scan(&id); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		_, err := db.ExecContext(ctx, "kill query "+id)
		return err
	}, nil
}

// starrocksCatalog adds StarRocks' catalogs: the default catalog's databases are listed bare,
// external catalogs' as catalog.database. Where SHOW CATALOGS is not understood (a plain MySQL
// protocol server) it behaves like MySQL.
type starrocksCatalog struct{ mysqlCatalog }

const starrocksDefaultCatalog = "default_catalog"

func (s starrocksCatalog) listDatabases(ctx context.Context, q querier) ([]string, error) {
	dbs, err := s.mysqlCatalog.listDatabases(ctx, q)
	if err != nil {
		return nil, err
	}
	catalogs, err := collect(ctx, q, func(r *sql.Rows) (string, error) {
		cols, _ := r.Columns()
		vals := make([]any, len(cols))
		var name string
		vals[0] = &name
		for i := 1; i < len(vals); i++ {
			vals[i] = new(sql.RawBytes)
		}
		return name, r.Scan(vals...)
	}, `show catalogs`)
	if err != nil {
		return dbs, nil // not StarRocks, or an old one: the default catalog only
	}
	for _, cat := range catalogs {
		if cat == starrocksDefaultCatalog {
			continue
		}
		ext, err := collect(ctx, q, scanString, "show databases from `"+strings.ReplaceAll(cat, "`", "``")+"`")
		if err != nil {
			continue // an unreachable external catalog must not hide the others
		}
		for _, d := range ext {
			dbs = append(dbs, cat+"."+d)
		}
	}
	return dbs, nil
}

// splitCatalog parses "catalog.database"; the default catalog is written bare.
func splitCatalog(db string) (catalog, database string) {
	if c, d, ok := strings.Cut(db, "."); ok {
		return c, d
	}
	return "", db
}

func (s starrocksCatalog) listTables(ctx context.Context, q querier, db string) ([]TableInfo, error) {
	cat, name := splitCatalog(db)
	if cat == "" || cat == starrocksDefaultCatalog {
		return s.mysqlCatalog.listTables(ctx, q, name)
	}
	tables, err := collect(ctx, q, scanMySQLTable, strings.Replace(mysqlTables, "information_schema.tables", quoteIdent(cat, '`')+".information_schema.tables", 1), name)
	for i := range tables {
		tables[i].Database = db
	}
	return tables, err
}

func (s starrocksCatalog) tableSchema(ctx context.Context, q querier, db, table string) ([]Column, error) {
	cat, name := splitCatalog(db)
	if cat == "" || cat == starrocksDefaultCatalog {
		return s.mysqlCatalog.tableSchema(ctx, q, name, table)
	}
	cols, err := collect(ctx, q, scanMySQLColumn, strings.Replace(mysqlColumns, "information_schema.columns", quoteIdent(cat, '`')+".information_schema.columns", 1)+
		` and table_name = ? order by ordinal_position`, name, table)
	return renumber(cols), err
}

func (s starrocksCatalog) listColumns(ctx context.Context, q querier, db string) ([]Column, error) {
	cat, name := splitCatalog(db)
	if cat == "" || cat == starrocksDefaultCatalog {
		return s.mysqlCatalog.listColumns(ctx, q, name)
	}
	cols, err := collect(ctx, q, scanMySQLColumn, strings.Replace(mysqlColumns, "information_schema.columns", quoteIdent(cat, '`')+".information_schema.columns", 1)+
		` order by table_name, ordinal_position`, name)
	return renumber(cols), err
}

func quoteIdent(s string, q byte) string {
	qs := string(q)
	return qs + strings.ReplaceAll(s, qs, qs+qs) + qs
}

func (m mysqlCatalog) useDatabase(ctx context.Context, conn *sql.Conn, db string) (func(), error) {
	var prev sql.NullString
	if err := conn.QueryRowContext(ctx, `select database()`).Scan(&prev); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "use "+m.quote(db)); err != nil {
		return nil, err
	}
	return func() {
		if !prev.Valid || prev.String == "" {
			retire(conn) // MySQL cannot go back to "no database": drop the connection instead
			return
		}
		if _, err := conn.ExecContext(context.Background(), "use "+m.quote(prev.String)); err != nil {
			retire(conn)
		}
	}, nil
}
