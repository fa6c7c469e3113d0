package restore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/manifest"
)

// The stages of an interrupted restore: what is already received in the
// target, under its own name or its staging name (staging.go), and what an
// interrupted run left half done.

// tidyStaged deals with the staged stages an interrupted restore left below
// the one this run started from (killed after receiving a stage, before
// deleting its parent): kept under their own names with keepChain, else
// deleted, so that a finished restore leaves no staging entry.
func (r *Restorer) tidyStaged(ctx context.Context, below []*manifest.Record, dir string, keepChain bool) {
	for _, rec := range below {
		path := filepath.Join(dir, StagingName(rec.Snapshot))
		if _, err := os.Lstat(path); err != nil {
			continue
		}
		if keepChain {
			if err := Promote(dir, rec.Snapshot); err == nil {
				continue
			}
		}
		if err := btrfs.Delete(ctx, path); err != nil {
			r.log().Warn("could not delete an interrupted restore's stage", "path", path, "err", err)
		}
	}
}

// stage makes sure stage i of chain is received in dir and reports whether
// it is under its staging name.
func (r *Restorer) stage(ctx context.Context, chain []*manifest.Record, i int, dir string) (staged bool, err error) {
	rec := chain[i]
	name, err := present(dir, rec)
	if err != nil {
		return false, err
	}
	if name != "" {
		r.log().Info("already received", "snapshot", rec.Snapshot, "as", name)
		return name != rec.Snapshot, nil
	}
	r.log().Info("receive", "snapshot", rec.Snapshot, "stage", fmt.Sprintf("%d/%d", i+1, len(chain)), "bytes", rec.PlainBytes)
	return true, r.receive(ctx, rec, dir, i == 0)
}

// present returns the name under which rec is already received in dir (its
// own or its staging name), or "". Anything else under its own name is
// refused: it is never overwritten.
func present(dir string, rec *manifest.Record) (string, error) {
	for _, name := range []string{rec.Snapshot, StagingName(rec.Snapshot)} {
		path := filepath.Join(dir, name)
		if _, err := os.Lstat(path); err != nil {
			continue
		}
		if ok, _ := isReceived(path, rec); ok {
			return name, nil
		}
		if name == rec.Snapshot {
			return "", inputErrorf("%s already exists and is not the received backup %s: remove it or restore elsewhere", path, rec.Snapshot)
		}
	}
	return "", nil
}

// discardHalfStaged deletes the staging subvolumes of chain that an
// interrupted restore left incomplete. They are restore's own.
func (r *Restorer) discardHalfStaged(ctx context.Context, chain []*manifest.Record, dir string) error {
	for _, rec := range chain {
		path := filepath.Join(dir, StagingName(rec.Snapshot))
		if _, err := os.Lstat(path); err != nil {
			continue
		}
		if ok, _ := isReceived(path, rec); ok {
			continue
		}
		r.log().Info("removing an interrupted restore's incomplete stage", "path", path)
		if err := btrfs.Delete(ctx, path); err != nil {
			return fmt.Errorf("removing the incomplete %s: %w", path, err)
		}
	}
	return nil
}

// deepestPresent returns the index of the last stage of chain already
// received in dir, or 0.
func deepestPresent(chain []*manifest.Record, dir string) (int, error) {
	for i := len(chain) - 1; i > 0; i-- {
		name, err := present(dir, chain[i])
		if err != nil {
			return 0, err
		}
		if name != "" {
			return i, nil
		}
	}
	return 0, nil
}

// isReceived reports whether path is the complete received backup rec:
// btrfs receive sets the received UUID and then the read-only flag only
// after the stream's END.
func isReceived(path string, rec *manifest.Record) (bool, error) {
	info, err := btrfs.Info(path)
	if err != nil {
		return false, err
	}
	return info.ReceivedUUID == rec.UUID && info.ReadOnly, nil
}
