package remote

import (
	"context"

	"github.com/rclone/rclone/fs"
)

// init puts the buffers rclone's backends copy upload chunks into outside
// the Go heap. The drive backend copies every resumable-upload chunk
// (chunk_size, 8 MiB) of a part into buffers from rclone's global pool,
// one chunk per transfer in flight; in the heap those 32 MiB (with
// transfers 4) were most of what was live in a push, and the collector,
// pacing itself at 1.5x what is live (GOGC 50), let the heap run 20 MiB
// further: a push to Drive peaked at 272 MiB RSS against 222 MiB on a
// local remote (docs/performance.md, "Drive push memory"). Mapped, the
// chunks cost their own size and no more, as argo-backup's own part
// buffers do (internal/offheap). It must be set before the pool is first
// used, which happens on the first upload.
func init() {
	fs.GetConfig(context.Background()).UseMmap = true
}
