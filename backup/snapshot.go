package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/manifest"
)

// Subvolume is one subvolume to back up and the policy for it.
type Subvolume struct {
	Name        string // short name, used in snapshot and object names
	Path        string // the subvolume itself, e.g. /home
	SnapshotDir string // where our read-only snapshots live, on the same filesystem
	SnapperDir  string // if set: back up snapper's newest snapshot from this .snapshots directory
	Parents     manifest.ParentPolicy
	KeepLocal   int
	Retention   manifest.Retention
}

// CheckSource refuses a source that is not a btrfs subvolume, before
// anything is created.
func CheckSource(sv Subvolume) error {
	_, err := btrfs.Info(sv.Path)
	switch {
	case errors.Is(err, btrfs.ErrNotBtrfs):
		return inputErrorf("subvolume %s: path %s is not on btrfs: argo-backup backs up btrfs subvolumes only", sv.Name, sv.Path)
	case errors.Is(err, btrfs.ErrNotSubvolume):
		return inputErrorf("subvolume %s: path %s is not a btrfs subvolume (a plain directory?): point path at a subvolume, see 'btrfs subvolume list /'", sv.Name, sv.Path)
	case errors.Is(err, os.ErrNotExist):
		return inputErrorf("subvolume %s: path %s does not exist: fix path in the config", sv.Name, sv.Path)
	case err != nil:
		return fmt.Errorf("subvolume %s: %w", sv.Name, err)
	}
	return nil
}

// localSnapshots lists the snapshots of sv on this machine, oldest first.
func localSnapshots(sv Subvolume) ([]string, error) {
	entries, err := os.ReadDir(sv.SnapshotDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list snapshots of %s: %w", sv.Name, err)
	}
	var names []string
	for _, e := range entries {
		subvol, _, err := manifest.ParseSnapshotName(e.Name())
		if err != nil || subvol != sv.Name || !e.IsDir() {
			continue
		}
		names = append(names, e.Name())
	}
	sort.Strings(names) // the UTC timestamp suffix sorts by time
	return names, nil
}

// takeSnapshot creates the read-only snapshot for a backup at time now.
func takeSnapshot(ctx context.Context, sv Subvolume, now time.Time) (name, path string, err error) {
	if err := os.MkdirAll(sv.SnapshotDir, 0o700); err != nil {
		return "", "", fmt.Errorf("snapshot_dir of %s: %w", sv.Name, err)
	}
	name = manifest.SnapshotName(sv.Name, now)
	path = filepath.Join(sv.SnapshotDir, name)
	if _, err := os.Lstat(path); err == nil {
		return "", "", fmt.Errorf("snapshot %s already exists: one backup per second at most", path)
	}
	if err := btrfs.Snapshot(ctx, sv.Path, path); err != nil {
		return "", "", fmt.Errorf("snapshot %s: %w", sv.Path, err)
	}
	return name, path, nil
}

// snapshotPath is where the snapshot called name is on this machine.
func (sv Subvolume) snapshotPath(name string) string {
	return filepath.Join(sv.SnapshotDir, name)
}

// pruneLocal deletes our local snapshots beyond keep_local, never one in
// needed (the parent of the next incremental, or one being sent).
func pruneLocal(ctx context.Context, sv Subvolume, needed map[string]bool) ([]string, error) {
	local, err := localSnapshots(sv)
	if err != nil {
		return nil, err
	}
	remove := manifest.PlanLocal(local, sv.KeepLocal, needed)
	var removed []string
	for _, name := range remove {
		if err := btrfs.Delete(ctx, filepath.Join(sv.SnapshotDir, name)); err != nil {
			return removed, fmt.Errorf("delete old snapshot %s: %w", name, err)
		}
		removed = append(removed, name)
	}
	return removed, nil
}
