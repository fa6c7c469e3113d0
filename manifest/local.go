package manifest

import (
	"slices"
	"strings"
	"time"
)

// PlanLocal returns the local snapshots of one subvolume to delete, oldest
// first: all but the keep newest (by the time in their names) and those in
// needed, typically the parent of the next backup. keep is at least 1, since
// the newest snapshot is the likely next parent. Names that do not parse are
// not ours to delete and are left alone.
func PlanLocal(local []string, keep int, needed map[string]bool) (remove []string) {
	snaps := parseLocal(local)
	slices.SortFunc(snaps, func(a, b localSnapshot) int {
		if c := b.time.Compare(a.time); c != 0 {
			return c
		}
		return strings.Compare(b.name, a.name)
	})
	for i, s := range snaps {
		if i >= max(keep, 1) && !needed[s.name] {
			remove = append(remove, s.name)
		}
	}
	slices.Reverse(remove)
	return remove
}

type localSnapshot struct {
	name string
	time time.Time
}

// parseLocal parses names, skipping unparsable ones and duplicates (a
// duplicate would otherwise be deleted as the "older" copy of itself).
func parseLocal(names []string) []localSnapshot {
	var snaps []localSnapshot
	seen := make(map[string]bool)
	for _, name := range names {
		_, t, err := ParseSnapshotName(name)
		if err != nil || seen[name] {
			continue
		}
		seen[name] = true
		snaps = append(snaps, localSnapshot{name, t})
	}
	return snaps
}

// Pinned returns the local snapshots that future backups need as parents,
// which local retention must keep whatever keep_local says: the newest
// committed backup and, with tiered parents, its whole chain (the full and
// the newest backup of each tier are the parents of the backups to come).
func Pinned(p ParentPolicy, committed []*Record) map[string]bool {
	pinned := map[string]bool{}
	last := newest(committed)
	if last == nil {
		return pinned
	}
	pinned[last.Snapshot] = true
	if p.Mode != ModeTiered {
		return pinned
	}
	if chain, err := Chain(committed, last.Snapshot); err == nil {
		for _, r := range chain {
			pinned[r.Snapshot] = true
		}
	}
	return pinned
}
