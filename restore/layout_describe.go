package restore

import (
	"fmt"
	"io"
	"path"
	"time"

	"github.com/argo-backup/argo-backup/manifest"
)

// Describe writes the plan as a person reads it before running it: the
// mkfs.btrfs that keeps fstab's UUID= lines valid, then each step, then
// what --layout does not do.
func (p *LayoutPlan) Describe(w io.Writer, dir string) {
	fmt.Fprintf(w, "Layout of filesystem UUID %s (the old fstab's UUID= lines name it):\n", p.FSUUID)
	fmt.Fprintf(w, "  first, on the new partition:   mkfs.btrfs -U %s /dev/NEWPART\n", p.FSUUID)
	fmt.Fprintf(w, "                                 mount -o subvolid=5 /dev/NEWPART %s\n", dir)
	for _, rc := range p.Receive {
		rec := rc.Record
		fmt.Fprintf(w, "  restore %-10s %s (taken %s, depth %d) as %s, writable%s\n", rec.Subvolume, rec.Snapshot,
			rec.Created.Format(time.RFC3339), rec.Depth, rc.Subvol, mountedAt(rec.Layout, rc.Subvol))
		fmt.Fprintf(w, "    keep the received read-only %s at %s (the next push is an incremental on it)\n", rec.Snapshot, rc.Keep)
	}
	for _, e := range p.Empty {
		where := "inside " + path.Dir(e.Subvol) + ", not backed up"
		if e.Mountpoint != "" {
			where = "mounted at " + e.Mountpoint + ", not backed up"
		}
		fmt.Fprintf(w, "  create empty subvolume %s (mode %o, %s)\n", e.Subvol, e.Mode, where)
	}
	fmt.Fprintf(w, "Not done by restore --layout: the EFI system partition, the boot loader, the initramfs,\n"+
		"swap and other partitions; see docs/disaster-recovery.md.\n")
}

// mountedAt says where the old machine mounted sub, if it did.
func mountedAt(layout []manifest.LayoutEntry, sub string) string {
	for _, e := range layout {
		if e.Subvol == sub && e.Mountpoint != "" {
			return ", mounted at " + e.Mountpoint
		}
	}
	return ""
}
