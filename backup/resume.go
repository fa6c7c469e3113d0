package backup

import (
	"context"
	"fmt"
	"os"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// maxAttempts bounds how often one interrupted push is resumed before it is
// given up and a fresh one starts: a push that fails the same way every
// time must not block all later backups.
const maxAttempts = 5

// resume finishes the interrupted push of sv, if there is one, or discards
// it when it cannot be finished (its snapshot or its parent is gone).
func (p *Pusher) resume(ctx context.Context, sv Subvolume, lease remote.Lease) error {
	j, err := loadJournal(p.State, p.Host, sv.Name)
	if err != nil || j == nil {
		return err
	}
	parent, why := p.resumable(sv, j)
	if why != "" {
		p.discard(ctx, sv, j, why)
		return nil
	}
	j.Attempts++
	if err := j.save(); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	p.log().Info("resuming interrupted backup", "snapshot", j.Snapshot, "parts_stored", len(j.Parts), "attempt", j.Attempts)
	storedBefore := len(j.Parts)
	rec, err := p.finish(ctx, sv, j, parent, lease)
	if err != nil {
		if j.Stream == nil && len(j.Parts) > storedBefore {
			// It got further: a first upload that stops at Drive's daily
			// limit every day must not be given up after maxAttempts days.
			j.Attempts = 0
			if serr := j.save(); serr != nil {
				p.log().Warn("could not update the journal", "path", j.path, "err", serr)
			}
		}
		return p.failed(ctx, sv, j, err)
	}
	p.pruneLocal(ctx, sv, rec)
	return nil
}

// resumable returns the parent record of the journal's push, or why the
// push cannot be resumed.
func (p *Pusher) resumable(sv Subvolume, j *pushJournal) (*manifest.Record, string) {
	if j.Record != nil {
		// Killed around the commit: the record may already be on the
		// remote. Committing again needs only the record, so the backup is
		// finished even if its snapshot has gone since, never discarded.
		return nil, ""
	}
	if _, err := os.Lstat(sv.snapshotPath(j.Snapshot)); err != nil {
		return nil, "its snapshot is gone"
	}
	if j.Attempts >= maxAttempts {
		return nil, fmt.Sprintf("it failed %d times", j.Attempts)
	}
	if j.PartSize != p.PartSize && j.Record == nil {
		return nil, "part_size changed"
	}
	if j.Parent == "" {
		return nil, ""
	}
	if _, err := os.Lstat(sv.snapshotPath(j.Parent)); err != nil && j.Record == nil {
		return nil, "its parent snapshot " + j.Parent + " is gone"
	}
	records, err := p.State.Records(p.Host, sv.Name)
	if err != nil {
		return nil, err.Error()
	}
	for _, r := range records {
		if r.Snapshot == j.Parent {
			return r, ""
		}
	}
	return nil, "its parent " + j.Parent + " is no longer a committed backup"
}

// discard gives up an unfinished push: its journal, its local snapshot and
// the parts it stored. Nothing of it was committed, so nothing is lost.
func (p *Pusher) discard(ctx context.Context, sv Subvolume, j *pushJournal, why string) {
	ctx = context.WithoutCancel(ctx)
	p.log().Warn("discarding unfinished backup", "snapshot", j.Snapshot, "why", why)
	dir := remote.SnapshotDir(p.Host, sv.Name, j.Snapshot)
	if entries, err := p.Store.List(ctx, dir); err == nil {
		for _, e := range entries {
			if err := p.Store.Delete(ctx, e.Name); err != nil {
				p.log().Warn("could not delete a part of the unfinished backup: prune removes it later", "object", e.Name, "err", err)
			}
		}
		removeEmptyDir(ctx, p.Store, p.Host, entries)
	}
	path := sv.snapshotPath(j.Snapshot)
	if _, err := os.Lstat(path); err == nil {
		if err := btrfs.Delete(ctx, path); err != nil {
			p.log().Warn("could not delete the unfinished snapshot", "snapshot", path, "err", err)
		}
	}
	if err := j.remove(); err != nil {
		p.log().Warn("could not remove the journal", "path", j.path, "err", err)
	}
}
