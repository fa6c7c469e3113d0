package manifest

import (
	"fmt"
	"time"
)

// Tier levels of ParentPolicy.Tiers: the calendar periods (UTC) above the
// daily backups. ISO weeks start on Monday.
const (
	TierYear    = "year"
	TierQuarter = "quarter"
	TierMonth   = "month"
	TierWeek    = "week"
)

// DefaultTiers are the tiers of parents: tiered without a tiers list: a
// monthly full, a weekly against it, dailies against the weekly.
var DefaultTiers = []string{TierMonth, TierWeek}

// tierOrder ranks the levels from the longest period to the shortest.
var tierOrder = map[string]int{TierYear: 0, TierQuarter: 1, TierMonth: 2, TierWeek: 3}

// ValidateTiers accepts a list of distinct levels, longest period first.
func ValidateTiers(tiers []string) error {
	last := -1
	for _, t := range tiers {
		rank, ok := tierOrder[t]
		if !ok {
			return fmt.Errorf("tiers: %q is not year, quarter, month or week", t)
		}
		if rank <= last {
			return fmt.Errorf("tiers: %v: list each level once, longest period first, e.g. [year, quarter, month, week]", tiers)
		}
		last = rank
	}
	return nil
}

// tierPeriod names the period of level tier holding t, e.g. "2026-W48".
func tierPeriod(tier string, t time.Time) string {
	t = t.UTC()
	switch tier {
	case TierYear:
		return t.Format("2006")
	case TierQuarter:
		return fmt.Sprintf("%04d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
	case TierWeek:
		return weekOf(t)
	}
	return t.Format("2006-01")
}

// tierWord names a backup of level tier, as in "weekly".
func tierWord(tier string) string {
	return map[string]string{TierYear: "yearly", TierQuarter: "quarterly", TierMonth: "monthly", TierWeek: "weekly"}[tier]
}

func periodWord(tier string) string {
	if tier == TierWeek {
		return "ISO week"
	}
	return tier
}

// chooseTiered applies ModeTiered with levels p.Tiers (DefaultTiers if
// empty): a new full in each period of the first level; the first backup
// of each period of the next level against it, and so on down; the other
// backups (the dailies) against the newest backup of the last level. A
// restore then needs at most len(tiers)+1 streams, and a damaged daily
// breaks no other backup. When a parent of the wanted level is gone from
// the local disk, the next higher level is used.
func chooseTiered(p ParentPolicy, committed []*Record, usable []candidate, now time.Time) (*Record, string) {
	tiers := p.tiers()
	full := newest(filter(committed, (*Record).IsFull))
	if full == nil {
		return nil, "no committed backup to build on"
	}
	if first := tiers[0]; tierPeriod(first, full.Created) < tierPeriod(first, now) {
		return nil, fmt.Sprintf("%s full due: newest full %s is from %s", tierWord(first), full.Snapshot, tierPeriod(first, full.Created))
	}
	fullCandidate, ok := findCandidate(usable, full.Snapshot)
	if !ok {
		return nil, fmt.Sprintf("newest full %s is no longer on local disk", full.Snapshot)
	}
	if reason := fullDue(p, fullCandidate, now); reason != "" {
		return nil, reason
	}
	return chooseBelow(p, tiers, committed, usable, full, now)
}

// chooseBelow walks down the levels from the full: at each, the newest
// backup of the current period built on the level above is the next
// anchor; a level without one this period gets the new backup.
func chooseBelow(p ParentPolicy, tiers []string, committed []*Record, usable []candidate, anchor *Record, now time.Time) (*Record, string) {
	anchorWord := "full"
	for level := 1; level < len(tiers); level++ {
		tier := tiers[level]
		inPeriod := func(r *Record) bool {
			return r.Parent == anchor.Snapshot && r.ParentUUID == anchor.UUID && tierPeriod(tier, r.Created) == tierPeriod(tier, now)
		}
		if newest(filter(committed, inPeriod)) == nil {
			return anchor, fmt.Sprintf("first backup of %s %s: against %s %s", periodWord(tier), tierPeriod(tier, now), anchorWord, anchor.Snapshot)
		}
		if level == 1 && p.MaxChain == 1 {
			return anchor, fmt.Sprintf("max_chain 1: against full %s", anchor.Snapshot)
		}
		next := newestLocal(usable, inPeriod)
		if next == nil {
			gone := newest(filter(committed, inPeriod))
			return anchor, fmt.Sprintf("%s %s is no longer on local disk: against %s %s", tierWord(tier), gone.Snapshot, anchorWord, anchor.Snapshot)
		}
		anchor, anchorWord = next, tierWord(tier)
	}
	return anchor, fmt.Sprintf("against %s %s", anchorWord, anchor.Snapshot)
}

func newestLocal(usable []candidate, keep func(*Record) bool) *Record {
	var local []*Record
	for _, c := range usable {
		if keep(c.Record) {
			local = append(local, c.Record)
		}
	}
	return newest(local)
}

func findCandidate(usable []candidate, snapshot string) (candidate, bool) {
	for _, c := range usable {
		if c.Snapshot == snapshot {
			return c, true
		}
	}
	return candidate{}, false
}

func filter(records []*Record, keep func(*Record) bool) []*Record {
	var kept []*Record
	for _, r := range records {
		if keep(r) {
			kept = append(kept, r)
		}
	}
	return kept
}

// weekOf names the ISO week of t in UTC, e.g. "2026-W48".
func weekOf(t time.Time) string {
	year, week := t.UTC().ISOWeek()
	return fmt.Sprintf("%04d-W%02d", year, week)
}
