package btrfs

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Referenced is the bytes the subvolume at path refers to, from its qgroup:
// about what a full send of it carries. It fails when quotas are not
// enabled on the filesystem (they are off by default), and the caller then
// has no such figure.
func Referenced(ctx context.Context, path string) (int64, error) {
	out, err := output(ctx, "btrfs", "qgroup", "show", "--raw", "-f", path)
	if err != nil {
		return 0, err
	}
	return parseReferenced(out)
}

// parseReferenced reads the Referenced column of the first qgroup line of
// `btrfs qgroup show --raw` (after the header and its dashes).
func parseReferenced(out string) (int64, error) {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && strings.Contains(f[0], "/") && f[0] != "Qgroupid" {
			n, err := strconv.ParseInt(f[1], 10, 64)
			if err == nil {
				return n, nil
			}
		}
	}
	return 0, fmt.Errorf("btrfs qgroup show: no qgroup line in %q", out)
}
