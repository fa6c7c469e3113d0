// Command argo-backup backs up btrfs subvolumes, encrypted, to any rclone
// remote, and restores them. See docs/ for set-up and the recovery runbook.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// Parts are large buffers that live briefly; collecting at 50%
		// growth instead of 100% keeps peak memory near what is in use,
		// at no measurable CPU cost (docs/performance.md).
		debug.SetGCPercent(50)
	}
	limitMemory = true
	stopProfiles := startProfiles()
	rc := run()
	stopProfiles()
	os.Exit(rc)
}

// run is main without os.Exit, so that the CLI tests can run it in-process.
func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
}
