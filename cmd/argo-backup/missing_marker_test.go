package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

// The format marker deleted on the remote (by mistake, or by someone who
// can write there) does not block a restore of the signed backups that
// are still there: it is read anyway, with a warning, and the next push
// writes the marker again. The trial saw every restore refused with
// "push once to create it", advice a user restoring from a live USB
// cannot follow.
func TestRestoreWithoutTheMarker(t *testing.T) {
	m := newFaultMachine(t)
	m.run(0, "push")
	marker := filepath.Join(m.dir, "remote", "argo-backup.json")
	if err := os.Remove(marker); err != nil {
		t.Fatal(err)
	}
	recs := m.requireCommittedWhole()
	_, stderr := m.run(0, "list")
	if !strings.Contains(stderr, "format marker is missing") {
		t.Errorf("list without the marker says nothing of it:\n%s", stderr)
	}
	target := btrfstest.NewFS(t, 1<<30, "")
	m.requireRestoresIdentical(target, recs[len(recs)-1].Snapshot)
	if _, err := os.Stat(marker); err == nil {
		t.Error("a reader wrote the marker back")
	}
	m.run(0, "push")
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("push did not write the marker again: %v", err)
	}
}
