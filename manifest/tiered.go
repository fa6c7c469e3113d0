package manifest

import (
	"fmt"
	"time"
)

// chooseTiered applies ModeTiered: a new full in each calendar month (UTC),
// the first backup of each ISO week against that full, and the others
// against the week's first one. A restore then needs at most three streams,
// and a damaged daily breaks no other backup. When a parent of the wanted
// level is gone from the local disk, the next lower level is used.
func chooseTiered(p ParentPolicy, committed []*Record, usable []candidate, now time.Time) (*Record, string) {
	full := newest(filter(committed, (*Record).IsFull))
	if full == nil {
		return nil, "no committed backup to build on"
	}
	if monthOf(full.Created) < monthOf(now) {
		return nil, fmt.Sprintf("monthly full due: newest full %s is from %s", full.Snapshot, full.Created.UTC().Format("2006-01"))
	}
	fullCandidate, ok := findCandidate(usable, full.Snapshot)
	if !ok {
		return nil, fmt.Sprintf("newest full %s is no longer on local disk", full.Snapshot)
	}
	if reason := fullDue(p, fullCandidate, now); reason != "" {
		return nil, reason
	}
	return chooseWeeklyOrFull(p, committed, usable, full, now)
}

// chooseWeeklyOrFull picks between the current full and this week's weekly.
func chooseWeeklyOrFull(p ParentPolicy, committed []*Record, usable []candidate, full *Record, now time.Time) (*Record, string) {
	thisWeek := func(r *Record) bool {
		return r.Parent == full.Snapshot && r.ParentUUID == full.UUID && weekOf(r.Created) == weekOf(now)
	}
	weekly := newest(filter(committed, thisWeek))
	if weekly == nil {
		return full, fmt.Sprintf("first backup of ISO week %s: against full %s", weekOf(now), full.Snapshot)
	}
	if p.MaxChain == 1 {
		return full, fmt.Sprintf("max_chain 1: against full %s", full.Snapshot)
	}
	var local []*Record
	for _, c := range usable {
		if thisWeek(c.Record) {
			local = append(local, c.Record)
		}
	}
	if w := newest(local); w != nil {
		return w, fmt.Sprintf("against weekly %s", w.Snapshot)
	}
	return full, fmt.Sprintf("weekly %s is no longer on local disk: against full %s", weekly.Snapshot, full.Snapshot)
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

// monthOf numbers UTC calendar months consecutively.
func monthOf(t time.Time) int {
	t = t.UTC()
	return t.Year()*12 + int(t.Month()) - 1
}

// weekOf names the ISO week of t in UTC, e.g. "2026-W48".
func weekOf(t time.Time) string {
	year, week := t.UTC().ISOWeek()
	return fmt.Sprintf("%04d-W%02d", year, week)
}
