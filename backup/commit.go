package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// errParentMismatch marks a stream whose parent is not the record we chose:
// committing it would make a chain that cannot be restored.
var errParentMismatch = errors.New("the stream's parent does not match")

// finish brings the push in j to its commit, from wherever it stopped: it
// sends (reusing stored parts), or, when the stream was complete, goes
// straight to the record. lease is the remote lock commit confirms.
func (p *Pusher) finish(ctx context.Context, sv Subvolume, j *pushJournal, parent *manifest.Record, lease remote.Lease) (*manifest.Record, error) {
	if j.Record != nil {
		var rec manifest.Record
		if err := json.Unmarshal(j.Record, &rec); err == nil {
			return &rec, p.commit(ctx, j, &rec, lease)
		}
	}
	if j.Stream == nil || !p.allStored(ctx, sv, j) {
		committed, _ := p.State.Records(p.Host, sv.Name)
		p.progress().Start(j.Snapshot, p.estimateSize(ctx, sv, committed, parent == nil))
		sum, parts, err := p.storeStream(ctx, sv, j, sv.snapshotPath(j.Snapshot), p.sendOptions(sv, j))
		p.progress().Finish()
		if err != nil {
			return nil, err
		}
		if err := p.dropStaleParts(ctx, sv, j, len(parts)); err != nil {
			return nil, err
		}
		j.mu.Lock()
		j.Stream, j.Parts = sum, parts
		j.mu.Unlock()
		if err := j.save(); err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
	}
	if parent != nil && j.Stream.ParentUUID != parent.UUID {
		return nil, fmt.Errorf("%w: stream names %s, the record of %s says %s: not committed",
			errParentMismatch, j.Stream.ParentUUID, parent.Snapshot, parent.UUID)
	}
	rec, err := p.record(sv, j, parent)
	if err != nil {
		return nil, err
	}
	return rec, p.commit(ctx, j, rec, lease)
}

// allStored reports whether every part the journal lists is on the remote.
func (p *Pusher) allStored(ctx context.Context, sv Subvolume, j *pushJournal) bool {
	for _, part := range j.Parts {
		if !p.stillStored(ctx, remote.PartName(p.Host, sv.Name, j.Snapshot, part.Index), part) {
			return false
		}
	}
	return len(j.Parts) > 0
}

// dropStaleParts deletes parts beyond the end of the stream: left by an
// interrupted push whose re-sent stream came out shorter.
func (p *Pusher) dropStaleParts(ctx context.Context, sv Subvolume, j *pushJournal, n int) error {
	entries, err := p.Store.List(ctx, remote.SnapshotDir(p.Host, sv.Name, j.Snapshot))
	if err != nil {
		return fmt.Errorf("list parts of %s: %w", j.Snapshot, err)
	}
	for _, e := range entries {
		_, _, _, file, ok := remote.ParsePath(e.Name)
		if !ok {
			continue
		}
		if i, isPart := remote.ParsePartFile(file); isPart && i >= n {
			if err := p.Store.Delete(ctx, e.Name); err != nil {
				return fmt.Errorf("delete stale part %s: %w", e.Name, err)
			}
		}
	}
	return nil
}

func (p *Pusher) record(sv Subvolume, j *pushJournal, parent *manifest.Record) (*manifest.Record, error) {
	_, created, err := manifest.ParseSnapshotName(j.Snapshot)
	if err != nil {
		return nil, err
	}
	s := j.Stream
	rec := &manifest.Record{
		Format:           manifest.FormatVersion,
		ToolVersion:      p.ToolVersion,
		Host:             p.Host,
		Subvolume:        sv.Name,
		SourcePath:       sv.Path,
		Snapshot:         j.Snapshot,
		UUID:             s.UUID,
		CTransID:         s.CTransID,
		Created:          created,
		SendProto:        int(s.Version),
		CompressionLevel: p.CompressionLevel,
		PartSize:         j.PartSize,
		PlainBytes:       s.Bytes,
		StreamSHA256:     s.SHA256,
		Parts:            j.Parts,
	}
	for _, part := range j.Parts {
		rec.StoredBytes += part.StoredBytes
	}
	p.recordPlacement(sv, rec)
	if j.Proto2 {
		rec.SendFlags = []string{"--proto", "2", "--compressed-data"}
	}
	if parent != nil {
		rec.Parent = parent.Snapshot
		rec.ParentUUID = s.ParentUUID
		rec.ParentCTransID = s.ParentCTransID
		rec.Depth = parent.Depth + 1
	}
	return rec, nil
}

// commit writes the record, the commit point of a backup, then keeps its
// plaintext copy in state_dir. The record goes into the journal first, so
// that a push killed around the commit finds it again; the lease must be
// confirmed ours before the record is written.
func (p *Pusher) commit(ctx context.Context, j *pushJournal, rec *manifest.Record, lease remote.Lease) error {
	if rec.Committed.IsZero() {
		rec.Committed = p.now()
	}
	if err := p.addExpected(rec); err != nil {
		return err
	}
	data, err := manifest.EncodeRecord(rec)
	if err != nil {
		return fmt.Errorf("record of %s: %w", rec.Snapshot, err)
	}
	j.mu.Lock()
	j.Record = data
	j.mu.Unlock()
	if err := j.save(); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if err := lease.Confirm(ctx); err != nil {
		return fmt.Errorf("not committed: %w", err)
	}
	object, err := p.signRecord(data)
	if err != nil {
		return err
	}
	sealed, err := crypto.Encrypt(p.Recipients, object)
	if err != nil {
		return fmt.Errorf("encrypt record: %w", err)
	}
	p.checkpoint(ctx, BeforeRecord, -1)
	if err := p.Store.Put(ctx, remote.RecordName(p.Host, rec.Subvolume, rec.Snapshot), sealed); err != nil {
		return fmt.Errorf("write record of %s: %w", rec.Snapshot, err)
	}
	p.checkpoint(ctx, AfterRecord, -1)
	if err := p.State.SaveRecord(rec); err != nil {
		return fmt.Errorf("backup %s is committed on the remote, but its local copy failed: %w", rec.Snapshot, err)
	}
	if err := j.remove(); err != nil {
		return fmt.Errorf("backup %s is committed, but its journal could not be removed: %w", rec.Snapshot, err)
	}
	p.markReadBack(j, rec)
	p.log().Debug("committed", "snapshot", rec.Snapshot, "bytes", rec.PlainBytes, "stored", rec.StoredBytes, "parts", len(rec.Parts))
	return nil
}
