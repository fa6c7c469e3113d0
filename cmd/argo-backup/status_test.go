package main

import (
	"testing"
	"time"
)

// A next run well in the past means no daemon ran since: status says so.
func TestNextRun(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		next time.Time
		want string
	}{
		{time.Time{}, "-"},
		{now.Add(time.Hour), "1 hour from now"},
		{now.Add(-10 * time.Second), "10 seconds ago"},
		{now.Add(-2 * time.Hour), "overdue: is the daemon running?"},
	}
	for _, c := range cases {
		if got := nextRun(c.next, now); got != c.want {
			t.Errorf("nextRun(%v) = %q, want %q", c.next, got, c.want)
		}
	}
}
