// Package connectors is the query executor: one Connector interface and one implementation per
// engine family. MySQL, MariaDB and StarRocks share the MySQL-protocol code and differ only in
// catalog queries; Trino, PrestoDB and Hive (through a Trino hive catalog) share trino-go-client,
// PrestoDB by rewriting X-Trino-* headers to X-Presto-*. Credentials are decrypted by the caller
// only to open a pool, and never leave it.
package connectors

import (
	"context"
	"time"

	"assetflow/domain/catalog"
	"assetflow/domain/datasource"
	"assetflow/domain/quality"
)

// Settings are what opening a connection needs, password included.
type Settings struct {
	Type     datasource.Type
	Host     string
	Port     int
	Database string
	Username string
	Password string
	Params   map[string]string
	TLSMode  string
	// ConnectTimeout bounds dialling and authentication; default 5s.
	ConnectTimeout time.Duration
}

// The metadata value types are the domain's; the executor fills them.
type (
	PingResult = datasource.PingResult
	TableInfo  = datasource.TableInfo
	Column     = datasource.Column
)

// The query types are the domain's too.
type (
	ResultColumn = datasource.ResultColumn
	QueryRequest = datasource.QueryRequest
	QueryResult  = datasource.QueryResult
	RowSink      = datasource.RowSink
)

// Connector is the one interface every engine implements.
type Connector interface {
	// Ping opens a connection, authenticates and reads the server version.
	Ping(ctx context.Context) (PingResult, error)
	// ListDatabases returns the databases (or catalog.schema pairs) to choose from, or nil when the
	// engine has no such choice to make (PostgreSQL: the connection names the database).
	ListDatabases(ctx context.Context) ([]string, error)
	// ListTablesInfo lists tables and views of db ("" = the connection's default; for PostgreSQL,
	// a schema name or "" for every schema).
	ListTablesInfo(ctx context.Context, db string) ([]TableInfo, error)
	// GetTableSchema lists a table's columns in order.
	GetTableSchema(ctx context.Context, db, table string) ([]Column, error)
	// ListColumns lists every column of every table in db in one round trip (catalog collection).
	ListColumns(ctx context.Context, db string) ([]Column, error)
	// Query runs a statement, streaming rows to sink, with a row cap and a timeout; cancelling ctx
	// stops the statement on the server too.
	Query(ctx context.Context, req QueryRequest, sink RowSink) (QueryResult, error)
	// Profile reads a sample of a table and summarises each column (masked columns: counts only).
	Profile(ctx context.Context, req ProfileRequest) (catalog.TableProfiled, error)
	// Measure computes a quality rule's metric with aggregate SQL in the database.
	Measure(ctx context.Context, spec quality.MeasureSpec) (quality.Measurement, error)
	// Samples reads a few offending rows of a failed quality check.
	Samples(ctx context.Context, spec quality.MeasureSpec) ([]quality.Sample, error)
	// Close releases the pool.
	Close() error
}

// Open returns the connector for s.Type.
func Open(s Settings) (Connector, error) {
	if s.ConnectTimeout <= 0 {
		s.ConnectTimeout = 5 * time.Second
	}
	switch s.Type {
	case datasource.MySQL, datasource.MariaDB:
		return openMySQL(s, mysqlCatalog{})
	case datasource.StarRocks:
		return openMySQL(s, starrocksCatalog{})
	case datasource.PostgreSQL:
		return openPostgres(s)
	case datasource.Trino, datasource.Presto, datasource.Hive:
		return openTrino(s)
	}
	return nil, unsupported(s.Type)
}
