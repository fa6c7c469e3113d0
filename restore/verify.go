package restore

import (
	"context"
	"time"
)

// Verifier proves that backups restore. By default it receives each chain
// into a throw-away btrfs on a loop device, exactly as a restore would;
// Quick checks every object on the remote without a filesystem.
type Verifier struct {
	Restorer
	Scratch string // directory for the loop image and its mount point

	// TestHook, when set, is called with the scratch filesystem mounted,
	// before anything is received into it: the SIGKILL test of verify
	// (cmd/argo-backup) stops there and kills it. Never set otherwise.
	TestHook func(ctx context.Context, mounted string)
}

// VerifyOptions are the choices of one verify.
type VerifyOptions struct {
	Snapshot string // verify this backup (with its chain); "" is the newest
	All      bool   // verify every backup of the subvolume
	Quick    bool   // no filesystem: objects, hashes and stream framing only
	// Deep also compares each received tree with the local snapshot of the
	// same name under LocalSnapshots, while it still exists.
	Deep           bool
	LocalSnapshots string
	// Native applies the chains with sendstream.Applier into a scratch
	// directory instead of btrfs receive on a loop device: no root needed.
	Native bool
}

// Mode names the kind of verification o asks for, for the report.
func (o VerifyOptions) Mode() string {
	switch {
	case o.Quick:
		return "quick"
	case o.Native && o.Deep:
		return "native-deep"
	case o.Native:
		return "native"
	case o.Deep:
		return "deep"
	}
	return "restore"
}

// Verify checks the backups of host/subvol that o selects and reports on
// each. Damage is in the report, not in the error: the error is for what
// stopped the verification itself (an unreachable remote, no loop device,
// a cancelled ctx) and for a target that does not exist (errs.UserError).
func (v *Verifier) Verify(ctx context.Context, host, subvol string, o VerifyOptions) (*Report, error) {
	start := time.Now()
	inv, err := v.inventory(ctx, host, subvol)
	if err != nil {
		return nil, err
	}
	sc, err := inv.scope(host, subvol, o)
	if err != nil {
		return nil, err
	}
	switch {
	case o.Quick:
		err = v.quick(ctx, sc)
	case o.Native:
		err = v.nativeScope(ctx, sc, o)
	default:
		err = v.restoreScope(ctx, sc, o)
	}
	if err != nil {
		return nil, err
	}
	sc.propagate(o.Quick)
	if err := v.checkIndexes(ctx, sc); err != nil {
		return nil, err
	}
	return &Report{Host: host, Subvolume: subvol, Mode: o.Mode(), Checks: sc.checks(),
		Notes: inv.notes, Seconds: time.Since(start).Seconds()}, nil
}
