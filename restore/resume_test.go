package restore_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
)

func withFaults(w *world) *faultyStore {
	f := &faultyStore{Store: w.pusher.Store}
	w.pusher.Store = f
	w.pusher.Workers, w.pusher.Transfers = 1, 1 // parts in order, so "after part 2" means exactly that
	return f
}

func (w *world) pushFails() {
	w.t.Helper()
	if _, err := w.pusher.Push(w.ctx, w.sv, false); err == nil {
		w.t.Fatal("push succeeded, want it interrupted")
	}
	w.clock = w.clock.Add(time.Hour)
}

func (w *world) records() int {
	w.t.Helper()
	recs, err := w.restorer.Records(w.ctx, host, "home")
	if err != nil {
		w.t.Fatal(err)
	}
	return len(recs)
}

func countParts(names []string) int {
	n := 0
	for _, name := range names {
		if strings.Contains(name, "/part-") {
			n++
		}
	}
	return n
}

// A push interrupted after some parts is finished by the next push, which
// uploads only the missing parts, commits, and then goes on with a new
// incremental as usual. Both restore identical.
func TestResumeAfterInterruptedUpload(t *testing.T) {
	w := newWorld(t, remotetest.Local(t))
	faults := withFaults(w)
	fillTree(t, w.source)
	faults.fail = func(name string) bool { return strings.HasSuffix(name, "part-000002.zst.age") }
	w.pushFails()
	if got := w.records(); got != 0 {
		t.Fatalf("an interrupted push left %d records: a half backup looks complete", got)
	}
	firstTry := faults.uploaded()
	if countParts(firstTry) != 2 {
		t.Fatalf("first try uploaded %v, want parts 0 and 1", firstTry)
	}

	faults.fail = nil
	rec := w.push(false)
	resumed := faults.uploaded()
	for _, name := range firstTry {
		for _, again := range resumed {
			if again == name {
				t.Errorf("%s was uploaded again on resume", name)
			}
		}
	}
	if !strings.HasSuffix(resumed[0], "part-000002.zst.age") {
		t.Errorf("resume started with %s, want part 2", resumed[0])
	}
	if rec.IsFull() {
		t.Fatalf("after finishing the interrupted full, push took a full again, want an incremental")
	}
	if got := w.records(); got != 2 {
		t.Fatalf("%d records after the resumed push, want the finished one and the new one", got)
	}
	w.restore(rec.Parent)
	w.requireSameTree(rec.Parent)
	w.restore(rec.Snapshot)
	w.requireSameTree(rec.Snapshot)
}

// A push killed between its last part and its record commits on the next
// push without sending or uploading a single part again.
func TestResumeBeforeRecord(t *testing.T) {
	w := newWorld(t, remotetest.Local(t))
	faults := withFaults(w)
	fillTree(t, w.source)
	faults.fail = func(name string) bool { return strings.HasSuffix(name, "record.json.age") }
	w.pushFails()
	faults.uploaded()

	faults.fail = nil
	rec := w.push(false)
	resumed := faults.uploaded()
	// the finished backup's record, then the new incremental's part(s) and record
	if !strings.HasSuffix(resumed[0], rec.Parent+"/record.json.age") {
		t.Errorf("resume uploaded %v first, want only the record of %s", resumed[0], rec.Parent)
	}
	w.restore(rec.Snapshot)
	w.requireSameTree(rec.Snapshot)
}

// When the interrupted push's snapshot is gone, the push is discarded, its
// parts are removed from the remote, and a fresh backup is made.
func TestResumeSnapshotGone(t *testing.T) {
	spec := remotetest.Local(t)
	w := newWorld(t, spec)
	faults := withFaults(w)
	fillTree(t, w.source)
	faults.fail = func(name string) bool { return strings.HasSuffix(name, "part-000001.zst.age") }
	w.pushFails()
	snaps, _ := os.ReadDir(w.snapDir)
	if len(snaps) != 1 {
		t.Fatalf("want the interrupted push's snapshot kept for resuming, found %d", len(snaps))
	}
	interrupted := snaps[0].Name()
	deleteSubvolume(t, filepath.Join(w.snapDir, interrupted))

	faults.fail = nil
	rec := w.push(false)
	if !rec.IsFull() {
		t.Errorf("want a fresh full backup")
	}
	if left := filesUnder(t, filepath.Join(spec, host, "home", interrupted)); len(left) > 0 {
		t.Errorf("the discarded push's parts are still on the remote: %v", left)
	}
	w.restore(rec.Snapshot)
	w.requireSameTree(rec.Snapshot)
}

func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	return files
}
