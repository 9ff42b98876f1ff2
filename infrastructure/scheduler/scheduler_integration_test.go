package scheduler_test

import (
	"context"
	"slices"
	"testing"

	"assetflow/infrastructure/postgres"
	"assetflow/infrastructure/postgres/pgtest"
	"assetflow/infrastructure/scheduler"
)

func TestOneLeaderAndJobSyncIntegration(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	locks := postgres.Locks{Pool: pool}
	ctx := context.Background()
	a := &scheduler.LockElector{Locks: locks, Key: "test-scheduler"}
	b := &scheduler.LockElector{Locks: locks, Key: "test-scheduler"}
	if err := a.IsLeader(ctx); err != nil {
		t.Fatalf("first elector: %v", err)
	}
	if err := b.IsLeader(ctx); err == nil {
		t.Fatal("two leaders at once")
	}
	if held, err := locks.Held(ctx, "test-scheduler"); err != nil || !held {
		t.Fatalf("lock not seen as held: %v %v", held, err)
	}
	a.Release()
	if err := b.IsLeader(ctx); err != nil {
		t.Fatalf("fail-over: %v", err)
	}
	b.Release()
	if held, _ := locks.Held(ctx, "test-scheduler"); held {
		t.Fatal("released lock still held")
	}

	s, err := scheduler.New(ctx, &scheduler.LockElector{Locks: locks, Key: "test-jobs"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	noop := func(context.Context) {}
	s.Sync([]scheduler.Entry{{Key: "a", Cron: "0 2 * * *", Run: noop}, {Key: "b", Cron: "*/5 * * * *", Run: noop}, {Key: "bad", Cron: "nope", Run: noop}})
	jobs := s.Jobs()
	slices.Sort(jobs)
	if !slices.Equal(jobs, []string{"a", "b"}) {
		t.Fatalf("jobs %v", jobs)
	}
	s.Sync([]scheduler.Entry{{Key: "b", Cron: "0 3 * * *", Run: noop}})
	if jobs := s.Jobs(); !slices.Equal(jobs, []string{"b"}) {
		t.Fatalf("after sync: %v", jobs)
	}
}

func TestValidCron(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"0 2 * * *", "*/15 * * * 1-5", "@daily"} {
		if err := scheduler.ValidCron(ok); err != nil {
			t.Errorf("%q rejected: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "* * *", "61 * * * *", "every day"} {
		if scheduler.ValidCron(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
