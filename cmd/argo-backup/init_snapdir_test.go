package main

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

// init never proposes a snapshot_dir inside the subvolume it snapshots
// (every snapshot would hold an empty folder per older one): on a real
// btrfs whose top level is mounted, a subvolume's snapshots go to the top
// level's @snapshots when there is one, or to a folder of the top level;
// with @home and @snapshots mounted apart (the openSUSE/Gentoo layout) to
// the mounted @snapshots. Only where no such place is mounted is it
// inside, and then init says so.
func TestProposedSnapshotDir(t *testing.T) {
	btrfstest.RequireRoot(t)
	btrfstest.NoLeftovers(t)
	top := btrfstest.NewFS(t, 1<<30, "")
	bare := btrfstest.NewFS(t, 1<<30, "")
	home := btrfstest.Subvolume(t, top, "@home")
	snaps := btrfstest.Subvolume(t, top, "@snapshots")
	data := btrfstest.Subvolume(t, bare, "@data")

	tests := []struct {
		name, path, want string
		inside           bool
	}{
		{"top level with @snapshots", home, filepath.Join(snaps, "argo-backup"), false},
		{"top level without @snapshots", data, filepath.Join(bare, "argo-backup-snapshots"), false},
	}
	for _, tt := range tests {
		got, inside := proposedSnapshotDir(tt.path, nil)
		if got != tt.want || inside != tt.inside {
			t.Errorf("%s: proposedSnapshotDir(%s) = %s (inside %v), want %s (inside %v)", tt.name, tt.path, got, inside, tt.want, tt.inside)
		}
	}

	// The top level itself: nothing outside it is mounted, so its snapshots
	// can only go inside, and init says so.
	if got, inside := proposedSnapshotDir(bare, nil); !inside || got != filepath.Join(bare, ".snapshots", "argo-backup") {
		t.Errorf("the top level: proposedSnapshotDir = %s (inside %v), want %s/.snapshots/argo-backup, inside", got, inside, bare)
	}

	// @home and @snapshots mounted on their own, as / of a distribution
	// would: the mounted @snapshots is where snapshots go.
	dev := mountOf(top).Source
	homeMnt, snapMnt := t.TempDir(), t.TempDir()
	for _, m := range []struct{ subvol, at string }{{"@home", homeMnt}, {"@snapshots", snapMnt}} {
		if out, err := exec.Command("mount", "-o", "subvol="+m.subvol, dev, m.at).CombinedOutput(); err != nil {
			t.Fatalf("mount %s: %v: %s", m.subvol, err, out)
		}
		t.Cleanup(func() { _ = exec.Command("umount", m.at).Run() })
	}

	if got, _ := proposedSnapshotDir(homeMnt, nil); got != filepath.Join(snapMnt, "argo-backup") {
		t.Errorf("mounted @home beside a mounted @snapshots: proposedSnapshotDir = %s, want %s/argo-backup", got, snapMnt)
	}
}
