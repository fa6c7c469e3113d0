package backup

import (
	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/manifest"
)

// recordPlacement writes where sv sits on its filesystem into rec (the
// filesystem UUID, sv's subvolume path from the top level, the mount
// layout, snapshot_dir), so that `restore --layout` can rebuild a disk the
// old fstab mounts. A backup is worth more than this: if it cannot be
// found out, the record goes without it and the log says so.
func (p *Pusher) recordPlacement(sv Subvolume, rec *manifest.Record) {
	pl, err := btrfs.Locate(sv.Path)
	if err != nil {
		p.log().Warn("the record will not name the filesystem layout (restore --layout will not know it)", "subvolume", sv.Name, "err", err)
		return
	}
	rec.FSUUID, rec.SubvolPath, rec.Layout = pl.FSUUID, pl.SubvolPath, pl.Layout
	rec.SnapshotDir = sv.SnapshotDir
}
