package manifest

import (
	"slices"
	"strings"
)

// compareAge orders records by creation time, oldest first. Equal times fall
// back to the name so that every ordering in this package is deterministic.
func compareAge(a, b *Record) int {
	if c := a.Created.Compare(b.Created); c != 0 {
		return c
	}
	return strings.Compare(a.Snapshot, b.Snapshot)
}

// oldestFirst returns a sorted copy of records.
func oldestFirst(records []*Record) []*Record {
	sorted := slices.Clone(records)
	slices.SortStableFunc(sorted, compareAge)
	return sorted
}

// newest returns the most recently created record, or nil.
func newest(records []*Record) *Record {
	if len(records) == 0 {
		return nil
	}
	return slices.MaxFunc(records, compareAge)
}
