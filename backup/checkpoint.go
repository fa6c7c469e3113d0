package backup

import "context"

// A Checkpoint is a moment of a push where Pusher.TestHook is called. The
// promise that a push killed anywhere is finished by the next one can only
// be tested by killing a real push at exact points, which timing alone
// cannot hit on a loaded machine: the SIGKILL tests
// (cmd/argo-backup/kill_test.go) stop a push at one of these and kill it.
type Checkpoint string

// The checkpoints of a push, in order.
const (
	BeforeSnapshot Checkpoint = "before-snapshot" // parent chosen, no snapshot yet
	AfterSnapshot  Checkpoint = "after-snapshot"  // snapshot taken, nothing sent
	BeforePart     Checkpoint = "before-part"     // one part is sealed and about to be uploaded
	BeforeRecord   Checkpoint = "before-record"   // every part stored, the record not yet written
	AfterRecord    Checkpoint = "after-record"    // the record written, its local copy not yet
)

// checkpoint calls the test hook, if a test set one. part is the index of
// the part at BeforePart, -1 elsewhere. Parts already stored by an
// interrupted push are reused without passing BeforePart.
func (p *Pusher) checkpoint(ctx context.Context, at Checkpoint, part int) {
	if p.TestHook != nil {
		p.TestHook(ctx, at, part)
	}
}

// A PruneCheckpoint is a step of deleting one backup where Pruner.TestHook
// is called: the SIGKILL tests kill a prune at each, to prove that the next
// status, verify and prune read what it left correctly.
type PruneCheckpoint string

// The steps of deleting one backup, in order.
const (
	PruneMarked        PruneCheckpoint = "prune-marked"         // record copy in pruning/, nothing deleted on the remote
	PruneRecordDeleted PruneCheckpoint = "prune-record-deleted" // the remote's record gone, the parts not yet
	PrunePartsDeleted  PruneCheckpoint = "prune-parts-deleted"  // the parts gone, the pruning/ copy not yet
)

func (p *Pruner) checkpoint(ctx context.Context, at PruneCheckpoint, snapshot string) {
	if p.TestHook != nil {
		p.TestHook(ctx, at, snapshot)
	}
}
