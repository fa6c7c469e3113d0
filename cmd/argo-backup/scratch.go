package main

import (
	"context"
	"log/slog"

	"github.com/argo-backup/argo-backup/btrfs"
)

// sweepScratch removes what verifies killed with SIGKILL (or by the OOM
// killer, or a service manager's last resort) left in dir: their mounts,
// loop devices and sparse images. A live verify's scratch, anything of
// unknown owner and anything not named by a verify (a restore's staging)
// are left alone. It runs at daemon start and before each verify; a failure
// is logged, not fatal: the new verify makes its own scratch anyway.
func sweepScratch(ctx context.Context, log *slog.Logger, dir string) {
	removed, err := btrfs.RemoveStale(ctx, dir)
	for _, s := range removed {
		log.Warn("removed what a killed verify left", "kind", s.Kind, "path", s.Path, "owner", s.Owner)
	}
	if err != nil {
		log.Error("cleaning up after a killed verify", "err", err)
	}
}
