// Package pgtest gives integration tests a fresh PostgreSQL database of their own on the local
// server (ASSETFLOW_TEST_PG, default postgres://postgres@127.0.0.1:5432), dropped when the test ends.
package pgtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"assetflow/infrastructure/postgres"
)

// ServerURL is the test server without a database path.
func ServerURL() string {
	if v := os.Getenv("ASSETFLOW_TEST_PG"); v != "" {
		return strings.TrimSuffix(v, "/")
	}
	return "postgres://postgres@127.0.0.1:5432"
}

// NewDatabase creates an empty database and returns its URL; it is dropped at cleanup.
// Integration tests call it; under -short they are skipped.
func NewDatabase(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs PostgreSQL (run without -short)")
	}
	name := "aft_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:20]
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	admin := ServerURL() + "/postgres?sslmode=disable"
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to test PostgreSQL %s: %v", ServerURL(), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "create database "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "drop database if exists "+name+" with (force)")
	})
	return fmt.Sprintf("%s/%s?sslmode=disable", ServerURL(), name)
}

// NewPool creates a fresh database, migrates it with the given migrations and returns a pool.
func NewPool(t testing.TB, migrations ...postgres.Migration) *pgxpool.Pool {
	t.Helper()
	dbURL := NewDatabase(t)
	ctx := context.Background()
	pool, err := postgres.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(pool.Close)
	if err := postgres.Migrate(ctx, pool, migrations...); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return pool
}

// WideTableDDL is the statement creating benchmark table i with cols columns.
func WideTableDDL(i, cols int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "create table bt%05d (id bigint primary key", i)
	for c := 1; c < cols; c++ {
		fmt.Fprintf(&b, ", c%02d varchar(40)", c)
	}
	b.WriteString(");")
	return b.String()
}

// CreateWideTables creates n tables of cols columns in the PostgreSQL database at dbURL, in
// batches of 500 statements.
func CreateWideTables(ctx context.Context, dbURL string, n, cols int) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for start := 0; start < n; start += 500 {
		var batch strings.Builder
		for i := start; i < min(start+500, n); i++ {
			batch.WriteString(WideTableDDL(i, cols))
		}
		if _, err := conn.Exec(ctx, batch.String()); err != nil {
			return fmt.Errorf("create tables from %d: %w", start, err)
		}
	}
	return nil
}
