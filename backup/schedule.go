package backup

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is when a job runs: 5-field cron ("30 2 * * *") or a descriptor
// ("@daily", "@hourly", "@weekly", "@every 6h"), in the host's local time.
type Schedule struct {
	Spec string
	s    cron.Schedule
	loc  *time.Location
}

// ParseSchedule parses a schedule as written in the config.
func ParseSchedule(spec string) (Schedule, error) {
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return Schedule{}, fmt.Errorf("schedule %q: %v: write 5-field cron (\"30 2 * * *\") or @hourly, @daily, @weekly, @monthly, @every 6h", spec, err)
	}
	if s.Next(time.Now()).IsZero() {
		return Schedule{}, fmt.Errorf("schedule %q never runs (no such date): check the day and month fields", spec)
	}
	return Schedule{Spec: spec, s: s, loc: time.Local}, nil
}

// In returns the schedule read in loc rather than the host's local time.
func (s Schedule) In(loc *time.Location) Schedule {
	s.loc = loc
	return s
}

// Next is the first activation strictly after t. "@daily" means midnight
// where the machine is, whatever the location of t (records keep UTC).
func (s Schedule) Next(t time.Time) time.Time { return s.s.Next(t.In(s.loc)) }

// Missed reports whether an activation passed since the last success
// without a run: the machine was off, or the daemon was not running. A job
// that never succeeded has missed its first run.
func (s Schedule) Missed(lastSuccess, now time.Time) bool {
	if lastSuccess.IsZero() {
		return true
	}
	return !s.Next(lastSuccess).After(now)
}

// FirstRun is when a job should first run after the daemon starts at now:
// after delay (a short jitter, so that machines booted together do not all
// hit the remote at once) if a run was missed, else at its next activation.
func (s Schedule) FirstRun(lastSuccess, now time.Time, delay time.Duration) (at time.Time, catchUp bool) {
	if s.Missed(lastSuccess, now) {
		at = now.Add(delay)
		if next := s.Next(now); next.Before(at) {
			at = next // the jitter never makes a catch-up later than a regular run
		}
		return at, true
	}
	// Not Next(now): "@every 6h" 5h after the last success runs in 1h.
	// A last success in the future (a clock set back) counts as now.
	if lastSuccess.After(now) {
		lastSuccess = now
	}
	return s.Next(lastSuccess), false
}
