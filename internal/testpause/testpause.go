// Package testpause is a test hook, and only that: a promise such as
// "a process killed at any point leaves nothing behind" can only be tested
// by killing a real process at an exact point, which timing alone cannot
// hit on a loaded machine. A test sets ARGO_BACKUP_TEST_PAUSE to a point,
// waits for the process to print that it got there, then kills it (or,
// with SIGUSR1, lets it carry on). Unset, as it is outside those tests, a
// point costs a string comparison.
//
// backup/testpause.go has the push's points; this package serves the
// others (verify), so that restore need not import backup.
package testpause

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Env names the point to pause at.
const Env = "ARGO_BACKUP_TEST_PAUSE"

// VerifyMounted is verify with its scratch filesystem mounted, before the
// first backup is received into it.
const VerifyMounted = "verify-mounted"

var point = os.Getenv(Env)

// At stops at p if the test asked for it, until SIGUSR1 or the end of ctx.
// The line it prints is what the test waits for.
func At(ctx context.Context, p string) {
	if point == "" || point != p {
		return
	}
	resume := make(chan os.Signal, 1)
	signal.Notify(resume, syscall.SIGUSR1) // before the line: a quick test must not kill us with SIGUSR1
	defer signal.Stop(resume)
	fmt.Fprintf(os.Stderr, "argo-backup: test pause at %s\n", p)
	select {
	case <-resume:
	case <-ctx.Done():
	}
}
