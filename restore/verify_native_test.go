package restore_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/restore"
)

// verify --native (no loop device) restores every backup of the chain into
// the scratch directory, each stream applied once, compares each with the
// local snapshot with --deep, leaves the scratch directory empty, and finds
// a damaged part.
func TestVerifyNative(t *testing.T) {
	spec := remotetest.Local(t)
	w := newWorld(t, spec)
	fillTree(t, w.source)
	full := w.push(false)
	changeTree(t, w.source)
	incr := w.push(false)
	c := &chain{world: w, dir: spec}
	o := restore.VerifyOptions{All: true, Native: true, Deep: true, LocalSnapshots: w.snapDir}

	progress := &cancelling{}
	w.restorer.Progress = progress
	rep := c.mustVerify(o)
	w.restorer.Progress = nil
	requireOK(t, rep, full, incr)
	if want := []string{full.Snapshot, incr.Snapshot}; !slices.Equal(progress.started, want) {
		t.Errorf("verify --native --all applied %q, want each stream once: %q", progress.started, want)
	}
	if rep.Mode != "native-deep" {
		t.Errorf("mode %q, want native-deep", rep.Mode)
	}
	for _, ch := range rep.Checks {
		if !ch.Compared {
			t.Errorf("%s was not compared with its local snapshot", ch.Snapshot)
		}
	}

	part := c.object(incr, 0)
	flipByte(t, part)
	rep = c.mustVerify(o)
	requireProblem(t, rep, spec, incr.Snapshot, filepath.Clean(part), "")
}
