package backup

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/argo-backup/argo-backup/remote"
)

// A test hook, and only that. The promise that a push killed anywhere is
// finished by the next one can only be tested by killing a real push at
// exact points, which timing alone cannot hit on a loaded machine: the
// SIGKILL tests (cmd/argo-backup/kill_test.go) set ARGO_BACKUP_TEST_PAUSE to
// one of the points below, wait for the push to say it got there, then
// kill it (or, with SIGUSR1, let it carry on). Unset, as it is outside those
// tests, the hook costs a string comparison per point.
const testPauseEnv = "ARGO_BACKUP_TEST_PAUSE"

var testPause = os.Getenv(testPauseEnv)

// The points a push can pause at.
const (
	pauseBeforeSnapshot = "before-snapshot" // parent chosen, no snapshot yet
	pauseAfterSnapshot  = "after-snapshot"  // snapshot taken, nothing sent
	pauseMidUpload      = "mid-upload"      // part 0 stored and journaled, part 1 not yet uploaded
	pauseBeforeRecord   = "before-record"   // every part stored, the record not yet written
	pauseAfterRecord    = "after-record"    // the record written, its local copy not yet
)

// pauseForTest stops at point if the test asked for it, until SIGUSR1 or
// the end of ctx. The line it prints is what the test waits for.
func pauseForTest(ctx context.Context, point string) {
	if testPause == "" || testPause != point {
		return
	}
	resume := make(chan os.Signal, 1)
	signal.Notify(resume, syscall.SIGUSR1) // before the line: a quick test must not kill us with SIGUSR1
	defer signal.Stop(resume)
	fmt.Fprintf(os.Stderr, "argo-backup: test pause at %s\n", point)
	select {
	case <-resume:
	case <-ctx.Done():
	}
}

// withTestPause returns p, or, when a test asked to pause at a point inside
// the upload, a copy whose store pauses there. Mid-upload also stores one
// part at a time, so that part 0 is journaled before part 1 starts.
func (p *Pusher) withTestPause() *Pusher {
	switch testPause {
	case pauseMidUpload, pauseBeforeRecord, pauseAfterRecord:
	default:
		return p
	}
	c := *p
	c.Store = pausingStore{p.Store}
	if testPause == pauseMidUpload {
		c.Workers, c.Transfers = 1, 1
	}
	return &c
}

// pausingStore pauses around the uploads named by the test pause points.
type pausingStore struct{ Store }

func (s pausingStore) Put(ctx context.Context, name string, data []byte) error {
	_, _, _, file, _ := remote.ParsePath(name)
	if i, ok := remote.ParsePartFile(file); ok && i == 1 {
		pauseForTest(ctx, pauseMidUpload)
	}
	if remote.IsRecord(file) {
		pauseForTest(ctx, pauseBeforeRecord)
	}
	if err := s.Store.Put(ctx, name, data); err != nil {
		return err
	}
	if remote.IsRecord(file) {
		pauseForTest(ctx, pauseAfterRecord)
	}
	return nil
}
