package restore_test

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// Twenty days of daily backups, a full every seventh, then prune with
// {last: 2, daily: 3, weekly: 2}: what retention keeps, and the chains it
// needs, restores identical to its snapshot; everything else is gone from
// the remote; a dry run before touched nothing; the parts of an abandoned
// push are removed, those of the push in progress are not, and the next
// push finishes it.
func TestPruneSimulatedHistory(t *testing.T) {
	spec := remotetest.Local(t)
	w := newWorld(t, spec)
	w.sv.Parents.MaxChain = 6
	w.sv.Retention = manifest.Retention{Last: 2, Daily: 3, Weekly: 2}
	fillTree(t, w.source)
	var days []*manifest.Record // from Sunday 2026-11-01
	for day := range 20 {
		mustWrite(t, filepath.Join(w.source, "day.txt"), fmt.Appendf(nil, "day %d\n", day), 0o644)
		days = append(days, w.push(false))
	}
	for _, full := range []int{0, 7, 14} {
		if !days[full].IsFull() {
			t.Fatalf("day %d is incremental, want a full every 7th day (max_chain 6)", full)
		}
	}
	abandoned := w.abandonedPush(w.clock.Add(-72*time.Hour + time.Hour))
	inProgress := w.pushInterruptedBeforeRecord()
	pruner := w.pruner(w.clock.Add(72 * time.Hour)) // leftovers are all older than a day by now

	before := w.remoteObjects()
	dry, err := pruner.Prune(w.ctx, w.sv, true)
	if err != nil {
		t.Fatalf("prune --dry-run: %v", err)
	}
	if after := w.remoteObjects(); !slices.Equal(before, after) {
		t.Fatalf("the dry run changed the remote: %d objects before, %d after", len(before), len(after))
	}

	rep, err := pruner.Prune(w.ctx, w.sv, false)
	if err != nil {
		t.Fatalf("prune: %v", err)
	}
	// weekly: first of week 46 (day 8) and of week 47 (day 15); daily and
	// last: days 17-19; and the fulls those are built on, days 7 and 14.
	wantKept := []int{7, 8, 14, 15, 16, 17, 18, 19}
	if got := keptDays(rep, days); !slices.Equal(got, wantKept) {
		t.Fatalf("kept days %v, want %v", got, wantKept)
	}
	if !slices.EqualFunc(dry.Backups, rep.Backups, func(a, b backup.PruneVerdict) bool { return a.Keep == b.Keep }) {
		t.Errorf("the dry run announced other verdicts than prune then made")
	}
	for i, rec := range days {
		if slices.Contains(wantKept, i) {
			continue
		}
		if objs := w.objectsOf(rec.Snapshot); len(objs) > 0 {
			t.Errorf("day %d was pruned but %d objects are still on the remote", i, len(objs))
		}
		if _, err := os.Stat(filepath.Join(spec, host, "home", rec.Snapshot)); !os.IsNotExist(err) {
			t.Errorf("day %d was pruned but its directory is still on the remote", i)
		}
	}
	if objs := w.objectsOf(abandoned); len(objs) > 0 {
		t.Errorf("the abandoned push left %d objects on the remote", len(objs))
	}
	if objs := w.objectsOf(inProgress); len(objs) == 0 {
		t.Errorf("the parts of the push in progress (%s) were deleted", inProgress)
	}

	for _, i := range wantKept {
		w.requireRestores(days[i], i)
	}
	w.push(false)
	if !slices.Contains(w.committed(), inProgress) {
		t.Errorf("the next push did not finish the push in progress %s", inProgress)
	}
}

// pruner prunes the world's host with its clock at now.
func (w *world) pruner(now time.Time) *backup.Pruner {
	return &backup.Pruner{Host: host, Store: w.store, State: w.pusher.State, Location: time.UTC,
		Now: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(testWriter{w.t}, nil))}
}

// abandonedPush leaves the parts of a push taken at t that never committed
// and whose journal is gone.
func (w *world) abandonedPush(t time.Time) string {
	w.t.Helper()
	name := manifest.SnapshotName("home", t)
	for i := range 2 {
		must(w.t, w.store.Put(w.ctx, remote.PartName(host, "home", name, i), []byte("sealed part")))
	}
	return name
}

// pushInterruptedBeforeRecord starts a push that stores its parts but is
// stopped before its record, leaving its journal for the next push.
func (w *world) pushInterruptedBeforeRecord() string {
	w.t.Helper()
	faults := withFaults(w)
	faults.fail = func(name string) bool { return strings.HasSuffix(name, "record.json.age") }
	w.pushFails()
	faults.fail = nil
	var snapshot string
	for _, name := range faults.uploaded() {
		if _, _, snap, _, ok := remote.ParsePath(name); ok {
			snapshot = snap
		}
	}
	if snapshot == "" {
		w.t.Fatal("the interrupted push stored no part")
	}
	return snapshot
}

func (w *world) remoteObjects() []string {
	w.t.Helper()
	entries, err := w.store.List(w.ctx, "")
	must(w.t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name)
	}
	return names
}

func (w *world) objectsOf(snapshot string) []remote.Entry {
	w.t.Helper()
	entries, err := w.store.List(w.ctx, remote.SnapshotDir(host, "home", snapshot))
	must(w.t, err)
	return entries
}

// committed lists the snapshots with a record on the remote.
func (w *world) committed() []string {
	w.t.Helper()
	recs, err := w.restorer.Records(w.ctx, host, "home")
	must(w.t, err)
	var names []string
	for _, r := range recs {
		names = append(names, r.Snapshot)
	}
	return names
}

// requireRestores restores the backup of day, and checks it against its
// local snapshot while that exists, else against what the day wrote.
func (w *world) requireRestores(rec *manifest.Record, day int) {
	w.t.Helper()
	restored := w.restore(rec.Snapshot)
	if _, err := os.Lstat(filepath.Join(w.snapDir, rec.Snapshot)); err == nil {
		w.requireSameTree(rec.Snapshot)
		return
	}
	got, err := os.ReadFile(filepath.Join(restored, "day.txt"))
	must(w.t, err)
	if want := fmt.Sprintf("day %d\n", day); string(got) != want {
		w.t.Errorf("%s restored day.txt %q, want %q", rec.Snapshot, got, want)
	}
}

func keptDays(rep *backup.PruneReport, days []*manifest.Record) []int {
	var kept []int
	for _, v := range rep.Backups {
		if !v.Keep {
			continue
		}
		kept = append(kept, slices.IndexFunc(days, func(r *manifest.Record) bool { return r.Snapshot == v.Snapshot }))
	}
	return kept
}
