// Package scheduler runs periodic jobs with gocron v2 on exactly one replica at a time: a Postgres
// advisory lock elects the leader, and the other replicas' schedulers skip every run.
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/robfig/cron/v3"

	"assetflow/infrastructure/postgres"
)

// ValidCron checks a five-field cron expression (minute hour day month weekday).
func ValidCron(expr string) error {
	if _, err := cron.ParseStandard(expr); err != nil {
		return fmt.Errorf("cron %q: %w", expr, err)
	}
	return nil
}

// Next is the next time a cron expression fires after now.
func Next(expr string, now time.Time) (time.Time, error) {
	s, err := cron.ParseStandard(expr)
	if err != nil {
		return time.Time{}, err
	}
	return s.Next(now), nil
}

// LockElector makes the replica holding a Postgres advisory lock the leader.
type LockElector struct {
	Locks postgres.Locks
	Key   string
	mu    sync.Mutex
	held  func()
}

// IsLeader takes the lock if nobody holds it; it returns nil while this replica holds it.
func (e *LockElector) IsLeader(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.held != nil {
		return nil
	}
	unlock, ok, err := e.Locks.TryLock(ctx, e.Key)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("another replica runs the scheduled jobs")
	}
	e.held = unlock
	slog.Info("this replica runs the scheduled jobs")
	return nil
}

// Release gives leadership up.
func (e *LockElector) Release() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.held != nil {
		e.held()
		e.held = nil
	}
}

// Entry is one desired job.
type Entry struct {
	Key  string // stable identity (e.g. "collect:<datasource id>")
	Cron string
	Run  func(ctx context.Context)
}

// Scheduler reconciles gocron jobs with a desired list.
type Scheduler struct {
	s       gocron.Scheduler
	elector *LockElector
	ctx     context.Context
	mu      sync.Mutex
	jobs    map[string]job
}

type job struct {
	id   uuid.UUID
	cron string
}

// New starts an empty scheduler whose jobs run with ctx.
func New(ctx context.Context, elector *LockElector) (*Scheduler, error) {
	s, err := gocron.NewScheduler(gocron.WithDistributedElector(elector))
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	s.Start()
	return &Scheduler{s: s, elector: elector, ctx: ctx, jobs: map[string]job{}}, nil
}

// Sync makes the running jobs equal the desired entries.
func (s *Scheduler) Sync(entries []Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	want := map[string]bool{}
	for _, e := range entries {
		want[e.Key] = true
		if j, ok := s.jobs[e.Key]; ok && j.cron == e.Cron {
			continue
		}
		if j, ok := s.jobs[e.Key]; ok {
			_ = s.s.RemoveJob(j.id)
		}
		run := e.Run
		created, err := s.s.NewJob(gocron.CronJob(e.Cron, false), gocron.NewTask(func() { run(s.ctx) }),
			gocron.WithName(e.Key), gocron.WithSingletonMode(gocron.LimitModeReschedule))
		if err != nil {
			slog.Warn("cannot schedule job", "job", e.Key, "cron", e.Cron, "err", err)
			delete(s.jobs, e.Key)
			continue
		}
		s.jobs[e.Key] = job{id: created.ID(), cron: e.Cron}
	}
	for key, j := range s.jobs {
		if !want[key] {
			_ = s.s.RemoveJob(j.id)
			delete(s.jobs, key)
		}
	}
}

// Jobs lists the scheduled keys.
func (s *Scheduler) Jobs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.jobs))
	for k := range s.jobs {
		out = append(out, k)
	}
	return out
}

// Close stops the scheduler and gives up leadership.
func (s *Scheduler) Close() {
	_ = s.s.Shutdown()
	s.elector.Release()
}
