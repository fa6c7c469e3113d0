package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/restore"
)

// pauseEnv asks the argo-backup that a test runs as a child process (the
// test binary, see TestMain) to stop a push at one of the points below and
// say so on stderr, so that the test can kill it there for real, or let it
// carry on with SIGUSR1. Only the test binary reads it: the shipped binary
// has no such hook.
const pauseEnv = "ARGO_BACKUP_TEST_PAUSE"

// pausePoints map the names the tests use to the push's checkpoints. A
// part index of -1 matches a checkpoint outside the upload.
var pausePoints = map[string]struct {
	at   backup.Checkpoint
	part int
}{
	"before-snapshot": {backup.BeforeSnapshot, -1},
	"after-snapshot":  {backup.AfterSnapshot, -1},
	"mid-upload":      {backup.BeforePart, 1}, // part 0 stored and journaled, part 1 not yet uploaded
	"before-record":   {backup.BeforeRecord, -1},
	"after-record":    {backup.AfterRecord, -1},
}

// verifyMounted pauses a verify with its scratch filesystem mounted.
const verifyMounted = "verify-mounted"

// restorePausePoints are the restore's checkpoints a test may pause at.
var restorePausePoints = map[string]restore.Checkpoint{
	"mid-receive":    restore.MidReceive,
	"between-stages": restore.BetweenStages, // the first stage received, the next not started
	"before-promote": restore.BeforePromote,
	"after-promote":  restore.AfterPromote,
}

// prunePausePoints are the steps of deleting a backup a prune may pause
// at (its first backup to delete).
var prunePausePoints = map[string]backup.PruneCheckpoint{
	"prune-marked":         backup.PruneMarked,
	"prune-record-deleted": backup.PruneRecordDeleted,
	"prune-parts-deleted":  backup.PrunePartsDeleted,
}

// pauseFromEnv installs the pause pauseEnv asks for, if any.
func pauseFromEnv() {
	name := os.Getenv(pauseEnv)
	if name == "" {
		return
	}
	if name == verifyMounted {
		verifyTestHook = func(v *restore.Verifier) {
			v.TestHook = func(ctx context.Context, _ string) { pause(ctx, name) }
		}
		return
	}
	if at, ok := restorePausePoints[name]; ok {
		paused := false
		restoreTestHook = func(r *restore.Restorer) {
			r.TestHook = func(ctx context.Context, point restore.Checkpoint) {
				if point == at && !paused {
					paused = true
					pause(ctx, name)
				}
			}
		}
		return
	}
	if at, ok := prunePausePoints[name]; ok {
		paused := false
		pruneTestHook = func(p *backup.Pruner) {
			p.TestHook = func(ctx context.Context, point backup.PruneCheckpoint, _ string) {
				if point == at && !paused {
					paused = true
					pause(ctx, name)
				}
			}
		}
		return
	}
	point, ok := pausePoints[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "%s=%s: no such pause point\n", pauseEnv, name)
		os.Exit(exitUsage)
	}
	pushTestHook = func(p *backup.Pusher) {
		if point.at == backup.BeforePart {
			p.Workers, p.Transfers = 1, 1 // part 0 is journaled before part 1 starts
		}
		p.TestHook = func(ctx context.Context, at backup.Checkpoint, part int) {
			if at == point.at && part == point.part {
				pause(ctx, name)
			}
		}
	}
}

// pause stops until SIGUSR1 or the end of ctx. The line it prints is what
// the test waits for.
func pause(ctx context.Context, name string) {
	resume := make(chan os.Signal, 1)
	signal.Notify(resume, syscall.SIGUSR1) // before the line: a quick test must not kill us with SIGUSR1
	defer signal.Stop(resume)
	fmt.Fprintf(os.Stderr, "argo-backup: test pause at %s\n", name)
	select {
	case <-resume:
	case <-ctx.Done():
	}
}
