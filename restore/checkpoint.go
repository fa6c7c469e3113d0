package restore

import (
	"context"
	"io"
)

// A Checkpoint is a moment of a restore where Restorer.TestHook is called.
// The promise that a restore killed anywhere leaves nothing that looks
// restored, and that the same command finishes it, is tested by killing a
// real restore at these points (cmd/argo-backup/kill_restore_test.go).
type Checkpoint string

// The checkpoints of a restore, in order.
const (
	MidReceive    Checkpoint = "mid-receive"    // two writes of the first stage's stream fed to btrfs receive
	BetweenStages Checkpoint = "between-stages" // a stage received, the next not started
	BeforePromote Checkpoint = "before-promote" // the target received and checked under its staging name
	AfterPromote  Checkpoint = "after-promote"  // the target in place, the writable snapshot not yet made
)

// checkpoint calls the test hook, if a test set one.
func (r *Restorer) checkpoint(ctx context.Context, at Checkpoint) {
	if r.TestHook != nil {
		r.TestHook(ctx, at)
	}
}

// midReceive wraps the writer to btrfs receive of the chain's first stage
// so that the test hook sees MidReceive after its second write: btrfs
// receive has then read past the stream's first command, so the staging
// subvolume exists and is half received.
func (r *Restorer) midReceive(ctx context.Context, w io.Writer, first bool) io.Writer {
	if r.TestHook == nil || !first {
		return w
	}
	return &hookWriter{ctx: ctx, w: w, r: r}
}

type hookWriter struct {
	ctx    context.Context
	w      io.Writer
	r      *Restorer
	writes int
}

func (h *hookWriter) Write(b []byte) (int, error) {
	n, err := h.w.Write(b)
	if h.writes++; h.writes == 2 {
		h.r.checkpoint(h.ctx, MidReceive)
	}
	return n, err
}
