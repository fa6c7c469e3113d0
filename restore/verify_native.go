package restore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/sendstream"
)

// nativeScope proves each backup in scope restores without btrfs: its
// chain is applied natively (no root, no loop device) into a scratch
// directory (Scratch, else the system's temporary directory), every part's
// hashes and the stream's UUID checked against the record, and with Deep
// the tree is compared with the local snapshot. Backups are taken oldest
// first, so a backup whose chain continues the tree already built costs
// only its own stream; otherwise the tree starts over. The scratch
// directory is removed at the end.
func (v *Verifier) nativeScope(ctx context.Context, sc *scope, o VerifyOptions) (err error) {
	t := &nativeTree{v: v}
	defer func() {
		if closeErr := t.close(); closeErr != nil && err == nil {
			err = closeErr
		}
	}()
	for _, rec := range sc.order {
		if sc.needsDamaged(rec) {
			continue // propagate says why
		}
		applyErr := t.advance(ctx, sc.chains[rec.Snapshot])
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case noSpace(applyErr):
			return fmt.Errorf("the scratch directory %s is full: pass --scratch DIR with more room: %w", t.scratch, applyErr)
		case applyErr != nil:
			sc.check(rec).fail(problemOf(rec.Snapshot, applyErr))
			if err := t.close(); err != nil {
				return err
			}
			continue
		}
		if o.Deep {
			if err := compareLocal(sc.check(rec), o.LocalSnapshots, rec, t.scratch); err != nil {
				return err
			}
		}
	}
	return nil
}

// nativeTree is the tree verify --native builds: scratch/<snapshot of the
// last applied stream>, and the chain applied so far.
type nativeTree struct {
	v       *Verifier
	scratch string
	tree    string
	applied []*manifest.Record
	a       *sendstream.Applier
}

// advance brings the tree to the end of chain: only the missing streams if
// chain continues what is applied, else from a fresh tree.
func (t *nativeTree) advance(ctx context.Context, chain []*manifest.Record) error {
	if len(t.applied) > len(chain) || !slices.Equal(t.applied, chain[:len(t.applied)]) {
		if err := t.close(); err != nil {
			return err
		}
	}
	if t.a == nil {
		if err := t.open(chain[0].Snapshot); err != nil {
			return err
		}
	}
	for _, rec := range chain[len(t.applied):] {
		if err := t.v.applyOne(ctx, t.a, rec); err != nil {
			return err
		}
		t.applied = append(t.applied, rec)
		next := filepath.Join(t.scratch, rec.Snapshot)
		if next == t.tree {
			continue
		}
		if err := os.Rename(t.tree, next); err != nil {
			return fmt.Errorf("renaming the verify tree: %w", err)
		}
		t.tree = next
	}
	return nil
}

func (t *nativeTree) open(name string) error {
	scratch, err := os.MkdirTemp(t.v.Scratch, "argo-verify-native-")
	if err != nil {
		return fmt.Errorf("verify scratch directory: %w", err)
	}
	t.scratch, t.tree = scratch, filepath.Join(scratch, name)
	work := filepath.Join(scratch, ".work")
	if err := makeStaging(scratch, t.tree, work); err != nil {
		return err
	}
	t.a, err = sendstream.NewApplier(t.tree, sendstream.Options{WorkDir: work})
	return err
}

// close removes the tree and forgets it.
func (t *nativeTree) close() error {
	if t.a != nil {
		t.a.Close()
	}
	var err error
	if t.scratch != "" {
		if err = os.RemoveAll(t.scratch); err != nil {
			err = fmt.Errorf("removing the verify tree %s: %w", t.scratch, err)
		}
	}
	*t = nativeTree{v: t.v}
	return err
}
