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
