package restore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// nativeScope proves each backup in scope restores without btrfs: its
// chain is applied natively (no root, no loop device) into a scratch
// directory (Scratch, else the system's temporary directory), every part's
// hashes and the stream's UUID checked against the record, and with Deep
// the tree is compared with the local snapshot. Each tree is removed once
// checked.
func (v *Verifier) nativeScope(ctx context.Context, sc *scope, o VerifyOptions) error {
	for _, rec := range sc.order {
		if sc.needsDamaged(rec) {
			continue // propagate says why
		}
		scratch, err := os.MkdirTemp(v.Scratch, "argo-verify-native-")
		if err != nil {
			return fmt.Errorf("verify scratch directory: %w", err)
		}
		err = v.nativeOne(ctx, sc, o, rec.Snapshot, scratch)
		if rmErr := os.RemoveAll(scratch); rmErr != nil && err == nil {
			err = fmt.Errorf("removing the verify tree %s: %w", scratch, rmErr)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// nativeOne applies and checks one backup's chain in scratch. Damage goes
// into the report; the error is for what stops verify itself.
func (v *Verifier) nativeOne(ctx context.Context, sc *scope, o VerifyOptions, snapshot, scratch string) error {
	rec := sc.chains[snapshot][len(sc.chains[snapshot])-1]
	tree, work := filepath.Join(scratch, snapshot), filepath.Join(scratch, ".work")
	if err := makeStaging(scratch, tree, work); err != nil {
		return err
	}
	_, err := v.applyChain(ctx, sc.chains[snapshot], tree, work)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case noSpace(err):
		return fmt.Errorf("the scratch directory %s is full: pass --scratch DIR with more room: %w", scratch, err)
	case err != nil:
		sc.check(rec).fail(problemOf(rec.Snapshot, err))
		return nil
	}
	if o.Deep {
		return compareLocal(sc.check(rec), o.LocalSnapshots, rec, scratch)
	}
	return nil
}
