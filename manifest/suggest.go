package manifest

import (
	"slices"
	"strings"
)

// Suggest returns the backup names worth offering for name, which names
// none: the names it begins, when it is the start of some (an abbreviation
// such as home.2026, ambiguous or not), the newest four of them; else the
// names just before and after it in sorted order, which for a mistyped
// time are the backups nearest in time.
func Suggest(records []*Record, name string) []string {
	var begun []string
	for _, r := range records {
		if strings.HasPrefix(r.Snapshot, name) {
			begun = append(begun, r.Snapshot)
		}
	}
	if len(begun) > 0 {
		slices.Sort(begun)
		begun = slices.Compact(begun)
		return begun[max(0, len(begun)-4):]
	}
	if len(records) == 0 {
		return nil
	}
	return nearestNames(records, name)
}
