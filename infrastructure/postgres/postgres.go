// Package postgres owns the connection pool, database creation, schema migrations and transaction
// helpers shared by the event store and every projection.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"assetflow/domain/fault"
)

// Connect opens a pool on dbURL, creating the database first when it does not exist.
func Connect(ctx context.Context, dbURL string) (*pgxpool.Pool, error) {
	if err := EnsureDatabase(ctx, dbURL); err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if cfg.MaxConns < 16 {
		cfg.MaxConns = 16
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping %s: %w", redact(dbURL), err)
	}
	return pool, nil
}

// EnsureDatabase creates the database named in dbURL if it is missing, connecting to the
// maintenance database "postgres" on the same server.
func EnsureDatabase(ctx context.Context, dbURL string) error {
	u, err := url.Parse(dbURL)
	if err != nil {
		return fmt.Errorf("parse database url: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" || name == "postgres" {
		return nil
	}
	admin := *u
	admin.Path = "/postgres"
	conn, err := pgx.Connect(ctx, admin.String())
	if err != nil {
		return fmt.Errorf("connect to %s: %w", redact(admin.String()), err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `select exists(select 1 from pg_database where datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "create database "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // created concurrently by another replica
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	slog.Info("created database", "name", name)
	return nil
}

// Migration is one owner's embedded schema: the event store's, or one projection's.
type Migration struct {
	Owner string // names the goose version table: goose_<owner>
	FS    fs.FS  // *.sql files at its root, goose format
}

// Embedded is the migration of an owner whose *.sql files are embedded under "migrations/".
func Embedded(owner string, files fs.FS) Migration {
	sub, err := fs.Sub(files, "migrations")
	if err != nil {
		panic(fmt.Sprintf("migrations of %s: %v", owner, err))
	}
	return Migration{Owner: owner, FS: sub}
}

// Migrate applies every owner's migrations in order, each under a Postgres session lock so
// replicas starting together do not race.
func Migrate(ctx context.Context, pool *pgxpool.Pool, migrations ...Migration) error {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	for _, m := range migrations {
		if err := migrateOne(ctx, db, m); err != nil {
			return err
		}
	}
	return nil
}

func migrateOne(ctx context.Context, db *sql.DB, m Migration) error {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("migration locker: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, m.FS,
		goose.WithTableName("goose_"+m.Owner), goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("migrations of %s: %w", m.Owner, err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", m.Owner, err)
	}
	for _, r := range res {
		slog.Debug("migrated", "owner", m.Owner, "version", r.Source.Version)
	}
	return nil
}

// InTx runs fn in a transaction, committing when it returns nil.
func InTx(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	return InTxWith(ctx, pool, pgx.TxOptions{}, fn)
}

// AsyncCommit begins a transaction whose commit does not wait for the disk (for writes that can
// be derived again, such as read models), in the same round trip as the BEGIN.
var AsyncCommit = pgx.TxOptions{BeginQuery: "begin; set local synchronous_commit = off"}

// InTxWith is InTx with transaction options.
func InTxWith(ctx context.Context, pool *pgxpool.Pool, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	tx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// One reads the row of one entity by id: sql takes the id as $1 and scan turns the row into T. No
// row is fault.NotFound(what, id), the read models' one way of saying an id names nothing.
func One[T any](ctx context.Context, pool *pgxpool.Pool, what, id, sql string, scan pgx.RowToFunc[T]) (T, error) {
	rows, err := pool.Query(ctx, sql, id)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("get %s: %w", what, err)
	}
	v, err := pgx.CollectOneRow(rows, scan)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, fault.NotFound(what, id)
	}
	return v, err
}

// IsUniqueViolation reports a unique-constraint violation (SQLSTATE 23505).
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

func redact(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "database"
	}
	return u.Redacted()
}

// Locks hands out cluster-wide locks: Postgres session advisory locks on dedicated connections,
// freed when released or when the holder's session ends (a crashed replica frees its locks).
type Locks struct{ Pool *pgxpool.Pool }

// TryLock takes the lock named key without waiting; ok is false when someone else holds it.
func (l Locks) TryLock(ctx context.Context, key string) (unlock func(), ok bool, err error) {
	conn, err := l.Pool.Acquire(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("lock %s: %w", key, err)
	}
	if err := conn.QueryRow(ctx, `select pg_try_advisory_lock(hashtextextended($1, 0))`, key).Scan(&ok); err != nil {
		conn.Release()
		return nil, false, fmt.Errorf("lock %s: %w", key, err)
	}
	if !ok {
		conn.Release()
		return nil, false, nil
	}
	return func() {
		_, _ = conn.Exec(context.Background(), `select pg_advisory_unlock(hashtextextended($1, 0))`, key)
		conn.Release()
	}, true, nil
}

// Held reports whether anyone holds the lock named key.
func (l Locks) Held(ctx context.Context, key string) (bool, error) {
	var held bool
	err := l.Pool.QueryRow(ctx, `select exists(select 1 from pg_locks where locktype = 'advisory' and granted
		and ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0))`, key).Scan(&held)
	return held, err
}
