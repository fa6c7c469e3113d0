package backup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/internal/fallback"
	"github.com/argo-backup/argo-backup/manifest"
)

// Pusher backs up subvolumes of one host to one remote.
type Pusher struct {
	Host        string
	ToolVersion string // written into every record
	Store       Store
	Sealer      *crypto.Sealer
	Recipients  []age.Recipient // records are encrypted to these
	// Signer signs every record (see sign.go). nil writes first-format,
	// unsigned records, which a restore does not trust: only tests do.
	Signer           *crypto.Signer
	State            State
	PartSize         int64
	CompressionLevel int  // recorded; the Sealer does the compressing
	SendCompressed   bool // use send protocol 2 with --compressed-data where supported
	Workers          int  // parts sealed at once (CPU); 0: one per CPU, at least 2
	Transfers        int  // parts uploaded at once (network); 0: 4
	Locks            LockOptions
	Log              *slog.Logger
	Progress         Progress
	Now              func() time.Time
	// RemoteRecords opens the remote's records for reading, to rebuild a
	// lost state_dir (rebuild.go); it fails, saying why, on a machine
	// without an identity. nil: never rebuild.
	RemoteRecords func(ctx context.Context) (RecordReader, error)

	onStages func(*stages) // tests: sees each push's stages as it starts
	// TestHook, when set, is called at each Checkpoint, on the push's own
	// goroutines: a test stops a push there, to kill it. nil outside tests.
	TestHook func(ctx context.Context, at Checkpoint, part int)
	// SkipIndex pushes without a file index: only for measuring what the
	// index costs (push's hidden --skip-index flag, used by make bench).
	SkipIndex bool
}

// Progress receives the bytes of the send stream as they pass. Start is
// called once per backup with the snapshot name.
type Progress = fallback.ProgressReporter

func (p *Pusher) progress() Progress { return fallback.Progress(p.Progress) }

func (p *Pusher) log() *slog.Logger { return fallback.Log(p.Log) }

func (p *Pusher) now() time.Time { return fallback.Now(p.Now).UTC() }

func (p *Pusher) workers() int {
	if p.Workers > 0 {
		return p.Workers
	}
	return max(2, runtime.NumCPU())
}

func (p *Pusher) transfers() int {
	if p.Transfers > 0 {
		return p.Transfers
	}
	return 4
}

// Push takes a snapshot of sv and stores it on the remote, incrementally
// against the newest committed snapshot that still exists locally, or in
// full. An interrupted earlier push of sv is finished first. It returns the
// committed record.
func (p *Pusher) Push(ctx context.Context, sv Subvolume, full bool) (*manifest.Record, error) {
	if err := CheckSource(sv); err != nil {
		return nil, err
	}
	lease, unlock, err := p.lock(ctx, sv)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := p.rebuildState(ctx, sv); err != nil {
		return nil, fmt.Errorf("push %s: %w", sv.Name, err)
	}
	if err := p.resume(ctx, sv, lease); err != nil {
		return nil, err // already says "push <subvolume>"
	}
	committed, err := p.State.Records(p.Host, sv.Name)
	if err != nil {
		return nil, err
	}
	local, err := localSnapshots(sv)
	if err != nil {
		return nil, err
	}
	now, err := p.freshSecond(ctx, sv, local)
	if err != nil {
		return nil, err
	}
	parent, reason := manifest.ChooseParent(sv.Parents, committed, local, now, full)
	p.warnParentGone(sv, committed, local, parent, full)
	parent, lost, losses, err := p.checkRemote(ctx, sv, committed, parent)
	if err != nil {
		return nil, err
	}
	if lost != "" {
		reason = "full: " + lost
		p.log().Warn("the remote lost the parent: making a full backup", "subvolume", sv.Name, "why", lost)
	}
	p.checkpoint(ctx, BeforeSnapshot, -1)
	name, err := p.snapshot(ctx, sv, committed, now, full)
	if err != nil {
		return nil, err
	}
	p.checkpoint(ctx, AfterSnapshot, -1)
	j := newJournal(p.State, p.Host, sv.Name, name, parentName(parent),
		p.SendCompressed && btrfs.SupportsProto2(ctx), p.PartSize, now)
	if err := j.save(); err != nil {
		p.discard(ctx, sv, j, "its journal could not be written")
		return nil, fmt.Errorf("push %s: %w", sv.Name, p.stateDirError(err))
	}
	p.log().Info("backup", "subvolume", sv.Name, "snapshot", name, "kind", kind(parent), "why", reason)
	rec, err := p.finish(ctx, sv, j, parent, lease)
	if err != nil {
		return nil, p.failed(ctx, sv, j, err)
	}
	p.forgetLost(sv, losses)
	p.pruneLocal(ctx, sv, rec)
	return rec, nil
}

// failed decides what an error leaves behind. A damaged stream is thrown
// away; anything else (interrupted, network down, upload limit) keeps the
// snapshot and the journal, so that the next push resumes where this one
// stopped.
func (p *Pusher) failed(ctx context.Context, sv Subvolume, j *pushJournal, err error) error {
	if _, serr := os.Lstat(sv.snapshotPath(j.Snapshot)); errors.Is(serr, os.ErrNotExist) && j.Record == nil {
		p.discard(ctx, sv, j, "its snapshot was deleted")
		return fmt.Errorf("push %s: snapshot %s was deleted while it was being backed up (by hand, or by another tool?): "+
			"nothing was committed, and the next push starts over with a new snapshot", sv.Name, j.Snapshot)
	}
	if errors.Is(err, errDamagedStream) || errors.Is(err, errParentMismatch) {
		p.discard(ctx, sv, j, err.Error())
	} else if ctx.Err() == nil { // a cancelled push is reported by whoever cancelled it
		p.log().Warn("backup interrupted: the next push resumes it", "snapshot", j.Snapshot, "parts_stored", len(j.Parts), "err", err)
	}
	return fmt.Errorf("push %s: %w", sv.Name, p.stateDirError(err))
}

// stateDirError names the fix when state_dir is full: the error alone
// points at a journal file the user never heard of.
func (p *Pusher) stateDirError(err error) error {
	if errors.Is(err, syscall.ENOSPC) && strings.Contains(err.Error(), p.State.Dir) {
		return fmt.Errorf("state_dir %s is full: free some space there and push again: %w", p.State.Dir, err)
	}
	return err
}

func (p *Pusher) pruneLocal(ctx context.Context, sv Subvolume, rec *manifest.Record) {
	removed, err := pruneLocal(ctx, sv, p.neededLocally(sv, rec))
	for _, r := range removed {
		p.log().Info("deleted old local snapshot", "snapshot", r)
	}
	if err != nil {
		p.log().Warn("local retention", "subvolume", sv.Name, "err", err)
	}
}

// neededLocally is what local retention must keep after rec was committed:
// rec, the parent of the next incremental, and with tiered parents its whole
// chain (the month's full and the week's backup are the parents of later
// weeklies and dailies).
func (p *Pusher) neededLocally(sv Subvolume, rec *manifest.Record) map[string]bool {
	records, err := p.State.Records(p.Host, sv.Name)
	if err != nil {
		return map[string]bool{rec.Snapshot: true}
	}
	needed := manifest.Pinned(sv.Parents, records)
	needed[rec.Snapshot] = true
	return needed
}

// freshSecond returns the time for the new snapshot. Snapshot names carry
// the time to the second; a push within the same second as the previous
// one waits for the next second rather than fail.
func (p *Pusher) freshSecond(ctx context.Context, sv Subvolume, local []string) (time.Time, error) {
	now := p.now()
	for range 3 {
		if !slices.Contains(local, manifest.SnapshotName(sv.Name, now)) {
			return now, nil
		}
		select {
		case <-time.After(time.Until(now.Truncate(time.Second).Add(time.Second))):
		case <-ctx.Done():
			return now, ctx.Err()
		}
		now = p.now()
	}
	return now, fmt.Errorf("snapshot %s already exists", manifest.SnapshotName(sv.Name, now))
}

func parentName(parent *manifest.Record) string {
	if parent == nil {
		return ""
	}
	return parent.Snapshot
}

func kind(parent *manifest.Record) string {
	if parent == nil {
		return "full"
	}
	return "incremental on " + parent.Snapshot
}

func (p *Pusher) sendOptions(sv Subvolume, j *pushJournal) btrfs.SendOptions {
	o := btrfs.SendOptions{Proto2Compressed: j.Proto2}
	if j.Parent != "" {
		o.Parent = sv.snapshotPath(j.Parent)
	}
	return o
}

// snapshot takes the read-only snapshot to back up: of the subvolume, or of
// snapper's newest snapshot.
func (p *Pusher) snapshot(ctx context.Context, sv Subvolume, committed []*manifest.Record, now time.Time, full bool) (string, error) {
	if sv.SnapperDir != "" {
		return snapshotSnapper(ctx, sv, committed, now, full)
	}
	name, _, err := takeSnapshot(ctx, sv, now)
	return name, err
}
