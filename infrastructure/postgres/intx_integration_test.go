package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"assetflow/infrastructure/postgres"
	"assetflow/infrastructure/postgres/pgtest"
)

// AsyncCommit holds for its transaction only (SET LOCAL): later statements commit as configured.
func TestAsyncCommitIntegration(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	ctx := context.Background()
	var in, after string
	if err := postgres.InTxWith(ctx, pool, postgres.AsyncCommit, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, "show synchronous_commit").Scan(&in)
	}); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, "show synchronous_commit").Scan(&after); err != nil {
		t.Fatal(err)
	}
	if in != "off" || after != "on" {
		t.Fatalf("synchronous_commit %q inside, %q after", in, after)
	}
}
