package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/restore"
)

// restorePaths is restore --path: only those paths of one backup, from
// its file index and the parts holding their bytes, into
// DIR/<snapshot>/PATH on any filesystem.
func (a *app) restorePaths(ctx context.Context, names []string, f restoreFlags) error {
	spec := f.snapshot
	switch {
	case f.json:
		return errs.Userf("restore --path prints text: drop --json")
	case f.at != "":
		return errs.Userf("restore --path takes --snapshot NAME (or SUBVOL for its latest), not --at")
	case spec == "" && len(names) == 1:
		spec = names[0] + ":latest"
	case spec == "" && len(names) > 1:
		return errs.Userf("restore --path restores from one backup: give one SUBVOL or --snapshot")
	}
	b, err := a.browser(ctx, f.identity, f.host)
	if err != nil {
		return err
	}
	rec, err := b.resolve(ctx, spec)
	if err != nil {
		return err
	}
	t, err := b.tree(ctx, rec)
	if err != nil {
		return err
	}
	for _, p := range f.paths { // all checked before anything is written
		if _, err := lookup(t, rec, p); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(f.to, 0o755); err != nil {
		return errs.Userf("--to %s: %v", f.to, err)
	}
	into, err := os.OpenRoot(f.to)
	if err != nil {
		return fmt.Errorf("open %s: %w", f.to, err)
	}
	defer into.Close()
	recs, _ := b.records(ctx, rec.Subvolume)
	x := &restore.Extract{Tree: t, Streams: restore.NewPartStreams(b.cat, b.host, recs), Into: into, Name: rec.Snapshot, AsRoot: os.Geteuid() == 0}
	if err := x.Paths(ctx, f.paths); err != nil {
		return err
	}
	for _, s := range x.Skipped {
		fmt.Fprintf(a.stdout, "not restored: %s\n", s)
	}
	if x.OwnersLeft > 0 {
		fmt.Fprintf(a.stdout, "NOT restored: owners of %d paths (not running as root; they belong to you, without setuid/setgid bits)\n", x.OwnersLeft)
	}
	dir := filepath.Join(f.to, rec.Snapshot)
	fmt.Fprintf(a.stdout, "restored %d path(s) of %s into %s\n", len(f.paths), rec.Snapshot, dir)
	return nil
}
