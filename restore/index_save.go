package restore

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/manifest"
)

// SaveIndex writes the plain file index of the trusted record rec to w,
// read and checked exactly as browsing reads it (Index: the object its
// record names, signed by a trusted key, about this very backup). Push
// uses it to put back state_dir's copy of a parent's index that is gone
// (state_dir lost in part, or restored from an older copy), so that the
// new backup is indexed on it rather than committed without an index.
//
// The index is copied as it is checked, never decoded whole (a tree of a
// million files makes some 270 MB of index, and push has a memory bound),
// so w receives bytes before the last check: on an error the caller must
// discard what it wrote (push writes a temporary file it renames only on
// success).
func (c *Catalog) SaveIndex(ctx context.Context, host string, rec *manifest.Record, w io.Writer) error {
	_, err := c.indexWith(ctx, host, rec, copyIndex(w))
	return err
}

// copyIndex is the indexDecoder of SaveIndex: it copies the index to w
// and returns only its header (which the callers check against the
// record), with the checks of index.Decode's header.
func copyIndex(w io.Writer) indexDecoder {
	return func(r io.Reader) (*index.Index, error) {
		br := bufio.NewReaderSize(r, 256<<10)
		line, err := br.ReadBytes('\n')
		if err != nil {
			return nil, fmt.Errorf("read index header: %w", err)
		}
		ix := &index.Index{}
		if err := json.Unmarshal(line, &ix.Head); err != nil {
			return nil, fmt.Errorf("read index header: %w", err)
		}
		if ix.Head.Format > index.FormatVersion {
			return nil, index.ErrNewerFormat
		}
		if ix.Head.Format < 1 || ix.Head.Nodes < 0 {
			return nil, fmt.Errorf("read index header: format %d with %d records is not an index", ix.Head.Format, ix.Head.Nodes)
		}
		if _, err := w.Write(line); err != nil {
			return nil, fmt.Errorf("copy index: %w", err)
		}
		if _, err := io.Copy(w, br); err != nil {
			return nil, fmt.Errorf("copy index: %w", err)
		}
		return ix, nil
	}
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
