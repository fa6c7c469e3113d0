package restore

import (
	"context"
	"io"

	"github.com/argo-backup/argo-backup/internal/errs"

	"github.com/argo-backup/argo-backup/manifest"
)

// SaveIndex writes the plain file index of the trusted record rec to w,
// read and checked exactly as browsing reads it (Index: the object its
// record names, signed by a trusted key, about this very backup). Push
// uses it to put back state_dir's copy of a parent's index that is gone
// (state_dir lost in part, or restored from an older copy), so that the
// new backup is indexed on it rather than committed without an index.
func (c *Catalog) SaveIndex(ctx context.Context, host string, rec *manifest.Record, w io.Writer) error {
	ix, err := c.Index(ctx, host, rec)
	if err != nil {
		return err
	}
	return ix.Encode(w)
}

// errMissingIndex is the index object a record names, gone from the
// remote: damage. Nothing can take its place (the signed record pins its
// stored bytes, and a re-sealed copy of the same index has others), so the
// line says what still works and what makes the files browsable again.
func errMissingIndex(name string, rec *manifest.Record) error {
	return errs.Damagef("file index %s, which the record of %s names, is missing from the remote: "+
		"ls, find, diff, cat and restore --path of this backup and of the incrementals on it cannot work; "+
		"a whole restore (argo-backup restore --to DIR --snapshot %s) still can, and argo-backup push --full %s starts a chain that is browsable again",
		name, rec.Snapshot, rec.Snapshot, rec.Subvolume)
}
