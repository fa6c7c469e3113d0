package restore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/internal/fallback"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/sendstream"
)

// Restorer replays backups from a remote into a directory on btrfs.
type Restorer struct {
	Catalog
	Log      *slog.Logger
	Progress Progress
	// Ahead is how many parts download at once, ahead of the part being
	// written to btrfs receive (the transfers setting); 0: 4.
	Ahead int
	// Notify receives what a user must know about the choice of backup:
	// untrusted records skipped, backups missing. nil: logged as warnings.
	Notify func(msg string)

	// NativeReport is set by a Restore that applied the streams itself
	// (see NativeTarget), nil after btrfs receive.
	NativeReport *sendstream.Report
	// Stages is the chain the last Chain (and so Restore) resolved, full
	// first: what restore --json lists as its stages.
	Stages []*manifest.Record
	// AlreadyRestored is set by a Restore that found the target received
	// and complete in DIR from an earlier run, and so did nothing.
	AlreadyRestored bool

	// TestHook, if set, is called at each Checkpoint (tests only).
	TestHook func(ctx context.Context, at Checkpoint)
}

// Target selects the backup to restore: by name, else the newest at or
// before At, else the newest.
type Target struct {
	Snapshot string
	At       time.Time
	// TrustUnsigned also accepts unsigned records nobody endorsed
	// (first-format backups); only with Snapshot, never for the newest.
	TrustUnsigned bool
}

// Options are the choices of one restore.
type Options struct {
	KeepChain bool   // keep the intermediate received subvolumes
	Writable  string // also make a writable snapshot of the result with this name
	Native    bool   // apply the streams natively even onto btrfs (see NativeTarget)
}

func (r *Restorer) log() *slog.Logger { return fallback.Log(r.Log) }

func (r *Restorer) progress() Progress { return fallback.Progress(r.Progress) }

// Restore receives the chain of the target backup of host/subvol into dir
// and returns the target's record. dir/<snapshot> holds the result. The
// chain is received under staging names and the target is renamed into
// place once complete and checked, so dir/<snapshot> is there only if it is
// the whole backup. If it is already there (a restore killed after that
// rename), only what remains (the writable snapshot) is done.
func (r *Restorer) Restore(ctx context.Context, host, subvol string, t Target, dir string, o Options) (*manifest.Record, error) {
	r.NativeReport, r.Stages = nil, nil
	if native, err := NativeTarget(dir, o.Native); err != nil || native {
		if err != nil {
			return nil, err
		}
		return r.RestoreNative(ctx, host, subvol, t, dir, o)
	}
	if err := checkTarget(dir); err != nil {
		return nil, err
	}
	chain, err := r.Chain(ctx, host, subvol, t)
	if err != nil {
		return nil, err
	}
	target := chain[len(chain)-1]
	done, err := restored(dir, target)
	if err != nil {
		return nil, err
	}
	r.AlreadyRestored = done
	if done {
		r.log().Info("already restored", "snapshot", target.Snapshot, "path", filepath.Join(dir, target.Snapshot))
	} else {
		if err := refuseExisting(dir, o.Writable); err != nil {
			return nil, err
		}
		if err := r.Replay(ctx, chain, dir, o.KeepChain); err != nil {
			return nil, err
		}
		r.checkpoint(ctx, AfterPromote)
	}
	if err := writable(ctx, dir, target.Snapshot, o.Writable); err != nil {
		return nil, err
	}
	return target, nil
}

// restored reports whether dir already holds the received target, and
// refuses anything else of that name.
func restored(dir string, target *manifest.Record) (bool, error) {
	path := filepath.Join(dir, target.Snapshot)
	if _, err := os.Lstat(path); err != nil {
		return false, nil
	}
	if ok, _ := isReceived(path, target); ok {
		return true, nil
	}
	return false, inputErrorf("%s already exists in %s and is not the received backup: it is never overwritten; restore into another directory or remove it", target.Snapshot, dir)
}

// writable makes the writable snapshot name of dir/snapshot, unless name is
// "" or it exists (a restore killed after making it).
func writable(ctx context.Context, dir, snapshot, name string) error {
	if name == "" {
		return nil
	}
	src, dst := filepath.Join(dir, snapshot), filepath.Join(dir, name)
	if _, err := os.Lstat(dst); err == nil {
		return nil
	}
	if err := btrfs.WritableSnapshot(ctx, src, dst); err != nil {
		return fmt.Errorf("writable snapshot %s: %w", dst, err)
	}
	return nil
}

// Chain resolves the records to replay for target: full first.
func (r *Restorer) Chain(ctx context.Context, host, subvol string, t Target) ([]*manifest.Record, error) {
	records, err := r.usable(ctx, host, subvol, t)
	if err != nil {
		return nil, err
	}
	target, err := manifest.Select(records, t.Snapshot, t.At)
	if err != nil {
		return nil, errs.User(err)
	}
	chain, err := manifest.Chain(records, target.Snapshot)
	if err != nil {
		return nil, err
	}
	r.Stages = chain
	return chain, nil
}

func checkTarget(dir string) error {
	ok, err := btrfs.IsBtrfs(dir)
	if errors.Is(err, os.ErrNotExist) {
		return inputErrorf("restore target %s does not exist: create and mount the new btrfs there first", dir)
	}
	if err != nil {
		return fmt.Errorf("restore target %s: %w", dir, err)
	}
	if !ok {
		return inputErrorf("restore target %s is not on btrfs: mkfs.btrfs the new disk and mount it there first", dir)
	}
	return nil
}

func refuseExisting(dir string, names ...string) error {
	for _, n := range names {
		if n == "" {
			continue
		}
		if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
			return inputErrorf("%s already exists in %s: it is never overwritten; restore into another directory or remove it", n, dir)
		}
	}
	return nil
}

// Replay receives chain (full first) into dir, each stage under its staging
// name, and renames the last (and with keepChain every stage) into place.
// A stage already received, under its own name (an earlier --keep-chain) or
// its staging name (an interrupted restore), is reused; a half-received
// staging subvolume is replaced. Intermediate stages are deleted once their
// child is in, unless keepChain or they were there under their own name.
func (r *Restorer) Replay(ctx context.Context, chain []*manifest.Record, dir string, keepChain bool) error {
	if err := r.discardHalfStaged(ctx, chain, dir); err != nil {
		return err
	}
	start, err := deepestPresent(chain, dir)
	if err != nil {
		return err
	}
	previous := "" // an intermediate stage of ours, to delete
	for i := start; i < len(chain); i++ {
		rec := chain[i]
		staged, err := r.stage(ctx, chain, i, dir)
		if err != nil {
			return err
		}
		if previous != "" && !keepChain {
			if err := btrfs.Delete(ctx, previous); err != nil {
				r.log().Warn("could not delete intermediate subvolume", "path", previous, "err", err)
			}
		}
		previous = ""
		if i < len(chain)-1 {
			r.checkpoint(ctx, BetweenStages)
		} else {
			r.checkpoint(ctx, BeforePromote)
		}
		if !staged {
			continue
		}
		if i == len(chain)-1 || keepChain {
			if err := Promote(dir, rec.Snapshot); err != nil {
				return err
			}
			continue
		}
		previous = filepath.Join(dir, StagingName(rec.Snapshot))
	}
	r.tidyStaged(ctx, chain[:start], dir, keepChain)
	return nil
}

// errReceiveEnded is what the stream writer sees if btrfs receive exits
// before the whole stream was written.
var errReceiveEnded = errors.New("btrfs receive ended before the stream did")

// receive replays one stream. On any failure the half-received subvolume is
// deleted, so that nothing incomplete is left looking like a restore.
func (r *Restorer) receive(ctx context.Context, rec *manifest.Record, dir string, first bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	received := make(chan error, 1)
	go func() {
		err := btrfs.ReceiveAs(ctx, dir, StagingName(rec.Snapshot), pr)
		pr.CloseWithError(cmp.Or(err, errReceiveEnded))
		received <- err
	}()
	r.progress().Start(rec.Snapshot, rec.PlainBytes)
	err := r.writeStream(ctx, rec, r.midReceive(ctx, pw, first), r.ahead(), r.progress())
	r.progress().Finish()
	if err != nil {
		cancel()
	}
	pw.CloseWithError(err)
	recvErr := <-received
	if err == nil && recvErr != nil {
		err = fmt.Errorf("btrfs receive of %s: %w", rec.Snapshot, recvErr)
	}
	staged := filepath.Join(dir, StagingName(rec.Snapshot))
	if err == nil {
		err = checkReceived(staged, rec)
	}
	if err != nil {
		r.removeHalfReceived(ctx, staged)
		return err
	}
	return nil
}

func (r *Restorer) ahead() int {
	if r.Ahead > 0 {
		return r.Ahead
	}
	return 4
}

func checkReceived(path string, rec *manifest.Record) error {
	info, err := btrfs.Info(path)
	if err != nil {
		return fmt.Errorf("snapshot %s was not received: %w", rec.Snapshot, err)
	}
	if info.ReceivedUUID != rec.UUID {
		return fmt.Errorf("snapshot %s: received UUID %q, the record says %s", rec.Snapshot, info.ReceivedUUID, rec.UUID)
	}
	return nil
}

func (r *Restorer) removeHalfReceived(ctx context.Context, path string) {
	if _, err := os.Lstat(path); err != nil {
		return
	}
	if err := btrfs.Delete(context.WithoutCancel(ctx), path); err != nil {
		r.log().Error("could not remove the half-received subvolume: delete it by hand", "path", path, "err", err)
	}
}
