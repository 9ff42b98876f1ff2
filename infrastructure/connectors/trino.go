package connectors

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	trino "github.com/trinodb/trino-go-client/trino"

	"assetflow/domain/datasource"
)

// openTrino connects to Trino, PrestoDB (same protocol, X-Presto-* headers) or Hive through a
// Trino coordinator with a hive catalog (the datasource's database defaults to catalog "hive").
func openTrino(s Settings) (Connector, error) {
	scheme := "http"
	if s.TLSMode != "" && s.TLSMode != "disable" {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: fmt.Sprintf("%s:%d", s.Host, s.Port)}
	if s.Password != "" {
		u.User = url.UserPassword(s.Username, s.Password)
	} else {
		u.User = url.User(s.Username)
	}
	// "catalog.schema"; a bare name is a catalog for Trino and PrestoDB, and a schema of the
	// "hive" catalog for Hive.
	catalog, schema := splitCatalog(s.Database)
	switch {
	case catalog == "" && s.Type == datasource.Hive:
		catalog = "hive"
	case catalog == "":
		catalog, schema = schema, ""
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.ResponseHeaderTimeout = 0
	if s.TLSMode == "required" || s.TLSMode == "preferred" {
		transport.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user chose encryption without verification
	}
	var rt http.RoundTripper = transport
	if s.Type == datasource.Presto {
		rt = prestoHeaders{next: transport}
	}
	client := &http.Client{Transport: rt, Timeout: 0}
	cfg := &trino.Config{ServerURI: u.String(), Source: "assetflow", Catalog: catalog, Schema: schema, HTTPClient: client}
	conn, err := trino.NewConnector(cfg)
	if err != nil {
		return nil, &Error{Kind: KindOther, Message: "invalid connection settings", Detail: redactDetail(err.Error()), Err: err}
	}
	db := sql.OpenDB(conn)
	return newSQLConnector(db, trinoCatalog{catalog: catalog, schema: schema, timeout: s.ConnectTimeout.String()}), nil
}

// prestoHeaders speaks PrestoDB's dialect of the protocol: request headers X-Trino-* go out as
// X-Presto-*, and response headers X-Presto-* come back as X-Trino-*.
type prestoHeaders struct{ next http.RoundTripper }

func (p prestoHeaders) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header = http.Header{}
	for k, v := range req.Header {
		if rest, ok := strings.CutPrefix(k, "X-Trino-"); ok {
			k = "X-Presto-" + rest
		}
		r.Header[k] = v
	}
	resp, err := p.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	for k, v := range resp.Header {
		if rest, ok := strings.CutPrefix(k, "X-Presto-"); ok {
			k = "X-Trino-" + rest
		}
		h[k] = v
	}
	resp.Header = h
	return resp, nil
}

// trinoCatalog lists catalog.schema pairs through system.jdbc and describes tables through each
// catalog's information_schema and system.metadata.
type trinoCatalog struct {
	catalog, schema string
	timeout         string
}

func (trinoCatalog) version(ctx context.Context, q querier) (string, error) {
	v, err := collect(ctx, q, scanString, `select version()`)
	if err != nil || len(v) == 0 {
		return "", err
	}
	return "Trino-protocol " + v[0], nil
}

func (trinoCatalog) listDatabases(ctx context.Context, q querier) ([]string, error) {
	dbs, err := collect(ctx, q, scanString, `select table_cat || '.' || table_schem from system.jdbc.schemas
		where table_schem <> 'information_schema' order by 1`)
	if dbs == nil && err == nil {
		dbs = []string{}
	}
	return dbs, err
}

// target resolves "catalog.schema" (or the connection's defaults) for a catalog query.
func (t trinoCatalog) target(db string) (string, string, error) {
	cat, schema := splitCatalog(db)
	if cat == "" {
		cat, schema = t.catalog, db
	}
	if schema == "" {
		schema = t.schema
	}
	if cat == "" || schema == "" {
		return "", "", &Error{Kind: KindUnknownDB, Message: "choose a catalog.schema"}
	}
	return cat, schema, nil
}

func (t trinoCatalog) listTables(ctx context.Context, q querier, db string) ([]TableInfo, error) {
	cat, schema, err := t.target(db)
	if err != nil {
		return nil, err
	}
	tables, err := collect(ctx, q, func(r *sql.Rows) (TableInfo, error) {
		var ti TableInfo
		var typ string
		var comment sql.NullString
		err := r.Scan(&ti.Name, &typ, &comment)
		ti.Database, ti.Schema, ti.Comment = cat+"."+schema, schema, comment.String
		ti.Type = "table"
		if strings.Contains(strings.ToUpper(typ), "VIEW") {
			ti.Type = "view"
		}
		return ti, err
	}, `select t.table_name, t.table_type, c.comment from `+quoteIdent(cat, '"')+`.information_schema.tables t
		left join system.metadata.table_comments c on c.catalog_name = t.table_catalog and c.schema_name = t.table_schema and c.table_name = t.table_name
		where t.table_schema = ? order by t.table_name`, schema)
	return tables, err
}

const trinoColumns = `select table_name, ordinal_position, column_name, data_type, is_nullable, column_default from %s.information_schema.columns where table_schema = ?`

func scanTrinoColumn(r *sql.Rows) (Column, error) {
	var c Column
	var nullable string
	var def sql.NullString
	err := r.Scan(&c.Table, &c.Order, &c.Name, &c.Type, &nullable, &def)
	c.Nullable = nullable == "YES"
	if def.Valid {
		c.Default = &def.String
	}
	return c, err
}

func (t trinoCatalog) tableSchema(ctx context.Context, q querier, db, table string) ([]Column, error) {
	cat, schema, err := t.target(db)
	if err != nil {
		return nil, err
	}
	cols, err := collect(ctx, q, scanTrinoColumn, fmt.Sprintf(trinoColumns, quoteIdent(cat, '"'))+` and table_name = ? order by ordinal_position`, schema, table)
	return renumber(cols), err
}

func (t trinoCatalog) listColumns(ctx context.Context, q querier, db string) ([]Column, error) {
	cat, schema, err := t.target(db)
	if err != nil {
		return nil, err
	}
	cols, err := collect(ctx, q, scanTrinoColumn, fmt.Sprintf(trinoColumns, quoteIdent(cat, '"'))+` order by table_name, ordinal_position`, schema)
	return renumber(cols), err
}

func (trinoCatalog) hint(err error) string {
	var te *trino.ErrTrino
	if errors.As(err, &te) {
		switch {
		case te.ErrorName == "CATALOG_NOT_FOUND" || te.ErrorName == "SCHEMA_NOT_FOUND":
			return KindUnknownDB
		case te.ErrorName == "TABLE_NOT_FOUND":
			return KindNotFound
		case te.ErrorName == "PERMISSION_DENIED":
			return KindPermission
		case te.ErrorType == "USER_ERROR":
			return KindSyntax
		}
	}
	var qf *trino.ErrQueryFailed
	if errors.As(err, &qf) && (qf.StatusCode == http.StatusUnauthorized || qf.StatusCode == http.StatusForbidden) {
		return KindAuth
	}
	if errors.Is(err, trino.ErrQueryCancelled) {
		return KindCanceled
	}
	return ""
}
