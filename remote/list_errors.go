package remote

import (
	"context"
	"fmt"
	"path"
	"sync/atomic"

	"github.com/rclone/rclone/fs/accounting"
	"github.com/rclone/rclone/fs/rc"
)

// listGroups numbers the accounting groups of listings.
var listGroups atomic.Uint64

// countedErrors gives ctx an accounting group of its own and returns, with
// it, a func that reports the first error counted there, then drops the
// group.
//
// Some backends do not return every listing error: rclone's local backend
// lists a folder it may not read (permission denied) as empty and only
// counts the error in the transfer statistics ("ignore error but fail
// sync"), and so does walk for an entry it cannot stat. A backup tool that
// trusted the empty listing would tell the user "no backups" where it could
// not look, and prune would plan on half a listing. Each listing counts
// into a group of its own, so that concurrent listings (mount) never see
// each other's errors.
func countedErrors(ctx context.Context) (context.Context, func() error) {
	group := fmt.Sprintf("argo-backup-list-%d", listGroups.Add(1))
	ctx = accounting.WithStatsGroup(ctx, group)
	return ctx, func() error {
		stats := accounting.StatsGroup(ctx, group)
		err := stats.GetLastError()
		if err == nil && stats.GetErrors() > 0 {
			err = fmt.Errorf("%d listing errors", stats.GetErrors())
		}
		dropGroup(ctx, group)
		return err
	}
}

// dropGroup deletes an accounting group through rclone's own rc call
// (the only exported way): rclone keeps up to max_stats_groups of them.
func dropGroup(ctx context.Context, group string) {
	if call := rc.Calls.Get("core/stats-delete"); call != nil {
		_, _ = call.Fn(ctx, rc.Params{"group": group})
	}
}

// listError is a listing's error: the one returned, or the one counted
// where the listing returned none or only "not found".
func listError(returned, counted error) error {
	if counted != nil && !isNotFound(counted) && (returned == nil || isNotFound(returned)) {
		return counted
	}
	return returned
}

// confirmMissing checks that a folder a listing found missing is missing:
// rclone's local backend also says "not found" for a folder beneath one it
// may not search (stat fails with permission denied). The parent's listing
// (and so on up) tells the two apart: it is an error where the parent
// cannot be read, and costs one listing only where something is missing.
func (s *Store) confirmMissing(ctx context.Context, dir string) error {
	if dir == "" {
		return nil
	}
	parent := path.Dir(dir)
	if parent == "." {
		parent = ""
	}
	_, err := s.Dirs(ctx, parent)
	return err
}
