package restore

import (
	"context"
	"errors"
	"fmt"
	"math"
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
	room, err := freeBytes(v.Scratch)
	if err != nil {
		return err
	}
	size := imageSize(sc.order, room)
	for attempt := 1; ; attempt++ {
		full, err := v.receiveInto(ctx, sc, o, size)
		if !full || attempt == 2 || size >= room {
			return err
		}
		size = min(2*size, room)
		v.log().Warn("the verify filesystem is full: trying again with a larger one", "bytes", size)
	}
}

// imageSize is about 1.5 times the raw streams plus 1 GiB: a sparse image
// costs only what is written, and btrfs needs room for its metadata. The
// streams' sizes are the records' claims, so the image is never larger than
// the room the scratch directory has: past that, btrfs would see I/O errors
// instead of a clean ENOSPC.
func imageSize(recs []*manifest.Record, room int64) int64 {
	var raw int64
	for _, r := range recs {
		raw = min(raw+r.PlainBytes, room) // no overflow, whatever the claims
	}
	return max(min(raw+raw/2+1<<30, room), minImageSize)
}

// minImageSize is comfortably above what mkfs.btrfs accepts.
const minImageSize = 256 << 20

// freeBytes is the space left for use in dir's filesystem.
func freeBytes(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("verify scratch directory: %w", err)
	}
	return int64(min(st.Bavail*uint64(st.Bsize), math.MaxInt64/2)), nil
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
