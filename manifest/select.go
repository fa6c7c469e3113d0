package manifest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Select picks the backup a restore or verify should target: the one named
// snapshot if given; otherwise, if at is not zero, the newest created at or
// before at; otherwise the newest.
func Select(records []*Record, snapshot string, at time.Time) (*Record, error) {
	switch {
	case snapshot != "":
		return selectByName(records, snapshot)
	case !at.IsZero():
		return selectAt(records, at)
	}
	if r := newest(records); r != nil {
		return r, nil
	}
	return nil, errors.New("no backups")
}

func selectByName(records []*Record, snapshot string) (*Record, error) {
	for _, r := range records {
		if r.Snapshot == snapshot {
			return r, nil
		}
	}
	if len(records) == 0 {
		return nil, fmt.Errorf("no backup named %s: there are no backups", snapshot)
	}
	return nil, fmt.Errorf("no backup named %s; nearest: %s", snapshot, strings.Join(nearestNames(records, snapshot), ", "))
}

// nearestNames returns up to two names on either side of name in sorted
// order. Names of one subvolume sort by time, so these are the backups just
// before and after a mistyped time.
func nearestNames(records []*Record, name string) []string {
	names := make([]string, len(records))
	for i, r := range records {
		names[i] = r.Snapshot
	}
	slices.Sort(names)
	names = slices.Compact(names)
	i, _ := slices.BinarySearch(names, name)
	return names[max(0, i-2):min(len(names), i+2)]
}

func selectAt(records []*Record, at time.Time) (*Record, error) {
	var candidates []*Record
	for _, r := range records {
		if !r.Created.After(at) {
			candidates = append(candidates, r)
		}
	}
	if r := newest(candidates); r != nil {
		return r, nil
	}
	if len(records) == 0 {
		return nil, errors.New("no backups")
	}
	oldest := oldestFirst(records)[0]
	return nil, fmt.Errorf("no backup as old as %s: the oldest is %s, created %s",
		at.UTC().Format(time.RFC3339), oldest.Snapshot, oldest.Created.UTC().Format(time.RFC3339))
}
