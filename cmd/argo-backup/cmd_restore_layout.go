package main

import (
	"context"
	"fmt"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/restore"
)

// restoreLayout is restore --layout: the plan from the records, printed,
// then (unless --dry-run) carried out.
func (a *app) restoreLayout(ctx context.Context, names []string, target restore.Target, f restoreFlags) error {
	if f.snapshot != "" {
		return errs.Userf("--layout restores every subvolume: choose the time with --at, not --snapshot")
	}
	if f.native {
		return errs.Userf("--layout makes btrfs subvolumes for the old fstab; --native makes plain directories: drop --native")
	}
	if f.writable != "" || f.keepChain {
		return errs.Userf("--layout names every subvolume itself and keeps what the next push needs: drop --writable and --keep-chain")
	}
	if !f.dryRun {
		if err := requireRoot("restore"); err != nil {
			return err
		}
	}
	host := a.hostOr(f.host)
	cat, err := a.catalog(ctx, f.identity)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		if names, err = a.remoteSubvolumes(ctx, cat, host); err != nil {
			return err
		}
	}
	r := &restore.Restorer{Catalog: *cat, Log: a.log}
	var targets []*manifest.Record
	for _, subvol := range names {
		chain, err := r.Chain(ctx, host, subvol, target)
		if err != nil {
			return fmt.Errorf("restore %s: %w", subvol, err)
		}
		targets = append(targets, chain[len(chain)-1])
	}
	plan, err := restore.PlanLayout(targets)
	if err != nil {
		return err
	}
	plan.Describe(a.stdout, f.to)
	if f.dryRun {
		return restore.CheckLayoutTarget(f.to, plan)
	}
	if bar := a.progress(); bar != nil {
		r.Progress = bar
	}
	if err := r.RestoreLayout(ctx, host, plan, f.to); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, layoutDone(f.to, plan.FSUUID))
	return nil
}

// layoutDone says whether the old fstab's UUID= lines fit the new disk as
// they are, or must be changed (the disk was not made with mkfs.btrfs -U).
func layoutDone(dir, oldUUID string) string {
	uuid, err := btrfs.FSUUID(dir)
	switch {
	case err == nil && uuid == oldUUID:
		return fmt.Sprintf("done: %s holds the layout, on a filesystem with the old UUID %s: the old fstab's UUID= lines fit", dir, oldUUID)
	case err == nil:
		return fmt.Sprintf("done: %s holds the layout; its filesystem has UUID %s, the old fstab names %s: change those UUID= lines (docs/disaster-recovery.md step 7)", dir, uuid, oldUUID)
	}
	return fmt.Sprintf("done: %s holds the layout; the old fstab names filesystem UUID %s", dir, oldUUID)
}
