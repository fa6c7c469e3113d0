package restore

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// A test hook, and only that, as in backup/testpause.go: the promise that a
// restore killed anywhere leaves nothing that looks restored, and that the
// same command finishes it, is tested by killing a real restore at exact
// points (cmd/argo-backup/kill_restore_test.go). Unset, the hook costs a
// string comparison per point.
var testPause = os.Getenv("ARGO_BACKUP_TEST_PAUSE")

// The points a restore can pause at.
const (
	pauseMidReceive    = "mid-receive"    // the first stage's first two parts fed to btrfs receive
	pauseBetweenStages = "between-stages" // the first stage received, the next not started
	pauseBeforePromote = "before-promote" // the target received and checked under its staging name
	pauseAfterPromote  = "after-promote"  // the target in place, the writable snapshot not yet made
)

// pauseForTest stops at point if the test asked for it, until SIGUSR1 or
// the end of ctx. The line it prints is what the test waits for.
func pauseForTest(ctx context.Context, point string) {
	if testPause == "" || testPause != point {
		return
	}
	resume := make(chan os.Signal, 1)
	signal.Notify(resume, syscall.SIGUSR1)
	defer signal.Stop(resume)
	fmt.Fprintf(os.Stderr, "argo-backup: test pause at %s\n", point)
	select {
	case <-resume:
	case <-ctx.Done():
	}
}

// pausingWriter pauses at pauseMidReceive once two writes (two parts) went
// through: btrfs receive has then read past the stream's first command, so
// the staging subvolume exists and is half received.
type pausingWriter struct {
	ctx    context.Context
	w      io.Writer
	writes int
}

func (p *pausingWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	if p.writes++; p.writes == 2 {
		pauseForTest(p.ctx, pauseMidReceive)
	}
	return n, err
}

// withTestPause wraps the writer to btrfs receive of the chain's first
// stage when a test asked to pause mid-receive.
func withTestPause(ctx context.Context, w io.Writer, first bool) io.Writer {
	if testPause != pauseMidReceive || !first {
		return w
	}
	return &pausingWriter{ctx: ctx, w: w}
}
