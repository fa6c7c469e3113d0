package backup

import (
	"fmt"
	"slices"
	"time"

	"github.com/argo-backup/argo-backup/manifest"
)

// prunePlan is everything prune decided, before it deletes anything.
type prunePlan struct {
	report    *PruneReport
	decisions []manifest.Decision     // oldest first, parallel to report.Backups
	dirs      map[string]*snapshotDir // the subvolume's snapshot directories on the remote
	resumed   map[string]bool         // backups an interrupted prune was deleting (State.Pruning)
}

// resumedReason is why a backup an interrupted prune was deleting goes.
const resumedReason = "an interrupted prune was deleting it"

// finishPruning adds to decisions the backups an interrupted prune was
// deleting, all to be deleted: their records may be gone from the remote
// already, so there is no way back. Decisions stay oldest first.
func finishPruning(decisions []manifest.Decision, pruning []*manifest.Record) []manifest.Decision {
	for _, r := range pruning {
		decisions = append(decisions, manifest.Decision{Record: r, Keep: false, Reasons: []string{resumedReason}})
	}
	slices.SortStableFunc(decisions, func(a, b manifest.Decision) int { return a.Record.Created.Compare(b.Record.Created) })
	return decisions
}

// withoutSnapshots is recs less those whose snapshot is in drop: a state
// copy that came back (state rebuild) for a backup being pruned.
func withoutSnapshots(recs, drop []*manifest.Record) []*manifest.Record {
	gone := snapshotSet(drop)
	return slices.DeleteFunc(recs, func(r *manifest.Record) bool { return gone[r.Snapshot] })
}

func snapshotSet(recs []*manifest.Record) map[string]bool {
	set := make(map[string]bool, len(recs))
	for _, r := range recs {
		set[r.Snapshot] = true
	}
	return set
}

// keepForInProgress keeps the parent chain of an unfinished push. Deleting
// its parent would make the push unresumable, and a push of hundreds of
// gigabytes that stopped at the day's upload limit would start over.
func keepForInProgress(decisions []manifest.Decision, records []*manifest.Record, j *pushJournal) {
	if j == nil || j.Parent == "" {
		return
	}
	child, name := j.Snapshot+" (push in progress)", j.Parent
	for seen := map[string]bool{}; name != "" && !seen[name]; {
		seen[name] = true
		next := ""
		for i := range decisions {
			d := &decisions[i]
			if d.Record.Snapshot != name {
				continue
			}
			if !d.Keep {
				d.Keep, d.Reasons = true, []string{"parent of " + child}
			}
			next = d.Record.Parent
		}
		child, name = name, next
	}
}

// checkKeptChains proves, before anything is deleted, that every kept
// backup that restores today still restores from the kept backups alone.
// PlanRetention promises this; prune deletes for good, so it checks again
// and refuses rather than trust. A chain that is broken already is not
// prune's doing: it is reported, and what is left of it is kept.
func checkKeptChains(decisions []manifest.Decision, all []*manifest.Record) (warnings []string, err error) {
	var kept []*manifest.Record
	for _, d := range decisions {
		if d.Keep {
			kept = append(kept, d.Record)
		}
	}
	for _, r := range kept {
		if _, err := manifest.Chain(kept, r.Snapshot); err == nil {
			continue
		}
		if _, err := manifest.Chain(all, r.Snapshot); err != nil {
			warnings = append(warnings, fmt.Sprintf("%s cannot be restored, before any pruning: %v", r.Snapshot, err))
			continue
		}
		_, err := manifest.Chain(kept, r.Snapshot)
		return warnings, fmt.Errorf("refusing to prune: the plan would leave %s unrestorable (%v); nothing was deleted, please report this bug", r.Snapshot, err)
	}
	return warnings, nil
}

// judgeBackups turns the retention decisions into the report's verdicts.
func (p *prunePlan) judgeBackups() {
	for _, d := range p.decisions {
		v := PruneVerdict{Snapshot: d.Record.Snapshot, Created: d.Record.Created, Keep: d.Keep,
			Reasons: slices.Clone(d.Reasons)}
		dir := p.dirs[v.Snapshot]
		if dir != nil {
			v.Objects, v.Bytes = len(dir.objects), dir.bytes()
		}
		if v.Keep && (dir == nil || !dir.hasRecord) {
			p.report.Warnings = append(p.report.Warnings,
				fmt.Sprintf("%s is in state_dir but its record is missing on the remote: it cannot be restored", v.Snapshot))
		}
		p.report.Backups = append(p.report.Backups, v)
	}
}

// judgeLeftovers decides about the snapshot directories that no record in
// state_dir describes. Only the parts of a push that never committed, that
// is not the one in progress, and that is older than LeftoverAge are
// garbage; anything else is left alone and said why.
func (p *prunePlan) judgeLeftovers(subvol string, records []*manifest.Record, inProgress *pushJournal, now time.Time) {
	known := make(map[string]bool, len(records))
	for _, r := range records {
		known[r.Snapshot] = true
	}
	for _, name := range sortedKeys(p.dirs) {
		if known[name] {
			continue
		}
		dir := p.dirs[name]
		l := LeftoverDir{Snapshot: name, Objects: len(dir.objects), Bytes: dir.bytes()}
		l.Delete, l.Why = leftoverVerdict(subvol, dir, inProgress, now)
		p.report.Leftovers = append(p.report.Leftovers, l)
	}
}

func leftoverVerdict(subvol string, dir *snapshotDir, inProgress *pushJournal, now time.Time) (del bool, why string) {
	sv, taken, err := manifest.ParseSnapshotName(dir.name)
	switch {
	case dir.hasRecord:
		return false, "a record this host's state_dir has no copy of (a lost state_dir, or planted: verify tells): left alone"
	case err != nil || sv != subvol:
		return false, "not a snapshot of " + subvol + ": left alone"
	case inProgress != nil && inProgress.Snapshot == dir.name:
		return false, "push in progress: the next push resumes it"
	case now.Sub(taken) < LeftoverAge:
		return false, "unfinished push younger than 24h: it may still be running"
	}
	return true, "unfinished push (no record), older than 24h"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
