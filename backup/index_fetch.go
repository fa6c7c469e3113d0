package backup

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/manifest"
)

// fetchChainIndexes puts back, from the remote, state_dir's plain copies
// of the indexes of parent's chain that are missing there: the tree an
// incremental push builds its index on. Without them every later push of
// the chain would be committed without an index, and index --rebuild
// (which makes indexes only for backups that have none on the remote)
// could not help. Each index is read and checked as browsing reads it, so
// it needs the identity; a copy already in state_dir is kept as it is.
func (p *Pusher) fetchChainIndexes(ctx context.Context, sv Subvolume, parent string) error {
	recs, err := p.State.Records(p.Host, sv.Name)
	if err != nil {
		return fmt.Errorf("read the records in state_dir: %w", err)
	}
	chain, err := manifest.Chain(recs, parent)
	if err != nil {
		return fmt.Errorf("the chain of %s: %w", parent, err)
	}
	var reader RecordReader
	for _, rec := range chain {
		local := p.localIndexPath(sv.Name, rec.Snapshot)
		if _, err := os.Stat(local); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("the local copy of the index of %s: %w", rec.Snapshot, err)
		}
		if reader == nil {
			if reader, err = p.remoteIndexes(ctx); err != nil {
				return fmt.Errorf("state_dir lacks the index of %s, and the remote's cannot be read: %w", rec.Snapshot, err)
			}
		}
		if err := p.fetchIndex(ctx, reader, rec, local); err != nil {
			return err
		}
		p.log().Info("put back state_dir's missing copy of a parent's file index, from the remote", "snapshot", rec.Snapshot)
	}
	return nil
}

func (p *Pusher) remoteIndexes(ctx context.Context) (RecordReader, error) {
	if p.RemoteRecords == nil {
		return nil, errors.New("no identity configured")
	}
	return p.RemoteRecords(ctx)
}

// fetchIndex writes rec's checked index to local, whole or not at all.
func (p *Pusher) fetchIndex(ctx context.Context, reader RecordReader, rec *manifest.Record, local string) error {
	tmp, err := os.CreateTemp(filepath.Dir(local), ".tmp-*")
	if err != nil {
		return fmt.Errorf("keep file index of %s in state_dir: %w", rec.Snapshot, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	bw := bufio.NewWriterSize(tmp, 256<<10)
	if err := reader.SaveIndex(ctx, p.Host, rec, bw); err != nil {
		return fmt.Errorf("fetch the index of %s from the remote: %w", rec.Snapshot, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("keep file index of %s in state_dir: %w", rec.Snapshot, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("keep file index of %s in state_dir: %w", rec.Snapshot, err)
	}
	if err := os.Rename(tmp.Name(), local); err != nil {
		return fmt.Errorf("keep file index of %s in state_dir: %w", rec.Snapshot, err)
	}
	return nil
}

// warnNoIndex says why a backup is committed without a file index, and
// what brings indexes back: index --rebuild, unless the parent chain's
// recorded index is damaged or gone from the remote, which nothing can
// replace (the record pins it): then only a new full chain is indexed.
func (p *Pusher) warnNoIndex(sv Subvolume, snapshot string, why error) {
	if errs.IsDamage(why) {
		p.log().Warn("this backup gets no file index (ls, find, cat need one): an index of its chain is damaged or missing on the remote, "+
			"and no incremental on it can be indexed: argo-backup push --full "+sv.Name+" starts a new, indexed chain",
			"snapshot", snapshot, "why", why)
		return
	}
	p.log().Warn("this backup gets no file index (ls, find, cat need one): run argo-backup index --rebuild later",
		"snapshot", snapshot, "why", why)
}
