package main

import (
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/internal/config"
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

// status shows the daemon's network settings: transfers, the bwlimit as
// written, and the limit in force at the moment.
func TestNetworkStatus(t *testing.T) {
	day := time.Date(2026, 11, 30, 12, 0, 0, 0, time.Local)
	night := time.Date(2026, 11, 30, 23, 30, 0, 0, time.Local)
	cases := []struct {
		transfers int
		bwlimit   string
		at        time.Time
		want      string
	}{
		{4, "", day, "network: 4 transfers at once, no bandwidth limit"},
		{8, "2M:off", day, `network: 8 transfers at once, bwlimit "2M:off" (now: upload 2.0 MiB/s, download unlimited)`},
		{4, "08:00,2M 23:00,off", day, `network: 4 transfers at once, bwlimit "08:00,2M 23:00,off" (now: upload 2.0 MiB/s, download 2.0 MiB/s)`},
		{4, "08:00,2M 23:00,off", night, `network: 4 transfers at once, bwlimit "08:00,2M 23:00,off" (now: upload unlimited, download unlimited)`},
	}
	for _, c := range cases {
		a := &app{cfg: &config.Config{Transfers: c.transfers, BwLimit: c.bwlimit}}
		if got := a.networkStatus(c.at).String(); got != c.want {
			t.Errorf("%q at %s:\n got %s\nwant %s", c.bwlimit, c.at.Format("15:04"), got, c.want)
		}
	}
}
