package backup

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/manifest"
)

// fakeJobs stands in for pushes and tasks, and watches how the daemon runs
// them: how many at once, and which.
type fakeJobs struct {
	mu         sync.Mutex
	running    map[string]int
	total      int // running now
	maxTotal   int
	maxPerJob  int
	taskBeside bool // a task ran beside another job
	runs       map[string]int
	started    chan string
	hold       time.Duration // how long each job takes unless cancelled
}

func newFakeJobs(hold time.Duration) *fakeJobs {
	return &fakeJobs{running: map[string]int{}, runs: map[string]int{}, started: make(chan string, 100), hold: hold}
}

func (f *fakeJobs) run(ctx context.Context, name string, task bool) error {
	f.mu.Lock()
	f.running[name]++
	f.total++
	f.maxTotal = max(f.maxTotal, f.total)
	f.maxPerJob = max(f.maxPerJob, f.running[name])
	if task && f.total > 1 || !task && f.running["prune"] > 0 {
		f.taskBeside = true
	}
	f.runs[name]++
	f.mu.Unlock()
	f.started <- name
	defer func() {
		f.mu.Lock()
		f.running[name]--
		f.total--
		f.mu.Unlock()
	}()
	if f.hold == 0 {
		return nil
	}
	select {
	case <-time.After(f.hold):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *fakeJobs) backup(ctx context.Context, sv Subvolume) (*manifest.Record, error) {
	if err := f.run(ctx, sv.Name, false); err != nil {
		return nil, err
	}
	return &manifest.Record{Snapshot: manifest.SnapshotName(sv.Name, time.Now())}, nil
}

// waitRuns waits until every named job has started n times.
func (f *fakeJobs) waitRuns(t *testing.T, n int, names ...string) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		f.mu.Lock()
		done := true
		for _, name := range names {
			done = done && f.runs[name] >= n
		}
		f.mu.Unlock()
		if done {
			return
		}
		select {
		case <-f.started:
		case <-deadline:
			t.Fatalf("jobs %v did not all start %d times within a minute: %v", names, n, f.runs)
		}
	}
}

func schedule(t *testing.T, spec string) Schedule {
	t.Helper()
	s, err := ParseSchedule(spec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testPlan(t *testing.T, f *fakeJobs, r *Reporter, spec string, names ...string) *Plan {
	p := &Plan{Backup: f.backup, Parallel: 2, Reporter: r}
	for _, n := range names {
		p.Subvolumes = append(p.Subvolumes, Scheduled{
			Subvolume: Subvolume{Name: n, SnapshotDir: "/nonexistent"}, Schedule: schedule(t, spec)})
	}
	return p
}

// runDaemon runs d until the test stops it with the returned function,
// which fails the test unless Run returns nil within seconds.
func runDaemon(t *testing.T, d *Daemon) (stop func()) {
	t.Helper()
	if d.CatchUpDelay == nil {
		d.CatchUpDelay = func() time.Duration { return 0 }
	}
	d.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("daemon returned %v after being stopped, want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("daemon did not stop within 10s of its context ending")
		}
	}
	t.Cleanup(stop)
	return stop
}

func TestDaemonRunsJobsOnePerSubvolumeWithinParallel(t *testing.T) {
	f := newFakeJobs(1500 * time.Millisecond)
	plan := testPlan(t, f, newTestReporter(t), "@every 1s", "home", "root", "var")
	plan.Tasks = []Task{
		{Name: "prune", Schedule: schedule(t, "@every 2s"), Run: func(ctx context.Context, _ func(any)) error { return f.run(ctx, "prune", true) }},
		{Name: "verify", Schedule: schedule(t, "@every 1s")}, // no Run: never scheduled
	}
	stop := runDaemon(t, &Daemon{Load: func(context.Context) (*Plan, error) { return plan, nil }})
	f.waitRuns(t, 2, "home", "root", "var", "prune")
	stop()

	f.mu.Lock()
	defer f.mu.Unlock()
	if f.maxTotal > 2 {
		t.Errorf("%d jobs ran at once, parallel is 2", f.maxTotal)
	}
	if f.maxPerJob > 1 {
		t.Errorf("one subvolume was backed up %d times at once", f.maxPerJob)
	}
	if f.taskBeside {
		t.Error("prune ran beside a backup")
	}
	if f.runs["verify"] != 0 {
		t.Error("a task without a Run function ran")
	}
}

func TestDaemonCatchesUpOnlyMissedRuns(t *testing.T) {
	f := newFakeJobs(0)
	r := newTestReporter(t)
	now := time.Now()
	// Once a year at new year: "home" missed it, "root" did not.
	r.Pushed(context.Background(), Subvolume{Name: "home"}, now, now.Add(-400*24*time.Hour), &manifest.Record{}, nil)
	r.Pushed(context.Background(), Subvolume{Name: "root"}, now, now, &manifest.Record{}, nil)
	plan := testPlan(t, f, r, "0 0 1 1 *", "home", "root")
	stop := runDaemon(t, &Daemon{Load: func(context.Context) (*Plan, error) { return plan, nil }})
	f.waitRuns(t, 1, "home")
	stop()

	st, err := r.State.ReadStatus()
	if err != nil {
		t.Fatal(err)
	}
	if f.runs["root"] != 0 {
		t.Error("root was run although it missed nothing")
	}
	for _, name := range []string{"home", "root"} {
		if next := st.Subvolumes[name].NextRun; next.Month() != time.January || next.Day() != 1 || !next.After(now) {
			t.Errorf("%s: next run %v, want the coming new year", name, next)
		}
	}
	if !st.Subvolumes["home"].LastSuccess.After(now.Add(-time.Minute)) {
		t.Errorf("home: last success %v, want the catch-up run", st.Subvolumes["home"].LastSuccess)
	}
}

func TestDaemonStopCancelsTheRunningJob(t *testing.T) {
	f := newFakeJobs(time.Hour)
	r := newTestReporter(t)
	plan := testPlan(t, f, r, "@hourly", "home")
	stop := runDaemon(t, &Daemon{Load: func(context.Context) (*Plan, error) { return plan, nil }})
	f.waitRuns(t, 1, "home")
	stop() // fails unless Run returns within seconds, although the job would take an hour

	if j := readStatus(t, r); j.Failing() || !j.LastSuccess.IsZero() {
		t.Errorf("a cancelled backup was recorded as finished: %+v", j)
	}
}

func TestDaemonReloadKeepsTheOldPlanWhenTheNewOneIsBad(t *testing.T) {
	f := newFakeJobs(0)
	r := newTestReporter(t)
	plans := make(chan func() (*Plan, error), 3)
	plans <- func() (*Plan, error) { return testPlan(t, f, r, "@every 1s", "home"), nil }
	hup := make(chan os.Signal)
	stop := runDaemon(t, &Daemon{Reload: hup, Load: func(context.Context) (*Plan, error) { return (<-plans)() }})
	f.waitRuns(t, 1, "home")

	plans <- func() (*Plan, error) { return nil, errors.New("config: unknown key schedul") }
	hup <- nil
	f.waitRuns(t, 3, "home") // still running the old plan

	plans <- func() (*Plan, error) { return testPlan(t, f, r, "@every 1s", "home", "root"), nil }
	hup <- nil
	f.waitRuns(t, 1, "root")
	stop()
}
