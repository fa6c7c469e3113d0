package restore_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/restore"
)

// A restore killed after receiving a stage but before deleting its parent
// leaves two complete staged stages. The next restore starts from the
// deeper one and removes the other: a finished restore leaves no staging
// entry, and the tree is the source's.
func TestRestoreTidiesStagesOfAnInterruptedRun(t *testing.T) {
	w := newWorld(t, remotetest.Local(t))
	full, incr1, incr2 := w.pushChain()

	// The state the kill leaves, made by hand: both stages complete, under
	// their staging names.
	_, err := w.restorer.Restore(w.ctx, host, "home", restore.Target{Snapshot: incr1.Snapshot}, w.target, restore.Options{KeepChain: true})
	must(t, err)
	for _, s := range []string{full.Snapshot, incr1.Snapshot} {
		must(t, os.Rename(filepath.Join(w.target, s), filepath.Join(w.target, restore.StagingName(s))))
	}

	progress := &cancelling{}
	w.restorer.Progress = progress
	defer func() { w.restorer.Progress = nil }()
	w.restore(incr2.Snapshot)
	w.requireSameTree(incr2.Snapshot)
	if want := []string{incr2.Snapshot}; !slices.Equal(progress.started, want) {
		t.Errorf("received %v, want only %v (the staged stages reused)", progress.started, want)
	}
	if got := topLevel(t, w.target); !slices.Equal(got, []string{incr2.Snapshot}) {
		t.Errorf("the target holds %v, want only %s", got, incr2.Snapshot)
	}
}
