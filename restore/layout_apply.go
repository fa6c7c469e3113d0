package restore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/argo-backup/argo-backup/btrfs"
)

// topLevelID is the tree id of a btrfs filesystem's top level (subvolid=5).
const topLevelID = 5

// RestoreLayout carries out plan on dir, the top level of a new, empty
// btrfs: each backup is received and a writable snapshot of it made under
// its old name, then the empty subvolumes are created, then each received
// subvolume is put where push will look for it as the next parent.
func (r *Restorer) RestoreLayout(ctx context.Context, host string, plan *LayoutPlan, dir string) error {
	if err := CheckLayoutTarget(dir, plan); err != nil {
		return err
	}
	for _, rc := range plan.Receive {
		if err := r.receiveLayout(ctx, host, rc, dir); err != nil {
			return err
		}
	}
	for _, e := range plan.Empty {
		if err := createEmpty(ctx, dir, filepath.Join(dir, e.Subvol), os.FileMode(e.Mode)); err != nil {
			return err
		}
		r.log().Info("created empty subvolume", "subvol", e.Subvol, "mode", fmt.Sprintf("%o", e.Mode))
	}
	for _, rc := range plan.Receive {
		if err := keep(ctx, dir, rc); err != nil {
			return err
		}
	}
	return nil
}

func (r *Restorer) receiveLayout(ctx context.Context, host string, rc LayoutReceive, dir string) error {
	rec := rc.Record
	if _, err := r.Restore(ctx, host, rec.Subvolume, Target{Snapshot: rec.Snapshot}, dir, Options{}); err != nil {
		return fmt.Errorf("restore %s: %w", rec.Subvolume, err)
	}
	dst := filepath.Join(dir, rc.Subvol)
	if err := mkdirBeneath(dir, filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("restore %s: %w", rc.Subvol, err)
	}
	if err := btrfs.WritableSnapshot(ctx, filepath.Join(dir, rec.Snapshot), dst); err != nil {
		return fmt.Errorf("writable snapshot %s: %w", rc.Subvol, err)
	}
	r.log().Info("restored", "subvolume", rec.Subvolume, "snapshot", rec.Snapshot, "as", rc.Subvol)
	return nil
}

func createEmpty(ctx context.Context, dir, path string, mode os.FileMode) error {
	if err := mkdirBeneath(dir, filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("empty subvolume %s: %w", path, err)
	}
	if err := keepingMtime(filepath.Dir(path), func() error { return btrfs.Create(ctx, path) }); err != nil {
		return fmt.Errorf("empty subvolume %s: %w", path, err)
	}
	// Chmod, not the umask-bound mode of mkdir: snapper wants exactly 0750.
	if err := os.Chmod(path, mode.Perm()|mode&(os.ModeSticky|os.ModeSetgid|os.ModeSetuid)); err != nil {
		return fmt.Errorf("empty subvolume %s: %w", path, err)
	}
	return nil
}

// keep puts the received read-only subvolume in snapshot_dir's place. A
// read-only subvolume cannot be renamed (EROFS), but a read-only snapshot
// of it keeps its received UUID, which is what makes it the parent of the
// next push; the received one is then deleted.
func keep(ctx context.Context, dir string, rc LayoutReceive) error {
	src, dst := filepath.Join(dir, rc.Record.Snapshot), filepath.Join(dir, rc.Keep)
	if src == dst {
		return nil
	}
	if err := mkdirBeneath(dir, filepath.Dir(dst), 0o700); err != nil {
		return fmt.Errorf("keep %s: %w", rc.Keep, err)
	}
	if err := btrfs.Snapshot(ctx, src, dst); err != nil {
		return fmt.Errorf("keep %s as %s: %w", rc.Record.Snapshot, rc.Keep, err)
	}
	if err := checkReceived(dst, rc.Record); err != nil {
		return fmt.Errorf("keep %s: %w", rc.Keep, err)
	}
	if err := btrfs.Delete(ctx, src); err != nil {
		return fmt.Errorf("keep %s: delete %s: %w", rc.Keep, src, err)
	}
	return nil
}

// CheckLayoutTarget refuses, before anything is changed, a dir that is not
// the top level of a btrfs, that holds anything already, or that holds a
// name the plan would make.
func CheckLayoutTarget(dir string, plan *LayoutPlan) error {
	if err := checkTarget(dir); err != nil {
		return err
	}
	info, err := btrfs.Info(dir)
	if errors.Is(err, btrfs.ErrNotSubvolume) || (err == nil && info.TreeID != topLevelID) {
		return inputErrorf("restore --layout: %s is not the top level of its btrfs: mount the new filesystem with -o subvolid=5 and give that directory", dir)
	}
	if err != nil {
		return fmt.Errorf("restore --layout: %w", err)
	}
	for _, name := range plan.names() {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			return inputErrorf("restore --layout: %s already exists in %s: it is never overwritten; start from a new, empty filesystem", name, dir)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("restore --layout: %w", err)
	}
	if len(entries) > 0 {
		return inputErrorf("restore --layout: %s is not empty (it holds %s): use a new, empty filesystem (mkfs.btrfs), or restore subvolumes one by one", dir, entries[0].Name())
	}
	return nil
}

// names is every path the plan makes, relative to the top level.
func (p *LayoutPlan) names() []string {
	var out []string
	for _, rc := range p.Receive {
		out = append(out, rc.Subvol, rc.Record.Snapshot, rc.Keep)
	}
	for _, e := range p.Empty {
		out = append(out, e.Subvol)
	}
	return out
}

// keepingMtime runs create in dir and puts dir's times back: a restored
// subvolume (@home for its .snapshots) stays as it was backed up.
func keepingMtime(dir string, create func() error) error {
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return err
	}
	if err := create(); err != nil {
		return err
	}
	return unix.UtimesNanoAt(unix.AT_FDCWD, dir, []unix.Timespec{st.Atim, st.Mtim}, unix.AT_SYMLINK_NOFOLLOW)
}

// mkdirBeneath makes sub (a directory below dir), refusing it if it would
// resolve outside dir: the paths come from records, and the restored trees
// they lead through hold the old machine's symlinks (an absolute one,
// followed here, would point into the live system). The nearest existing
// ancestor is checked first, so nothing is made outside.
func mkdirBeneath(dir, sub string, mode os.FileMode) error {
	top, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	existing := sub
	for {
		if _, err := os.Lstat(existing); err == nil || existing == dir || existing == filepath.Dir(existing) {
			break
		}
		existing = filepath.Dir(existing)
	}
	real, err := filepath.EvalSymlinks(existing)
	if err != nil {
		return err
	}
	if rel, err := filepath.Rel(top, real); err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return inputErrorf("%s leads out of %s (through a symlink of the restored system): make it by hand", sub, dir)
	}
	return os.MkdirAll(sub, mode)
}
