package manifest

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// fulls returns one full backup at each time, so that retention rules can be
// tested without chains keeping extra backups.
func fulls(times ...time.Time) []*Record {
	var records []*Record
	for _, t := range times {
		records = append(records, fullAt(t))
	}
	return records
}

// daily returns n times, one a day at 03:00 UTC from the start of the test
// calendar (Monday 2026-11-02), plus the given offset.
func daily(n int, offset time.Duration) []time.Time {
	var times []time.Time
	for i := range n {
		times = append(times, day(i).Add(offset))
	}
	return times
}

// keptReasons summarises a plan as "name: reason; reason" for kept backups.
func keptReasons(decisions []Decision) []string {
	var kept []string
	for _, d := range decisions {
		if d.Keep {
			kept = append(kept, d.Record.Snapshot+": "+strings.Join(d.Reasons, "; "))
		}
	}
	return kept
}

func TestPlanRetention(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	tests := []struct {
		name    string
		records []*Record
		policy  Retention
		loc     *time.Location
		now     time.Time
		want    []string
	}{
		{
			name:    "no retention keeps everything",
			records: fulls(day(0), day(1)),
			now:     day(2),
			want: []string{
				"home.20261102T030000Z: no retention configured",
				"home.20261103T030000Z: no retention configured",
			},
		},
		{
			name:    "last",
			records: fulls(daily(5, 0)...),
			policy:  Retention{Last: 2},
			now:     day(5),
			want: []string{
				"home.20261105T030000Z: last 2/2",
				"home.20261106T030000Z: last 1/2",
			},
		},
		{
			name:    "daily keeps the first of each day",
			records: fulls(append(daily(4, 0), daily(4, 12*time.Hour)...)...),
			policy:  Retention{Daily: 2},
			now:     day(4),
			want: []string{
				"home.20261104T030000Z: daily 2026-11-04",
				"home.20261105T030000Z: daily 2026-11-05",
				"home.20261105T150000Z: newest",
			},
		},
		{
			name:    "periods without a backup do not count",
			records: fulls(day(0), day(1), day(10)),
			policy:  Retention{Daily: 3},
			now:     day(12),
			want: []string{
				"home.20261102T030000Z: daily 2026-11-02",
				"home.20261103T030000Z: daily 2026-11-03",
				"home.20261112T030000Z: daily 2026-11-12",
			},
		},
		{
			name:    "weekly: weeks start on Monday",
			records: fulls(daily(15, 0)...), // Mon 2 Nov .. Mon 16 Nov
			policy:  Retention{Weekly: 2},
			now:     day(15),
			want: []string{
				"home.20261109T030000Z: weekly 2026-W46",
				"home.20261116T030000Z: weekly 2026-W47",
			},
		},
		{
			name: "monthly and yearly",
			records: fulls(
				time.Date(2025, 12, 20, 0, 0, 0, 0, time.UTC),
				time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC),
				time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC),
				time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC),
				time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
				time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC),
			),
			policy: Retention{Monthly: 2, Yearly: 2},
			now:    day(1),
			want: []string{
				"home.20251220T000000Z: yearly 2025",
				"home.20260915T000000Z: yearly 2026",
				"home.20261005T000000Z: monthly 2026-10",
				"home.20261101T000000Z: monthly 2026-11",
				"home.20261102T000000Z: newest",
			},
		},
		{
			name:    "hourly",
			records: fulls(day(0), day(0).Add(20*time.Minute), day(0).Add(time.Hour), day(0).Add(2*time.Hour+59*time.Minute)),
			policy:  Retention{Hourly: 2},
			now:     day(1),
			want: []string{
				"home.20261102T040000Z: hourly 2026-11-02T04",
				"home.20261102T055900Z: hourly 2026-11-02T05",
			},
		},
		{
			name:    "rules overlap",
			records: fulls(daily(3, 0)...),
			policy:  Retention{Last: 1, Daily: 2},
			now:     day(3),
			want: []string{
				"home.20261103T030000Z: daily 2026-11-03",
				"home.20261104T030000Z: last 1/1; daily 2026-11-04",
			},
		},
		{
			name:    "periods are taken in loc",
			records: fulls(day(0).Add(19*time.Hour+30*time.Minute), day(0).Add(20*time.Hour+30*time.Minute)), // 23:30 and 00:30 CET
			policy:  Retention{Daily: 1},
			loc:     cet,
			now:     day(2),
			want: []string{
				"home.20261102T233000Z: daily 2026-11-03",
			},
		},
		{
			name:    "the same in UTC",
			records: fulls(day(0).Add(19*time.Hour+30*time.Minute), day(0).Add(20*time.Hour+30*time.Minute)),
			policy:  Retention{Daily: 1},
			loc:     time.UTC,
			now:     day(2),
			want: []string{
				"home.20261102T223000Z: daily 2026-11-02",
				"home.20261102T233000Z: newest",
			},
		},
		{
			name:    "backups after now are kept",
			records: fulls(day(0), day(1), day(9)),
			policy:  Retention{Daily: 1},
			now:     day(5),
			want: []string{
				"home.20261103T030000Z: daily 2026-11-03",
				"home.20261111T030000Z: created after now",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := tt.loc
			if loc == nil {
				loc = time.UTC
			}
			got := keptReasons(PlanRetention(tt.records, tt.policy, loc, tt.now))
			if !slices.Equal(got, tt.want) {
				t.Errorf("kept:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

func TestPlanRetentionKeepsWholeChains(t *testing.T) {
	full := fullAt(day(0))
	a := incrAt(full, day(1))
	b := incrAt(a, day(2))
	c := incrAt(b, day(3))
	got := keptReasons(PlanRetention([]*Record{c, a, full, b}, Retention{Last: 1}, time.UTC, day(4)))
	want := []string{
		full.Snapshot + ": parent of " + a.Snapshot,
		a.Snapshot + ": parent of " + b.Snapshot,
		b.Snapshot + ": parent of " + c.Snapshot,
		c.Snapshot + ": last 1/1",
	}
	if !slices.Equal(got, want) {
		t.Errorf("kept:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestPlanRetentionTieredDeletesUnneededDailies(t *testing.T) {
	full := fullAt(day(0))
	weekly := incrAt(full, day(1))
	daily1 := incrAt(weekly, day(2))
	daily2 := incrAt(weekly, day(3))
	decisions := PlanRetention([]*Record{full, weekly, daily1, daily2}, Retention{Last: 1}, time.UTC, day(4))

	want := []Decision{
		{full, true, []string{"parent of " + weekly.Snapshot}},
		{weekly, true, []string{"parent of " + daily2.Snapshot}},
		{daily1, false, []string{"outside retention"}},
		{daily2, true, []string{"last 1/1"}},
	}
	if !reflect.DeepEqual(decisions, want) {
		t.Errorf("got %+v\nwant %+v", decisions, want)
	}
}

func TestPlanRetentionKeepsParentsWhateverTheirTime(t *testing.T) {
	// The clock went back between two backups: the child looks older than
	// its parent.
	parent := fullAt(day(1).Add(time.Hour))
	child := incrAt(parent, day(1))
	later := fullAt(day(2))
	got := keptReasons(PlanRetention([]*Record{parent, child, later}, Retention{Daily: 2}, time.UTC, day(3)))
	want := []string{
		child.Snapshot + ": daily 2026-11-03",
		parent.Snapshot + ": parent of " + child.Snapshot,
		later.Snapshot + ": daily 2026-11-04",
	}
	if !slices.Equal(got, want) {
		t.Errorf("kept:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestPlanRetentionEmpty(t *testing.T) {
	if got := PlanRetention(nil, Retention{Last: 3}, time.UTC, day(0)); len(got) != 0 {
		t.Errorf("got %v for no records", got)
	}
}

func TestPlanLocal(t *testing.T) {
	s := func(n int) string { return SnapshotName("home", day(n)) }
	tests := []struct {
		name   string
		local  []string
		keep   int
		needed map[string]bool
		want   []string
	}{
		{"nothing to remove", []string{s(1), s(2)}, 2, nil, nil},
		{"oldest removed, oldest first", []string{s(3), s(1), s(4), s(2)}, 2, nil, []string{s(1), s(2)}},
		{"needed kept", []string{s(1), s(2), s(3), s(4)}, 1, map[string]bool{s(2): true}, []string{s(1), s(3)}},
		{"keep 0 keeps the newest", []string{s(1), s(2)}, 0, nil, []string{s(1)}},
		{"negative keep keeps the newest", []string{s(2), s(1)}, -3, nil, []string{s(1)}},
		{"foreign names left alone", []string{"home.old", s(1), "notes.txt", s(2)}, 1, nil, []string{s(1)}},
		{"duplicate names do not remove the newest", []string{s(2), s(1), s(2)}, 1, nil, []string{s(1)}},
		{"order is by time, not by subvolume name", []string{"home.v2.20261101T000000Z", SnapshotName("home", day(30))}, 1, nil, []string{"home.v2.20261101T000000Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlanLocal(tt.local, tt.keep, tt.needed); !slices.Equal(got, tt.want) {
				t.Errorf("PlanLocal(%v, %d) = %v, want %v", tt.local, tt.keep, got, tt.want)
			}
		})
	}
}
