package manifest

import (
	"strings"
	"testing"
	"time"
)

func TestSnapshotName(t *testing.T) {
	tests := []struct {
		subvol string
		time   time.Time
		want   string
	}{
		{"home", time.Date(2026, 11, 26, 0, 42, 0, 0, time.UTC), "home.20261126T004200Z"},
		{"home", time.Date(2026, 11, 26, 0, 42, 0, 999999999, time.UTC), "home.20261126T004200Z"},
		{"root", time.Date(2026, 11, 26, 1, 42, 5, 0, time.FixedZone("CET", 3600)), "root.20261126T004205Z"},
		{"@var-log", time.Date(2027, 1, 1, 0, 0, 0, 0, time.FixedZone("PST", -8*3600)), "@var-log.20270101T080000Z"},
		{"data.v2", time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC), "data.v2.20260203T040506Z"},
	}
	for _, tt := range tests {
		if got := SnapshotName(tt.subvol, tt.time); got != tt.want {
			t.Errorf("SnapshotName(%q, %v) = %q, want %q", tt.subvol, tt.time, got, tt.want)
		}
	}
}

func TestParseSnapshotName(t *testing.T) {
	tests := []struct {
		name       string
		wantSubvol string
		wantTime   time.Time
	}{
		{"home.20261126T004200Z", "home", time.Date(2026, 11, 26, 0, 42, 0, 0, time.UTC)},
		{"data.v2.20260203T040506Z", "data.v2", time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)},
		{"@.20261231T235959Z", "@", time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"..20261126T004200Z", ".", time.Date(2026, 11, 26, 0, 42, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		subvol, got, err := ParseSnapshotName(tt.name)
		if err != nil || subvol != tt.wantSubvol || !got.Equal(tt.wantTime) || got.Location() != time.UTC {
			t.Errorf("ParseSnapshotName(%q) = %q, %v, %v; want %q, %v", tt.name, subvol, got, err, tt.wantSubvol, tt.wantTime)
		}
	}
}

func TestParseSnapshotNameRefuses(t *testing.T) {
	for _, name := range []string{
		"",
		"home",
		"home.",
		".20261126T004200Z",
		"home.20261126T004200",        // no Z: not UTC
		"home.20261126T004200+0100",   // a zone
		"home.2026-11-26T00:42:00Z",   // RFC 3339
		"home.20261126t004200z",       // lower case
		"home.20261132T004200Z",       // no such day
		"home.20261126T246000Z",       // no such time
		"home.20261126T004200Z.bak",   // time not last
		"home.20261126T004200Z ",      // trailing space
		"a/home.20261126T004200Z",     // a path, not a name
		"home.220261126T004200Z",      // five-digit year
		"home.20261126T004200Z\x00",   // NUL
		"home\x00.20261126T004200Z",   // NUL in subvolume
		"home.20261126T0042000Z",      // extra digit
		"home.2026112T004200Z",        // missing digit
		"home.00000000T000000Z",       // month 0
		"home.20261126T004200Z\n",     // newline
		"home.20261126T004200.5Z",     // fraction
		"home.20261126T004200\u00a0Z", // non-ASCII
	} {
		if subvol, tm, err := ParseSnapshotName(name); err == nil {
			t.Errorf("ParseSnapshotName(%q) = %q, %v; want an error", name, subvol, tm)
		} else if !strings.Contains(err.Error(), "snapshot name") {
			t.Errorf("ParseSnapshotName(%q) error %q does not say what is wrong", name, err)
		}
	}
}

func TestSnapshotNameRoundTrip(t *testing.T) {
	for _, subvol := range []string{"home", "data.v2", "@home"} {
		for _, tm := range []time.Time{day(0), day(400).Add(17*time.Hour + 59*time.Second)} {
			name := SnapshotName(subvol, tm)
			gotSubvol, gotTime, err := ParseSnapshotName(name)
			if err != nil || gotSubvol != subvol || !gotTime.Equal(tm) {
				t.Errorf("ParseSnapshotName(%q) = %q, %v, %v; want %q, %v", name, gotSubvol, gotTime, err, subvol, tm)
			}
		}
	}
}

func TestSnapshotNamesSortByTime(t *testing.T) {
	earlier := SnapshotName("home", time.Date(2026, 9, 30, 23, 0, 0, 0, time.UTC))
	later := SnapshotName("home", time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
	if earlier >= later {
		t.Errorf("%q does not sort before %q", earlier, later)
	}
}
