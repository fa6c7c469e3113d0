package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// RecordReader reads and decrypts the records on the remote, and the file
// indexes they name (restore.Catalog is one). Reading them needs an
// identity, which a machine that only pushes does not hold.
type RecordReader interface {
	Records(ctx context.Context, host, subvol string) ([]*manifest.Record, error)
	// SaveIndex writes the plain index of rec, checked as browsing checks
	// it, to w.
	SaveIndex(ctx context.Context, host string, rec *manifest.Record, w io.Writer) error
}

// rebuildState puts back the record copies of sv in state_dir when they are
// gone (state_dir lost with a disk, or wiped) while the remote still holds
// the backups. Without them push would know no parent and send a full, and
// prune and list would not know the chain. The records can only be read
// with an identity: without one (or with the wrong one) push starts a new
// full chain and says why, because a backup now is worth more than the
// bytes a full costs.
func (p *Pusher) rebuildState(ctx context.Context, sv Subvolume) error {
	have, err := p.State.Records(p.Host, sv.Name)
	if err != nil || (len(have) > 0 && !restoredAhead(sv, have)) {
		return err
	}
	stored, err := p.remoteRecordCount(ctx, sv)
	if err != nil || stored == 0 {
		return err
	}
	newChain := func(why string) {
		p.log().Warn("state_dir lacks records of this subvolume that the remote holds (state_dir lost, or restored from an older backup): "+
			"they cannot be read back, so this backup starts a new full chain",
			"subvolume", sv.Name, "remote_backups", stored, "why", why)
	}
	if p.RemoteRecords == nil {
		newChain("no identity configured")
		return nil
	}
	reader, err := p.RemoteRecords(ctx)
	if err != nil {
		newChain(err.Error())
		return nil
	}
	recs, err := reader.Records(ctx, p.Host, sv.Name)
	if errors.Is(err, crypto.ErrWrongIdentity) {
		newChain(err.Error())
		return nil
	}
	if err != nil {
		return fmt.Errorf("rebuild state_dir from the remote: %w", err)
	}
	pruning, err := p.State.Pruning(p.Host, sv.Name)
	if err != nil {
		return fmt.Errorf("rebuild state_dir from the remote: %w", err)
	}
	recs = withoutSnapshots(recs, pruning) // an interrupted prune's: the next prune deletes them
	saved := 0
	for _, r := range recs {
		if r.Host != p.Host || r.Subvolume != sv.Name {
			p.log().Warn("ignoring a record filed under the wrong name", "snapshot", r.Snapshot, "host", r.Host, "subvolume", r.Subvolume)
			continue
		}
		if err := p.State.SaveRecord(r); err != nil {
			return fmt.Errorf("rebuild state_dir from the remote: %w", err)
		}
		saved++
	}
	p.log().Info("rebuilt state_dir from the records on the remote", "subvolume", sv.Name, "records", saved)
	return nil
}

// remoteRecordCount counts the committed backups of sv on the remote. It
// needs no identity: object names are not encrypted.
func (p *Pusher) remoteRecordCount(ctx context.Context, sv Subvolume) (int, error) {
	entries, err := p.Store.List(ctx, path.Join(p.Host, sv.Name))
	if err != nil {
		return 0, fmt.Errorf("list the backups of %s on the remote: %w", sv.Name, err)
	}
	n := 0
	for _, e := range entries {
		if _, _, _, file, ok := remote.ParsePath(e.Name); ok && remote.IsRecord(file) {
			n++
		}
	}
	return n, nil
}

// warnParentGone says why a push that could have been incremental is a
// full: the newest committed backup's snapshot is no longer on the local
// disk (deleted by hand or by another tool), so btrfs send has nothing to
// diff against. A full costs a whole upload; the user should know why.
func (p *Pusher) warnParentGone(sv Subvolume, committed []*manifest.Record, local []string, parent *manifest.Record, full bool) {
	if parent != nil || full || len(committed) == 0 {
		return
	}
	newest := committed[len(committed)-1]
	if slices.Contains(local, newest.Snapshot) {
		return // a full by policy (full_every, max_chain): the log says which
	}
	p.log().Warn("the local snapshot of the newest backup is gone, so this backup is a full one and starts a new chain",
		"subvolume", sv.Name, "missing", newest.Snapshot, "snapshot_dir", sv.SnapshotDir)
}

// restoredAhead reports whether snapshot_dir holds a received snapshot that
// state_dir has no record of: the one `restore --layout` kept, on a machine
// whose state_dir came back from an older backup of its root. Its record is
// on the remote, and with it the next push is an incremental on it rather
// than a full.
func restoredAhead(sv Subvolume, have []*manifest.Record) bool {
	known := make(map[string]bool, len(have))
	for _, r := range have {
		known[r.Snapshot] = true
	}
	local, err := localSnapshots(sv)
	if err != nil {
		return false
	}
	for _, name := range local {
		if known[name] {
			continue
		}
		if info, err := btrfs.Info(sv.snapshotPath(name)); err == nil && info.ReceivedUUID != "" {
			return true
		}
	}
	return false
}
