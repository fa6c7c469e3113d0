package backup

import (
	"context"
	"fmt"
	"path"

	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// Loss is a backup this host committed (its state_dir holds the record)
// that the remote no longer holds whole: deleted, rolled back, replaced.
// A host without the identity cannot read the remote's records, so the
// comparison is of what it can see: the objects' presence, sizes and, where
// the backend lists them, hashes, against what it uploaded.
type Loss struct {
	Snapshot string `json:"snapshot"`
	What     string `json:"what"`
}

func (l Loss) String() string { return l.Snapshot + ": " + l.What }

// Lister is the part of the remote a loss check needs.
type Lister interface {
	List(ctx context.Context, dir string) ([]remote.Entry, error)
}

// RemoteLosses lists host/subvol on the remote once and returns, oldest
// first, the backups of recs (state copies) that are no longer whole there.
func RemoteLosses(ctx context.Context, store Lister, host, subvol string, recs []*manifest.Record) ([]Loss, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	entries, err := store.List(ctx, path.Join(host, subvol))
	if err != nil {
		return nil, fmt.Errorf("listing %s/%s on the remote: %w", host, subvol, err)
	}
	objects := make(map[string]remote.Entry, len(entries))
	for _, e := range entries {
		objects[e.Name] = e
	}
	var losses []Loss
	for _, r := range recs {
		if what := notWhole(objects, r); what != "" {
			losses = append(losses, Loss{Snapshot: r.Snapshot, What: what})
		}
	}
	return losses, nil
}

// notWhole says what of r is missing or different in objects, or "".
func notWhole(objects map[string]remote.Entry, r *manifest.Record) string {
	if _, ok := objects[remote.RecordName(r.Host, r.Subvolume, r.Snapshot)]; !ok {
		return "its record is gone from the remote"
	}
	for _, p := range r.Parts {
		e, ok := objects[remote.PartName(r.Host, r.Subvolume, r.Snapshot, p.Index)]
		switch {
		case !ok:
			return fmt.Sprintf("part %d is gone from the remote", p.Index)
		case e.Size != p.StoredBytes:
			return fmt.Sprintf("part %d is %d bytes on the remote, %d were pushed", p.Index, e.Size, p.StoredBytes)
		case e.SHA256 != "" && e.SHA256 != p.StoredSHA256:
			return fmt.Sprintf("part %d on the remote is not the one pushed (sha256 differs)", p.Index)
		}
	}
	return ""
}

// LostNames is the snapshots of losses, for one line.
func LostNames(losses []Loss) []string {
	names := make([]string, len(losses))
	for i, l := range losses {
		names[i] = l.Snapshot
	}
	return names
}
