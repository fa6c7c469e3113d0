package restore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/manifest"
)

// restoreScope receives every backup in scope, oldest first, into a fresh
// btrfs on a loop device, as a restore would: every part's hashes and every
// received UUID are checked on the way. The filesystem is torn down however
// this ends. If it fills up, it is made once more at twice the size.
func (v *Verifier) restoreScope(ctx context.Context, sc *scope, o VerifyOptions) error {
	if len(sc.order) == 0 {
		return nil
	}
	size := imageSize(sc.order)
	for attempt := 1; ; attempt++ {
		full, err := v.receiveInto(ctx, sc, o, size)
		if !full || attempt == 2 {
			return err
		}
		v.log().Warn("the verify filesystem is full: trying again with one twice the size", "bytes", 2*size)
		size *= 2
	}
}

// imageSize is about 1.5 times the raw streams plus 1 GiB: a sparse image
// costs only what is written, and btrfs needs room for its metadata.
func imageSize(recs []*manifest.Record) int64 {
	var raw int64
	for _, r := range recs {
		raw += r.PlainBytes
	}
	return raw + raw/2 + 1<<30
}

// receiveInto does one attempt of restoreScope on a filesystem of size
// bytes. full reports that it ran out of space, so the checks it made are
// void.
func (v *Verifier) receiveInto(ctx context.Context, sc *scope, o VerifyOptions, size int64) (full bool, err error) {
	fs, err := btrfs.NewLoopFS(ctx, v.Scratch, size, "")
	if err != nil {
		return false, fmt.Errorf("verify filesystem in %s: %w", v.Scratch, err)
	}
	defer func() {
		if closeErr := fs.Close(); closeErr != nil {
			err = errors.Join(err, fmt.Errorf("%w: check 'losetup -a' and 'findmnt -t btrfs'", closeErr))
		}
	}()
	if v.TestHook != nil {
		v.TestHook(ctx, fs.Dir)
	}
	sc.reset()
	for _, rec := range sc.order {
		if sc.needsDamaged(rec) {
			continue // propagate says why
		}
		err := v.Replay(ctx, sc.chains[rec.Snapshot], fs.Dir, true)
		switch {
		case ctx.Err() != nil:
			return false, ctx.Err()
		case noSpace(err):
			return true, err
		case err != nil:
			sc.check(rec).fail(problemOf(rec.Snapshot, err))
			continue
		}
		if o.Deep {
			if err := compareLocal(sc.check(rec), o.LocalSnapshots, rec, fs.Dir); err != nil {
				return false, err
			}
		}
	}
	return false, nil
}

// reset forgets what an earlier attempt found about the backups in scope.
func (sc *scope) reset() {
	for _, r := range sc.order {
		delete(sc.byName, r.Snapshot)
		sc.check(r)
	}
}

// needsDamaged reports whether a backup r builds on is damaged.
func (sc *scope) needsDamaged(r *manifest.Record) bool {
	chain := sc.chains[r.Snapshot]
	for _, a := range chain[:len(chain)-1] {
		if len(sc.byName[a.Snapshot].Problems) > 0 {
			return true
		}
	}
	return false
}

func noSpace(err error) bool {
	return err != nil && (errors.Is(err, syscall.ENOSPC) || strings.Contains(err.Error(), "No space left on device"))
}

// compareLocal compares the received tree of rec with the local snapshot of
// the same name, if it still exists.
func compareLocal(c *Check, localDir string, rec *manifest.Record, received string) error {
	local := filepath.Join(localDir, rec.Snapshot)
	if localDir == "" {
		c.Note = "no local snapshots to compare with"
		return nil
	}
	if _, err := os.Lstat(local); errors.Is(err, os.ErrNotExist) {
		c.Note = "local snapshot gone, tree not compared"
		return nil
	}
	diffs, err := CompareTrees(local, filepath.Join(received, rec.Snapshot))
	if err != nil {
		return fmt.Errorf("comparing %s with the received backup: %w", local, err)
	}
	c.Compared = true
	for _, d := range diffs {
		if d.Path == "." && d.What == "mtime" {
			// A full stream may set the root's times before later renames
			// into the root, which then touch it on the receiving side:
			// plain btrfs send | btrfs receive does the same.
			c.Note = "root directory mtime not reproduced by btrfs receive (a btrfs limitation)"
			continue
		}
		c.Differences = append(c.Differences, d)
	}
	return nil
}
