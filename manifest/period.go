package manifest

import (
	"fmt"
	"time"
)

// periodRule is one GFS rule: keep the first backup of each of the count
// most recent periods that have a backup.
type periodRule struct {
	name  string
	count int
	// period names the period holding t, e.g. "2026-11-25" for a day.
	// Names sort in time order.
	period func(t time.Time) string
}

func periodRules(r Retention, loc *time.Location) []periodRule {
	if loc == nil {
		loc = time.UTC
	}
	layout := func(layout string) func(time.Time) string {
		return func(t time.Time) string { return t.In(loc).Format(layout) }
	}
	isoWeek := func(t time.Time) string {
		year, week := t.In(loc).ISOWeek()
		return fmt.Sprintf("%04d-W%02d", year, week)
	}
	return []periodRule{
		{"hourly", r.Hourly, layout("2006-01-02T15")},
		{"daily", r.Daily, layout("2006-01-02")},
		{"weekly", r.Weekly, isoWeek},
		{"monthly", r.Monthly, layout("2006-01")},
		{"yearly", r.Yearly, layout("2006")},
	}
}
