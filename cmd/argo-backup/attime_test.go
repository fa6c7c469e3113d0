package main

import (
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/internal/errs"
)

// --at takes the forms docs/cli.md lists; a day means the end of that day,
// times without a zone are local time. The expectations are written out,
// not derived from the parser's layouts.
func TestParseAt(t *testing.T) {
	local := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.Local)
	}
	for _, tt := range []struct {
		in   string
		want time.Time
	}{
		{"2026-11-20", local(2026, 11, 20, 23, 59, 59, 999999999)},
		{"2026-02-28", local(2026, 2, 28, 23, 59, 59, 999999999)},
		{"2026-12-31", local(2026, 12, 31, 23, 59, 59, 999999999)},
		{"2026-11-20 18:00", local(2026, 11, 20, 18, 0, 0, 0)},
		{"2026-11-20T18:00", local(2026, 11, 20, 18, 0, 0, 0)},
		{"2026-11-20 18:00:05", local(2026, 11, 20, 18, 0, 5, 0)},
		{"2026-11-20T18:00:05", local(2026, 11, 20, 18, 0, 5, 0)},
		{"2026-11-20T18:00:00Z", time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC)},
		{"2026-11-20T18:00:00+01:00", time.Date(2026, 11, 20, 17, 0, 0, 0, time.UTC)},
	} {
		got, err := parseTime(tt.in)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("--at %q = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2026-13-01", "2026-02-30", "20.11.2026", "2026-11-20 25:00", "2026-11-20T18"} {
		if _, err := parseTime(bad); !errs.IsUser(err) {
			t.Errorf("--at %q = %v, want a user error (exit 2)", bad, err)
		}
	}
}
