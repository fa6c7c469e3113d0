// Command argo-backup backs up btrfs subvolumes, encrypted, to any rclone
// remote, and restores them. See docs/ for set-up and the recovery runbook.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(run())
}

// run is main without os.Exit, so that the CLI tests can run it in-process.
func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
}
