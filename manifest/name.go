package manifest

import (
	"fmt"
	"strings"
	"time"
)

// snapshotTimeLayout is UTC with a fixed width, so that snapshot names of one
// subvolume sort by time as plain strings.
const snapshotTimeLayout = "20060102T150405Z"

// SnapshotName names the snapshot of subvol taken at t:
// "<subvol>.YYYYMMDDTHHMMSSZ", in UTC.
func SnapshotName(subvol string, t time.Time) string {
	return subvol + "." + t.UTC().Format(snapshotTimeLayout)
}

// ParseSnapshotName splits a name made by SnapshotName. Subvolume names may
// contain dots; the time is the last dot-separated part.
func ParseSnapshotName(name string) (subvol string, t time.Time, err error) {
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 {
		return "", time.Time{}, fmt.Errorf("snapshot name %q does not end in .YYYYMMDDTHHMMSSZ", name)
	}
	subvol, suffix := name[:dot], name[dot+1:]
	t, err = time.Parse(snapshotTimeLayout, suffix)
	if err != nil || t.Format(snapshotTimeLayout) != suffix {
		return "", time.Time{}, fmt.Errorf("snapshot name %q does not end in a UTC time like .20261126T004200Z", name)
	}
	if subvol == "" || strings.ContainsAny(subvol, "/\x00") {
		return "", time.Time{}, fmt.Errorf("snapshot name %q has no valid subvolume name before the time", name)
	}
	return subvol, t, nil
}
