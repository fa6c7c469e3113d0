package backup

import (
	"context"
	"slices"
	"time"
)

// job is one subvolume's backup, or one task, in the daemon.
type job struct {
	name    string
	task    bool
	sched   Schedule
	next    time.Time
	running bool
	gone    bool // removed by a reload while running: dropped when it ends
	run     func(ctx context.Context) error
}

func jobKey(name string, task bool) string {
	if task {
		return "task " + name
	}
	return "subvolume " + name
}

// scheduler is the daemon's state between wake-ups: which job runs next,
// which are running. Only Daemon.Run's goroutine touches it.
type scheduler struct {
	d        *Daemon
	plan     *Plan
	jobs     map[string]*job
	done     chan *job
	running  int
	tasksRun bool // a task is running: nothing else starts
}

func (s *scheduler) parallel() int { return max(1, s.plan.Parallel) }

// replan installs a new plan. A job whose schedule is unchanged keeps its
// next run; a new or changed one is scheduled as at start, with catch-up.
func (s *scheduler) replan(p *Plan) {
	s.plan = p
	seen := map[string]bool{}
	for _, sv := range p.Subvolumes {
		seen[s.install(sv.Name, false, sv.Schedule, s.backupRun(p, sv))] = true
	}
	for _, t := range p.Tasks {
		if t.Run != nil {
			seen[s.install(t.Name, true, t.Schedule, s.taskRun(p, t))] = true
		}
	}
	for key, j := range s.jobs {
		if !seen[key] {
			if j.running {
				j.gone = true
			} else {
				delete(s.jobs, key)
			}
		}
	}
}

func (s *scheduler) install(name string, task bool, sched Schedule, run func(context.Context) error) string {
	key := jobKey(name, task)
	j := s.jobs[key]
	if j == nil {
		j = &job{name: name, task: task}
		s.jobs[key] = j
	}
	changed := j.sched.Spec != sched.Spec
	j.sched, j.run, j.gone = sched, run, false
	if changed && !j.running {
		s.scheduleFirst(j)
	}
	return key
}

// scheduleFirst sets a job's first run: soon if it missed one.
func (s *scheduler) scheduleFirst(j *job) {
	now := s.d.now()
	last, err := s.lastSuccess(j)
	if err != nil {
		s.d.log().Warn("cannot tell when the job last succeeded: running it soon", "job", j.name, "err", err)
	}
	next, catchUp := j.sched.FirstRun(last, now, s.d.catchUpDelay())
	j.next = next
	if catchUp {
		s.d.log().Info("missed a run: catching up", "job", j.name, "schedule", j.sched.Spec, "last_success", last, "at", next)
	}
	s.plan.Reporter.Scheduled(j.name, j.task, next)
}

func (s *scheduler) lastSuccess(j *job) (time.Time, error) {
	jr := s.plan.Reporter
	if !j.task {
		return jr.State.LastSuccess(jr.Host, Subvolume{Name: j.name})
	}
	st, err := jr.State.ReadStatus()
	if err != nil {
		return time.Time{}, err
	}
	return st.Job(j.name, true).LastSuccess, nil
}

// startDue starts the jobs whose time has come, earliest first, within the
// parallel limit. A due task waits until no backup runs, and holds back
// backups that come due after it so that it is not starved.
func (s *scheduler) startDue(ctx context.Context) {
	now := s.d.now()
	for _, j := range s.due(now) {
		if s.tasksRun || s.running >= s.parallel() || (j.task && s.running > 0) {
			return
		}
		s.start(ctx, j)
	}
}

func (s *scheduler) due(now time.Time) []*job {
	var due []*job
	for _, j := range s.jobs {
		if !j.running && !j.gone && !j.next.After(now) {
			due = append(due, j)
		}
	}
	slices.SortFunc(due, func(a, b *job) int { return a.next.Compare(b.next) })
	return due
}

func (s *scheduler) start(ctx context.Context, j *job) {
	j.running = true
	s.running++
	s.tasksRun = s.tasksRun || j.task
	run := j.run
	go func() {
		_ = run(ctx) // logged and reported by run itself
		s.done <- j
	}()
}

// finished books a job that ended and schedules its next run.
func (s *scheduler) finished(j *job) {
	j.running = false
	s.running--
	if j.task {
		s.tasksRun = false
	}
	if j.gone {
		delete(s.jobs, jobKey(j.name, j.task))
		return
	}
	j.next = j.sched.Next(s.d.now())
	s.plan.Reporter.Scheduled(j.name, j.task, j.next)
}

// timer fires when the earliest job that is not yet due becomes due. Due
// jobs held back by the limits start when a running job finishes instead.
func (s *scheduler) timer() (<-chan time.Time, func()) {
	now := s.d.now()
	var earliest time.Time
	for _, j := range s.jobs {
		if !j.running && !j.gone && j.next.After(now) && (earliest.IsZero() || j.next.Before(earliest)) {
			earliest = j.next
		}
	}
	if earliest.IsZero() {
		return nil, func() {}
	}
	t := time.NewTimer(earliest.Sub(now))
	return t.C, func() { t.Stop() }
}

// drain waits for the running jobs, whose context has ended, and books
// them so that the status file shows when each runs next.
func (s *scheduler) drain() {
	for s.running > 0 {
		s.finished(<-s.done)
	}
}
