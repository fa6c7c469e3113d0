package main

import (
	"math"
	"os"
	"runtime/debug"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/internal/config"
)

// limitMemory is set by main: the CLI tests run commands in-process, and
// the limit is for the program, not for the test binary.
var limitMemory bool

// memoryHeadroom is what the program needs besides its part buffers:
// rclone, the zstd and age state of the parts in flight, the runtime.
const memoryHeadroom = 64 << 20

// setMemoryLimit sets the Go runtime's soft memory limit to what jobs
// jobs at once need with cfg's part_size and transfers, unless GOMEMLIMIT
// says otherwise. Without it the garbage collector lets the heap run to
// 1.5x what is live (GOGC 50) before it collects: a restore with transfers
// 4 then peaked at 363 MiB, with the limit at 255 MiB, at no measurable
// CPU cost (docs/performance.md). The limit is soft: if more is live, the
// program uses more rather than fail, and the collector's CPU is capped.
// A push's part buffers are outside the heap (internal/offheap), and so
// are the upload chunks rclone's drive backend copies them into
// (remote/pool.go), so for a push the limit is room the heap never nears
// unless something else (a huge file index) grows; so are restore's two
// plaintext buffers (restore/buffers.go; the parts it downloads ahead wait
// on disk, restore/spool.go), so a restore does not near it either. A
// tighter limit for push does not buy memory: a
// push to Drive of 1.5 GB in 60,000 files keeps 20-25 MiB live and GOGC 50
// holds the heap at 30-46 MiB; a 48 MiB limit saved 4 MiB of RSS, and under
// a limit that tight a bigger file index would keep the collector running
// (docs/performance.md, "Drive push memory").
func setMemoryLimit(cfg *config.Config, jobs int) {
	if !limitMemory || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	perJob := backup.PartMemory(int64(cfg.PartSize), cfg.Transfers)
	debug.SetMemoryLimit(int64(max(jobs, 1))*perJob + memoryHeadroom)
}

// liftMemoryLimit drops the soft limit for the commands that browse file
// indexes (ls, find, diff, cat, restore --path, mount): what they hold is
// the tree, about 300 MiB for a million inodes, not part buffers, and a
// limit below what is live keeps the collector running without pause
// (decoding a million-inode tree took twice as long). GOGC 50 still bounds
// the heap at 1.5x what is live.
func liftMemoryLimit() {
	if !limitMemory || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(math.MaxInt64)
}
