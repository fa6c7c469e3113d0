package restore_test

import (
	"path/filepath"
	"testing"

	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/restore"
)

// verify --native (no loop device) restores every backup of the chain into
// the scratch directory, compares it with the local snapshot with --deep,
// leaves the scratch directory empty, and finds a damaged part.
func TestVerifyNative(t *testing.T) {
	spec := remotetest.Local(t)
	w := newWorld(t, spec)
	fillTree(t, w.source)
	full := w.push(false)
	changeTree(t, w.source)
	incr := w.push(false)
	c := &chain{world: w, dir: spec}
	o := restore.VerifyOptions{All: true, Native: true, Deep: true, LocalSnapshots: w.snapDir}

	rep := c.mustVerify(o)
	requireOK(t, rep, full, incr)
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
