package restore_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/restore"
)

// parents: tiered, end to end: a full each month, the first backup of each
// ISO week on the month's full, the other days on the week's first; a
// restore of any of them replays at most three streams and gives that
// day's tree. The expected parents are written out from the calendar
// (1 November 2026 is a Sunday).
func TestTieredParentsEndToEnd(t *testing.T) {
	w := newWorld(t, remotetest.Local(t))
	w.sv.Parents = manifest.ParentPolicy{Mode: manifest.ModeTiered}
	days := []struct {
		day    time.Time
		parent string // "" for a full
	}{
		{nov(1), ""},
		{nov(2), "home.20261101T020000Z"}, // Monday: week 45's first, on the month's full
		{nov(3), "home.20261102T020000Z"},
		{nov(4), "home.20261102T020000Z"},
		{nov(9), "home.20261101T020000Z"}, // Monday: week 46's first
		{nov(10), "home.20261109T020000Z"},
		{time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC), ""}, // a new month
	}
	var recs []*manifest.Record
	for _, d := range days {
		w.clock = d.day
		mustWrite(t, filepath.Join(w.source, "today.txt"), []byte(d.day.Format(time.DateOnly)), 0o644)
		rec := w.push(false)
		if rec.Parent != d.parent {
			t.Errorf("backup of %s: parent %q, want %q", d.day.Format(time.DateOnly), rec.Parent, d.parent)
		}
		recs = append(recs, rec)
	}
	for _, i := range []int{3, 5} { // a daily of each week
		rec, err := w.restorer.Restore(w.ctx, host, "home", restore.Target{Snapshot: recs[i].Snapshot}, w.target, restore.Options{})
		must(t, err)
		if rec.Depth != 2 {
			t.Errorf("%s has depth %d, want 2 (full, weekly, daily)", rec.Snapshot, rec.Depth)
		}
		got := readTestFile(t, filepath.Join(w.target, rec.Snapshot, "today.txt"))
		if want := days[i].day.Format(time.DateOnly); got != want {
			t.Errorf("restored %s holds the tree of %s, want %s", rec.Snapshot, got, want)
		}
	}
}

func nov(day int) time.Time { return time.Date(2026, 11, day, 2, 0, 0, 0, time.UTC) }

func readTestFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	return string(data)
}
