package manifest

import (
	"strings"
	"testing"
	"time"
)

func TestSelect(t *testing.T) {
	full := fullAt(day(0))
	a := incrAt(full, day(1))
	b := incrAt(a, day(2))
	history := []*Record{b, full, a}

	tests := []struct {
		name     string
		snapshot string
		at       time.Time
		want     *Record
	}{
		{"newest by default", "", time.Time{}, b},
		{"by name", a.Snapshot, time.Time{}, a},
		{"a name wins over a time", full.Snapshot, day(5), full},
		{"at the exact time", "", day(1), a},
		{"newest before the time", "", day(1).Add(23 * time.Hour), a},
		{"time in another zone", "", day(1).In(time.FixedZone("X", -5*3600)), a},
		{"time after all backups", "", day(30), b},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Select(history, tt.snapshot, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Select(%q, %v) = %s, want %s", tt.snapshot, tt.at, got.Snapshot, tt.want.Snapshot)
			}
		})
	}
}

func TestSelectNewestBreaksTiesByName(t *testing.T) {
	a, b := fullAt(day(1)), fullAt(day(1))
	b.Snapshot = SnapshotName("home", day(1).Add(time.Second)) // same Created, later name
	for _, history := range [][]*Record{{a, b}, {b, a}} {
		if got, err := Select(history, "", time.Time{}); err != nil || got != b {
			t.Errorf("Select = %v, %v; want %s", got, err, b.Snapshot)
		}
	}
}

func TestSelectRefuses(t *testing.T) {
	var history []*Record
	for i := range 6 {
		history = append(history, fullAt(day(i)))
	}
	tests := []struct {
		name     string
		records  []*Record
		snapshot string
		at       time.Time
		wantErr  string
	}{
		{"no backups", nil, "", time.Time{}, "no backups"},
		{"no backups, by name", nil, "home.20261103T030000Z", time.Time{}, "there are no backups"},
		{"no backups, by time", nil, "", day(1), "no backups"},
		{"unknown name lists the nearest", history, "home.20261104T120000Z", time.Time{},
			"no backup named home.20261104T120000Z; nearest: home.20261103T030000Z, home.20261104T030000Z, home.20261105T030000Z, home.20261106T030000Z"},
		{"unknown name before all", history, "home.20200101T000000Z", time.Time{},
			"nearest: home.20261102T030000Z, home.20261103T030000Z"},
		{"too old", history, "", day(0).Add(-time.Second), "no backup as old as 2026-11-02T02:59:59Z: the oldest is home.20261102T030000Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Select(tt.records, tt.snapshot, tt.at)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Select = %v, %v; want an error containing %q", got, err, tt.wantErr)
			}
		})
	}
}
