package restore

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/argo-backup/argo-backup/manifest"
)

// LayoutPlan is what `restore --layout` makes on the top level of a new
// btrfs: the backed-up subvolumes under their old names, writable, the
// layout's other subvolumes empty, so that the old fstab mounts every line.
type LayoutPlan struct {
	FSUUID  string
	Receive []LayoutReceive        // by subvolume path, parents first
	Empty   []manifest.LayoutEntry // created empty, parents first
}

// LayoutReceive is one backup of the plan.
type LayoutReceive struct {
	Record *manifest.Record // the backup restored
	Subvol string           // the writable subvolume made of it, e.g. "@home"
	// Keep is where the received read-only subvolume stays (the same place
	// in snapshot_dir that push took it from), so that the next push is an
	// incremental on it. Relative to the top level.
	Keep string
}

// PlanLayout makes the plan for the target backups of one host (one record
// per subvolume). It needs only the records, so a dry run changes nothing
// and the plan can be tested without btrfs.
func PlanLayout(targets []*manifest.Record) (*LayoutPlan, error) {
	if len(targets) == 0 {
		return nil, inputErrorf("no backups to restore")
	}
	if err := oneFilesystem(targets); err != nil {
		return nil, err
	}
	p := &LayoutPlan{FSUUID: targets[0].FSUUID}
	layout := mergedLayout(targets)
	taken := map[string]string{}
	for _, rec := range targets {
		sub, ok := manifest.CleanSubvolPath(rec.SubvolPath)
		if !ok {
			return nil, inputErrorf("backup %s names the subvolume path %q, which is not below the top level: restore it by hand", rec.Snapshot, rec.SubvolPath)
		}
		if other, dup := taken[sub]; dup {
			return nil, inputErrorf("backups of %s and %s both come from subvolume %s: restore one of them by name, without --layout", other, rec.Subvolume, sub)
		}
		taken[sub] = rec.Subvolume
		p.Receive = append(p.Receive, LayoutReceive{Record: rec, Subvol: sub, Keep: keepPath(layout, rec)})
	}
	sort.Slice(p.Receive, func(i, j int) bool { return p.Receive[i].Subvol < p.Receive[j].Subvol })
	for _, e := range layout {
		sub, ok := manifest.CleanSubvolPath(e.Subvol)
		if !ok || taken[sub] != "" {
			continue // the top level itself, a restored one, or a path to refuse
		}
		taken[sub] = "(empty)"
		e.Subvol, e.Mode = sub, cmp.Or(e.Mode&0o7777, 0o755)
		p.Empty = append(p.Empty, e)
	}
	sort.Slice(p.Empty, func(i, j int) bool { return p.Empty[i].Subvol < p.Empty[j].Subvol })
	return p, nil
}

// oneFilesystem refuses records that do not name their filesystem (older
// versions) or name more than one: a layout is one filesystem's.
func oneFilesystem(targets []*manifest.Record) error {
	byFS := map[string][]string{}
	for _, rec := range targets {
		if rec.FSUUID == "" || rec.SubvolPath == "" {
			return inputErrorf("backup %s does not record its filesystem layout (pushed by an older argo-backup): "+
				"restore without --layout and follow docs/disaster-recovery.md, or push again first", rec.Snapshot)
		}
		byFS[rec.FSUUID] = append(byFS[rec.FSUUID], rec.Subvolume)
	}
	if len(byFS) == 1 {
		return nil
	}
	var parts []string
	for uuid, names := range byFS {
		parts = append(parts, fmt.Sprintf("%s (%s)", uuid, strings.Join(names, ", ")))
	}
	slices.Sort(parts)
	return inputErrorf("the backups come from %d filesystems: %s: restore --layout rebuilds one; name its subvolumes",
		len(byFS), strings.Join(parts, "; "))
}

// mergedLayout is the union of the targets' layouts, one entry per
// subvolume (the first seen wins).
func mergedLayout(targets []*manifest.Record) []manifest.LayoutEntry {
	var out []manifest.LayoutEntry
	seen := map[string]bool{}
	for _, rec := range targets {
		for _, e := range rec.Layout {
			if !seen[e.Subvol] {
				seen[e.Subvol] = true
				out = append(out, e)
			}
		}
	}
	return out
}

// keepPath is where rec's received subvolume goes: under the subvolume
// mounted where snapshot_dir was, or the top level if that is not known.
func keepPath(layout []manifest.LayoutEntry, rec *manifest.Record) string {
	if rec.SnapshotDir == "" {
		return rec.Snapshot
	}
	e, rest, ok := manifest.MountFor(layout, rec.SnapshotDir)
	if !ok {
		return rec.Snapshot
	}
	sub, okSub := manifest.CleanSubvolPath(e.Subvol)
	if !okSub && e.Subvol != "" {
		return rec.Snapshot
	}
	keep := path.Join(sub, rest, rec.Snapshot)
	if _, ok := manifest.CleanSubvolPath(keep); !ok {
		return rec.Snapshot
	}
	return keep
}
