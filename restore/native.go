package restore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/sendstream"
)

// NativeTarget reports whether a restore into dir applies the streams
// itself (sendstream.Applier) instead of running btrfs receive: always
// when forced (--native), else when dir is not on btrfs.
func NativeTarget(dir string, forced bool) (bool, error) {
	ok, err := btrfs.IsBtrfs(dir)
	if errors.Is(err, os.ErrNotExist) {
		return false, inputErrorf("restore target %s does not exist: create it first (any filesystem will do)", dir)
	}
	if err != nil {
		return false, fmt.Errorf("restore target %s: %w", dir, err)
	}
	return forced || !ok, nil
}

// RestoreNative restores like Restore, applying the chain itself into
// dir/<snapshot> as a plain directory tree, on any filesystem; its report is
// left in r.NativeReport.
func (r *Restorer) RestoreNative(ctx context.Context, host, subvol string, t Target, dir string, o Options) (*manifest.Record, error) {
	if o.Writable != "" {
		return nil, inputErrorf("--writable makes a btrfs snapshot; a native restore is already a writable directory: leave --writable out")
	}
	chain, err := r.Chain(ctx, host, subvol, t)
	if err != nil {
		return nil, err
	}
	target := chain[len(chain)-1]
	if err := refuseExisting(dir, target.Snapshot); err != nil {
		return nil, err
	}
	report, err := r.restoreNative(ctx, chain, dir)
	if err != nil {
		return nil, err
	}
	r.NativeReport = report
	return target, nil
}

// Staging names: hidden, and never the name of a snapshot, so that an
// interrupted restore leaves nothing that looks restored.
func stagingPaths(dir, snapshot string) (tree, work string) {
	return filepath.Join(dir, ".argo-restore-"+snapshot+".partial"), filepath.Join(dir, ".argo-restore-"+snapshot+".work")
}

// restoreNative applies chain (full first) into dir/<snapshot> as a plain
// directory tree. It builds the tree under a staging name and moves it into
// place only when every stream applied and checked; on failure the staging
// directory is removed, and a rerun after a crash replaces what one left.
func (r *Restorer) restoreNative(ctx context.Context, chain []*manifest.Record, dir string) (*sendstream.Report, error) {
	target := chain[len(chain)-1]
	final := filepath.Join(dir, target.Snapshot)
	tree, work := stagingPaths(dir, target.Snapshot)
	for _, p := range []string{tree, work} {
		if _, err := os.Lstat(p); err == nil {
			r.log().Info("removing what an interrupted restore left", "path", p)
		}
		if err := sendstream.RemoveTree(p); err != nil {
			return nil, fmt.Errorf("removing an interrupted restore's %s: %w", p, err)
		}
	}
	if err := makeStaging(dir, tree, work); err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	report, err := r.applyChain(ctx, chain, tree, work)
	if err == nil {
		err = moveIntoPlace(tree, final)
	}
	if err != nil {
		if rmErr := sendstream.RemoveTree(tree); rmErr != nil {
			r.log().Error("could not remove the partial restore: delete it by hand", "path", tree, "err", rmErr)
		}
		if errors.Is(err, syscall.ENOSPC) {
			err = fmt.Errorf("%s: the target ran out of space restoring %s; the partial restore was removed: restore onto a disk with more room: %w", dir, target.Snapshot, err)
		}
		return nil, err
	}
	return report, nil
}

// makeStaging makes the staging and work directories, turning the usual
// reasons it cannot into one clear line.
func makeStaging(dir string, paths ...string) error {
	for _, p := range paths {
		err := os.Mkdir(p, 0o700)
		switch {
		case errors.Is(err, syscall.EROFS):
			return inputErrorf("restore target %s is read-only: mount it read-write or restore elsewhere", dir)
		case errors.Is(err, os.ErrPermission):
			return inputErrorf("restore target %s is not writable by this user: pick a directory you own, or run as root", dir)
		case err != nil:
			return fmt.Errorf("making %s: %w", p, err)
		}
	}
	return nil
}

// applyChain applies every stream of chain into tree, checking each
// stream's sha256 and subvolume UUID against its record.
func (r *Restorer) applyChain(ctx context.Context, chain []*manifest.Record, tree, work string) (*sendstream.Report, error) {
	a, err := sendstream.NewApplier(tree, sendstream.Options{WorkDir: work})
	if err != nil {
		return nil, err
	}
	defer a.Close()
	for i, rec := range chain {
		r.log().Info("apply natively", "snapshot", rec.Snapshot, "stage", fmt.Sprintf("%d/%d", i+1, len(chain)), "bytes", rec.PlainBytes)
		if err := r.applyOne(ctx, a, rec); err != nil {
			return nil, err
		}
	}
	if err := a.Finish(); err != nil {
		return nil, err
	}
	report := a.Report()
	return &report, nil
}

// applyOne streams one backup from the remote into the applier.
func (r *Restorer) applyOne(ctx context.Context, a *sendstream.Applier, rec *manifest.Record) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	type result struct {
		info *sendstream.StreamInfo
		err  error
	}
	applied := make(chan result, 1)
	go func() {
		info, err := a.Apply(ctx, pr)
		closeErr := err
		if closeErr == nil {
			closeErr = errApplyEnded
		}
		pr.CloseWithError(closeErr)
		applied <- result{info, err}
	}()
	r.progress().Start(rec.Snapshot, rec.PlainBytes)
	err := r.writeStream(ctx, rec, pw, r.ahead(), r.progress())
	r.progress().Finish()
	if err != nil {
		cancel()
	}
	pw.CloseWithError(err)
	res := <-applied
	switch {
	case res.err != nil && (err == nil || errors.Is(err, res.err)):
		// the applier stopped first; the writer only saw the pipe close
		return fmt.Errorf("applying %s: %w", rec.Snapshot, res.err)
	case err != nil:
		return err // the download failed or was cancelled
	case res.info.UUID != rec.UUID:
		return fmt.Errorf("snapshot %s: the stream is of subvolume %s, the record says %s", rec.Snapshot, res.info.UUID, rec.UUID)
	}
	return nil
}

// errApplyEnded is what the stream writer sees if the applier stops before
// the whole stream was written.
var errApplyEnded = errors.New("the native restore ended before the stream did")

// moveIntoPlace renames the finished tree to its final name, never over
// something that appeared there meanwhile.
func moveIntoPlace(tree, final string) error {
	err := renameNoReplace(tree, final)
	if errors.Is(err, os.ErrExist) {
		return inputErrorf("%s appeared while restoring: it is never overwritten; the restore was removed", final)
	}
	if err != nil {
		return fmt.Errorf("moving the restored tree into place: %w", err)
	}
	return nil
}
