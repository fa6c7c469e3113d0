package manifest

import (
	"fmt"
	"time"
)

// Retention is a GFS policy for the backups of one subvolume on the remote.
// Each count is a number of backups (Last) or of periods; 0 keeps none by
// that rule. All zero means no retention: everything is kept.
type Retention struct{ Last, Hourly, Daily, Weekly, Monthly, Yearly int }

// Decision is the verdict on one backup.
type Decision struct {
	Record  *Record
	Keep    bool
	Reasons []string // why kept ("last 1/7", "daily 2026-11-25", "parent of X") or why deleted
}

// PlanRetention decides which backups of one host and subvolume to keep,
// the way btrbk does: Last keeps the newest backups; each period rule keeps
// the first backup of each of its most recent periods (in loc, weeks starting
// Monday) that have one. The newest backup is always kept, since the next
// incremental is built on it. Finally every ancestor of a kept backup is
// kept, so that no kept backup becomes unrestorable. Backups created after
// now cannot be placed in a period and are kept. Decisions come oldest first.
func PlanRetention(records []*Record, r Retention, loc *time.Location, now time.Time) []Decision {
	p := newRetentionPlan(oldestFirst(records))
	if len(p.decisions) == 0 {
		return nil
	}
	if r == (Retention{}) {
		for i := range p.decisions {
			p.keep(i, "no retention configured")
		}
		return p.decisions
	}
	p.keepLast(r.Last)
	for _, rule := range periodRules(r, loc) {
		p.keepFirstOfPeriods(rule, now)
	}
	p.keepFuture(now)
	p.keepNewest()
	p.keepAncestors()
	p.deleteRest()
	return p.decisions
}

// retentionPlan holds decisions in the order of its (sorted) records.
type retentionPlan struct {
	decisions []Decision
	byName    map[string][]int // several records may share a name; all count as that parent
}

func newRetentionPlan(sorted []*Record) *retentionPlan {
	p := &retentionPlan{decisions: make([]Decision, len(sorted)), byName: make(map[string][]int)}
	for i, r := range sorted {
		p.decisions[i].Record = r
		p.byName[r.Snapshot] = append(p.byName[r.Snapshot], i)
	}
	return p
}

// keep marks decision i kept and reports whether it was not kept before.
func (p *retentionPlan) keep(i int, reason string) (newlyKept bool) {
	d := &p.decisions[i]
	newlyKept = !d.Keep
	d.Keep = true
	d.Reasons = append(d.Reasons, reason)
	return newlyKept
}

func (p *retentionPlan) keepLast(n int) {
	for k := 1; k <= n && k <= len(p.decisions); k++ {
		p.keep(len(p.decisions)-k, fmt.Sprintf("last %d/%d", k, n))
	}
}

func (p *retentionPlan) keepFirstOfPeriods(rule periodRule, now time.Time) {
	if rule.count <= 0 {
		return
	}
	var periods []string // oldest first
	first := make(map[string]int)
	for i, d := range p.decisions {
		if d.Record.Created.After(now) {
			continue
		}
		key := rule.period(d.Record.Created)
		if _, seen := first[key]; !seen {
			first[key] = i
			periods = append(periods, key)
		}
	}
	for _, key := range periods[max(0, len(periods)-rule.count):] {
		p.keep(first[key], rule.name+" "+key)
	}
}

// keepNewest keeps the newest backup even when no rule does: the next
// incremental will most likely be built on it.
func (p *retentionPlan) keepNewest() {
	if newest := len(p.decisions) - 1; !p.decisions[newest].Keep {
		p.keep(newest, "newest")
	}
}

func (p *retentionPlan) keepFuture(now time.Time) {
	for i, d := range p.decisions {
		if d.Record.Created.After(now) {
			p.keep(i, "created after now")
		}
	}
}

// keepAncestors keeps the parent of every kept backup, transitively. Parents
// are matched by name alone: keeping a mismatched parent too is harmless,
// deleting a needed one is not.
func (p *retentionPlan) keepAncestors() {
	var work []int
	for i, d := range p.decisions {
		if d.Keep {
			work = append(work, i)
		}
	}
	for len(work) > 0 {
		child := p.decisions[work[len(work)-1]].Record
		work = work[:len(work)-1]
		if child.IsFull() {
			continue
		}
		for _, i := range p.byName[child.Parent] {
			if p.keep(i, "parent of "+child.Snapshot) {
				work = append(work, i)
			}
		}
	}
}

func (p *retentionPlan) deleteRest() {
	for i := range p.decisions {
		if !p.decisions[i].Keep {
			p.decisions[i].Reasons = []string{"outside retention"}
		}
	}
}
