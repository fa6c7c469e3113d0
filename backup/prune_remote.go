package backup

import (
	"context"
	"errors"
	"fmt"
	"path"

	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// snapshotDir is one backup's directory on the remote, as listed.
type snapshotDir struct {
	name      string
	objects   []remote.Entry
	hasRecord bool
}

func (d *snapshotDir) bytes() int64 {
	var n int64
	for _, e := range d.objects {
		n += e.Size
	}
	return n
}

// listSnapshotDirs lists host/subvol on the remote in one go and groups
// the objects by snapshot. Duplicate names (Drive allows them) are refused:
// deleting one of two copies would leave the other behind unnoticed.
func listSnapshotDirs(ctx context.Context, s Store, host, subvol string) (map[string]*snapshotDir, error) {
	entries, err := s.List(ctx, path.Join(host, subvol))
	if err != nil {
		return nil, err
	}
	dirs := make(map[string]*snapshotDir)
	for _, e := range entries {
		h, sv, snap, file, ok := remote.ParsePath(e.Name)
		if !ok || h != host || sv != subvol {
			continue
		}
		d := dirs[snap]
		if d == nil {
			d = &snapshotDir{name: snap}
			dirs[snap] = d
		}
		d.objects = append(d.objects, e)
		d.hasRecord = d.hasRecord || remote.IsRecord(file)
	}
	return dirs, nil
}

// deleteBackup deletes one committed backup, in an order that a prune
// killed at any step leaves readable (state_pruning.go): the state_dir copy
// of its record moves to pruning/ first, so that status, verify and push no
// longer count it; the record goes next, which un-commits the backup in one
// step, so restore never finds a record whose parts are half gone; then the
// parts; the pruning/ copy goes last. The next prune finishes what a killed
// one started. resumed says an earlier prune had marked it already.
func (p *Pruner) deleteBackup(ctx context.Context, rec *manifest.Record, dir *snapshotDir, resumed bool) error {
	if err := p.State.MarkPruning(rec); err != nil {
		return err
	}
	p.checkpoint(ctx, PruneMarked, rec.Snapshot)
	record := remote.RecordName(p.Host, rec.Subvolume, rec.Snapshot)
	if err := p.Store.Delete(ctx, record); err != nil && !errors.Is(err, remote.ErrNotFound) {
		err = fmt.Errorf("deleting the record of %s: %w", rec.Snapshot, err)
		if !resumed { // nothing is deleted: it is still a backup
			err = errors.Join(err, p.State.UnmarkPruning(rec))
		}
		return err
	}
	p.checkpoint(ctx, PruneRecordDeleted, rec.Snapshot)
	if err := p.deleteObjects(ctx, dir, record); err != nil {
		return fmt.Errorf("%s is no longer a backup, but some of its parts are left (the next prune deletes them): %w", rec.Snapshot, err)
	}
	p.checkpoint(ctx, PrunePartsDeleted, rec.Snapshot)
	if err := p.State.RemoveRecord(rec); err != nil {
		return fmt.Errorf("removing the state_dir copy of %s's record: %w", rec.Snapshot, err)
	}
	return nil
}

// deleteObjects deletes every listed object of dir but skip. Objects
// already gone count as deleted: an earlier prune may have stopped half-way.
func (p *Pruner) deleteObjects(ctx context.Context, dir *snapshotDir, skip string) error {
	if dir == nil {
		return nil
	}
	for _, e := range dir.objects {
		if e.Name == skip {
			continue
		}
		if err := p.Store.Delete(ctx, e.Name); err != nil && !errors.Is(err, remote.ErrNotFound) {
			return err
		}
	}
	removeEmptyDir(ctx, p.Store, p.Host, dir.objects)
	return nil
}

// removeEmptyDir removes the directory the objects were in, if the remote
// has directories (local, SFTP, WebDAV, Drive) and it is now empty, so that
// pruned snapshots do not linger as empty folders.
func removeEmptyDir(ctx context.Context, s Store, host string, objects []remote.Entry) {
	if len(objects) == 0 {
		return
	}
	h, subvol, snapshot, _, parsed := remote.ParsePath(objects[0].Name)
	if parsed && h == host {
		_ = s.RemoveEmptyDir(ctx, remote.SnapshotDir(h, subvol, snapshot)) // best effort: only tidiness is at stake
	}
}
