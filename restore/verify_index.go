package restore

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"

	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// storedObjects are what the budgeted verify reads back of a backup: its
// parts, and its file index in the same rotation.
func storedObjects(rec *manifest.Record) []manifest.StoredPart {
	out := make([]manifest.StoredPart, 0, len(rec.Parts)+1)
	for _, p := range rec.Parts {
		out = append(out, manifest.StoredPart{Object: remote.PartName(rec.Host, rec.Subvolume, rec.Snapshot, p.Index), Record: rec, Part: p})
	}
	if sp, ok := indexPart(rec); ok {
		out = append(out, sp)
	}
	return out
}

// indexPart is a backup's file index as the budgeted verify rotates it,
// beside the parts: a Part of index -1 with the record's hashes of it.
func indexPart(rec *manifest.Record) (manifest.StoredPart, bool) {
	ref := rec.Index
	if ref == nil {
		return manifest.StoredPart{}, false
	}
	return manifest.StoredPart{Object: remote.IndexName(rec.Host, rec.Subvolume, rec.Snapshot), Record: rec,
		Part: manifest.Part{Index: -1, PlainBytes: ref.PlainBytes, PlainSHA256: ref.PlainSHA256,
			StoredBytes: ref.StoredBytes, StoredSHA256: ref.StoredSHA256}}, true
}

// checkIndexes checks the file index of every backup in scope, as stored
// (listed, read from the remote, hashes, signature and header checked,
// decoded): ls, find, diff, cat and mount trust it. A bad index fails its
// backup's check by name; it does not fail the backups that need this
// one to restore, which do not read it.
func (v *Verifier) checkIndexes(ctx context.Context, sc *scope) error {
	for _, rec := range sc.order {
		name := remote.IndexName(rec.Host, rec.Subvolume, rec.Snapshot)
		e, listed := sc.objects[name]
		problem := Problem{Snapshot: rec.Snapshot, Object: name}
		switch ref := rec.Index; {
		case ref == nil && !listed:
			continue // pushed without an index: ls says to run index --rebuild
		case ref != nil && !listed:
			problem.What = "file index missing from the remote"
		case ref != nil && e.Size != ref.StoredBytes:
			problem.What = fmt.Sprintf("file index's stored size is %d bytes, the record says %d", e.Size, ref.StoredBytes)
		case ref != nil && e.SHA256 != "" && e.SHA256 != ref.StoredSHA256:
			problem.What = fmt.Sprintf("file index's sha256 on the remote is %s, the record says %s", e.SHA256, ref.StoredSHA256)
		default:
			_, err := v.readIndex(ctx, rec, name, e.Size)
			var unreachable *unreachableError
			if errors.As(err, &unreachable) {
				return unreachable.err
			}
			if err == nil {
				continue
			}
			problem.What = err.Error()
		}
		sc.check(rec).fail(problem)
	}
	return nil
}

// readIndex downloads rec's file index (stored as name, of size bytes as
// listed) and checks it as Catalog.Index does, never from a local copy; it
// returns the stored object's md5 for later listings. A remote that cannot
// be read is an unreachableError.
func (v *Verifier) readIndex(ctx context.Context, rec *manifest.Record, name string, size int64) (string, error) {
	if rec.Index != nil {
		size = rec.Index.StoredBytes
	}
	if size > MaxRecordObject {
		return "", fmt.Errorf("file index is %d bytes, more than the %d any index is", size, MaxRecordObject)
	}
	rc, err := v.Store.Open(ctx, name)
	if errors.Is(err, remote.ErrNotFound) {
		return "", errors.New("file index missing from the remote")
	}
	if err != nil {
		return "", &unreachableError{fmt.Errorf("read %s: %w", name, err)}
	}
	defer rc.Close()
	md := md5.New()
	sealed, err := io.ReadAll(io.LimitReader(io.TeeReader(rc, md), size+1))
	if err != nil {
		return "", &unreachableError{fmt.Errorf("read %s: %w", name, err)}
	}
	if _, err := v.checkedIndex(sealed, name, rec); err != nil {
		return "", err
	}
	return hexSum(md), nil
}
