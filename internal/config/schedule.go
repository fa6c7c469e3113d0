package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/argo-backup/argo-backup/backup"
)

// Intervals a schedule may not, or should not, go below. cron takes
// "@every 0s" and silently runs it every second; nothing a person means by
// a backup schedule fires more often than once a second, and one firing
// more often than once a minute runs backups back to back (a run that
// takes longer than the interval just starts again when it ends).
const (
	minInterval  = time.Second
	warnInterval = time.Minute
)

// checkSchedule parses spec as the daemon will and refuses an "@every"
// shorter than minInterval.
func checkSchedule(spec string) error {
	if _, err := backup.ParseSchedule(spec); err != nil {
		return err
	}
	if d, ok := every(spec); ok && d < minInterval {
		return fmt.Errorf("schedule %q fires more often than once a second: give an interval such as @every 1h, or a cron line such as \"30 2 * * *\"", spec)
	}
	return nil
}

// every is the interval of an "@every D" schedule (after an optional
// TZ= prefix); ok is false for other schedules, which cron's five fields
// keep to at most once a minute.
func every(spec string) (d time.Duration, ok bool) {
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		_, spec, _ = strings.Cut(spec, " ")
	}
	rest, found := strings.CutPrefix(strings.TrimSpace(spec), "@every ")
	if !found {
		return 0, false
	}
	d, err := time.ParseDuration(strings.TrimSpace(rest))
	return d, err == nil
}

// ScheduleWarnings are the schedules that fire more often than once a
// minute: valid, but probably not meant. Only the daemon runs schedules, so
// only it (at start and reload, and daemon --check) logs them, and doctor
// lists them; other commands stay quiet about them (not in Warnings).
func (c *Config) ScheduleWarnings() []string {
	var out []string
	add := func(what, spec string) {
		if d, ok := every(spec); ok && d < warnInterval {
			out = append(out, fmt.Sprintf("%s: schedule %q fires every %s: a backup that takes longer runs back to back; at least @every 1m is usual", what, spec, d))
		}
	}
	for _, sv := range c.Subvolumes {
		add("subvolume "+sv.Name, sv.Schedule)
	}
	add("verify.schedule", c.Verify.Schedule)
	add("verify.restore_schedule", c.Verify.RestoreSchedule)
	add("prune.schedule", c.Prune.Schedule)
	return out
}
