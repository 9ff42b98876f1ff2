package connectors

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

func openPostgres(s Settings) (Connector, error) {
	u := url.URL{Scheme: "postgres", Host: fmt.Sprintf("%s:%d", s.Host, s.Port), Path: "/" + s.Database}
	if s.Password != "" {
		u.User = url.UserPassword(s.Username, s.Password)
	} else {
		u.User = url.User(s.Username)
	}
	q := url.Values{}
	for k, v := range s.Params {
		q.Set(k, v)
	}
	q.Set("connect_timeout", strconv.Itoa(max(1, int(s.ConnectTimeout.Seconds()))))
	if q.Get("application_name") == "" {
		q.Set("application_name", "assetflow")
	}
	q.Set("sslmode", map[string]string{"preferred": "prefer", "required": "require", "verify": "verify-full"}[s.TLSMode])
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return nil, &Error{Kind: KindOther, Message: "invalid connection settings", Detail: redactDetail(err.Error()), Err: err}
	}
	return newSQLConnector(stdlib.OpenDB(*cfg), postgresCatalog{}), nil
}

// postgresCatalog reads pg_catalog: one connection names one database, so there is no database
// list; tables of every user schema are listed with their schema, and "database" arguments name a
// schema.
type postgresCatalog struct{}

func (postgresCatalog) version(ctx context.Context, q querier) (string, error) {
	v, err := collect(ctx, q, scanString, `select 'PostgreSQL ' || current_setting('server_version')`)
	if err != nil || len(v) == 0 {
		return "", err
	}
	return v[0], nil
}

func (postgresCatalog) listDatabases(context.Context, querier) ([]string, error) { return nil, nil }

const pgUserSchemas = `n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%'`

func (postgresCatalog) listTables(ctx context.Context, q querier, schema string) ([]TableInfo, error) {
	return collect(ctx, q, func(r *sql.Rows) (TableInfo, error) {
		var t TableInfo
		var kind string
		var rows, size sql.NullInt64
		var comment, def sql.NullString
		if err := r.Scan(&t.Name, &t.Schema, &t.Database, &comment, &kind, &rows, &size, &def); err != nil {
			return t, err
		}
		t.Comment = comment.String
		t.Definition = strings.TrimSuffix(strings.TrimSpace(def.String), ";")
		t.Type = "table"
		if kind == "v" || kind == "m" {
			t.Type = "view"
		}
		if rows.Valid && rows.Int64 >= 0 {
			t.Rows = &rows.Int64
		}
		if size.Valid {
			t.SizeBytes = &size.Int64
		}
		return t, nil
	}, `select c.relname, n.nspname, current_database(), d.description, c.relkind::text,
		case when c.relkind in ('r','p','m') then case when c.reltuples >= 0 then c.reltuples::bigint else pg_stat_get_live_tuples(c.oid) end end,
		case when c.relkind in ('r','p','m') and (c.relpages > 0 or c.reltuples >= 0) then c.relpages::bigint * current_setting('block_size')::bigint end,
		case when c.relkind in ('v','m') then pg_get_viewdef(c.oid) end
		from pg_class c join pg_namespace n on n.oid = c.relnamespace
		left join pg_description d on d.objoid = c.oid and d.classoid = 'pg_class'::regclass and d.objsubid = 0
		where c.relkind in ('r','p','v','m','f') and not c.relispartition and `+pgUserSchemas+`
		and ($1 = '' or n.nspname = $1) order by n.nspname, c.relname`, schema)
}

// pgColumns joins descriptions, defaults and primary keys instead of calling a function per
// column: on 200,000 columns that is the difference between one pass and 200,000 lookups.
const pgColumns = `with pk as (select i.indrelid, k.attnum from pg_index i, unnest(i.indkey) as k(attnum) where i.indisprimary)
	select n.nspname, c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), ds.description,
	pk.attnum is not null, not a.attnotnull, pg_get_expr(d.adbin, d.adrelid)
	from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
	left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
	left join pg_description ds on ds.objoid = c.oid and ds.classoid = 'pg_class'::regclass and ds.objsubid = a.attnum
	left join pk on pk.indrelid = c.oid and pk.attnum = a.attnum
	where a.attnum > 0 and not a.attisdropped and c.relkind in ('r','p','v','m','f') and ` + pgUserSchemas

func scanPGColumn(r *sql.Rows) (Column, error) {
	var c Column
	var comment, def sql.NullString
	if err := r.Scan(&c.Schema, &c.Table, &c.Order, &c.Name, &c.Type, &comment, &c.PrimaryKey, &c.Nullable, &def); err != nil {
		return c, err
	}
	c.Comment = comment.String
	if def.Valid {
		c.Default = &def.String
	}
	return c, nil
}

func (postgresCatalog) tableSchema(ctx context.Context, q querier, schema, table string) ([]Column, error) {
	if schema == "" {
		schema = "public"
	}
	cols, err := collect(ctx, q, scanPGColumn, pgColumns+` and n.nspname = $1 and c.relname = $2 order by a.attnum`, schema, table)
	return renumber(cols), err
}

func (postgresCatalog) listColumns(ctx context.Context, q querier, schema string) ([]Column, error) {
	cols, err := collect(ctx, q, scanPGColumn, pgColumns+` and ($1 = '' or n.nspname = $1) order by n.nspname, c.relname, a.attnum`, schema)
	return renumber(cols), err
}

func (postgresCatalog) hint(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "28P01" || pe.Code == "28000":
			return KindAuth
		case pe.Code == "3D000":
			return KindUnknownDB
		case pe.Code == "42501":
			return KindPermission
		case pe.Code == "42P01":
			return KindNotFound
		case pe.Code == "57014":
			return KindCanceled
		case pe.Code[:2] == "42":
			return KindSyntax
		}
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		var inner *pgconn.PgError
		if errors.As(ce.Unwrap(), &inner) {
			return postgresCatalog{}.hint(inner)
		}
	}
	return ""
}

// canceller sends PostgreSQL's cancel request for the connection's backend (the protocol's own
// out-of-band cancel, no extra round trip before the statement).
func (postgresCatalog) canceller(_ context.Context, _ *sql.DB, conn *sql.Conn) (func(context.Context) error, error) {
	var pc *pgconn.PgConn
	err := conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		pc = c.Conn().PgConn()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return pc.CancelRequest, nil
}

// useDatabase sets the schema search path: on PostgreSQL a datasource's "databases" are schemas.
func (p postgresCatalog) useDatabase(ctx context.Context, conn *sql.Conn, schema string) (func(), error) {
	if _, err := conn.ExecContext(ctx, "set search_path to "+p.quote(schema)+", public"); err != nil {
		return nil, err
	}
	return func() {
		if _, err := conn.ExecContext(context.Background(), "reset search_path"); err != nil {
			retire(conn)
		}
	}, nil
}
