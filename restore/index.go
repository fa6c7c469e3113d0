package restore

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/internal/chunked"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/internal/fallback"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// Tree returns the file tree of backup target (one of records, trusted)
// from the indexes of its chain: what ls, find, diff and cat read. Only
// index objects are downloaded.
func (c *Catalog) Tree(ctx context.Context, host string, records []*manifest.Record, target string) (*index.Tree, error) {
	chain, err := manifest.Chain(records, target)
	if err != nil {
		return nil, err
	}
	t := index.NewTree()
	for _, rec := range chain {
		ix, err := c.Index(ctx, host, rec)
		if err != nil {
			return nil, err
		}
		if err := t.Apply(ix); err != nil {
			return nil, errs.Damagef("file index of %s: %v", rec.Snapshot, err)
		}
	}
	return t, nil
}

// Index reads, checks and decodes the file index of one trusted record. An
// index is used only if it is the object the record names (its stored and
// plain sha256), signed by a key the identity trusts, and about that very
// backup: a modified, swapped or unsigned index is refused, by name.
func (c *Catalog) Index(ctx context.Context, host string, rec *manifest.Record) (*index.Index, error) {
	name := remote.IndexName(host, rec.Subvolume, rec.Snapshot)
	if ix := c.cachedIndex(rec.Index); ix != nil && checkIndexHeader(ix, name, rec) == nil {
		return ix, nil
	}
	ix, err := c.indexWith(ctx, host, rec, index.Decode)
	if err == nil {
		c.keepIndex(rec.Index, ix)
	}
	return ix, err
}

// indexDecoder reads the index (after its checked signature) into what
// the caller wants: index.Decode, or SaveIndex's copy to a file.
type indexDecoder func(io.Reader) (*index.Index, error)

func (c *Catalog) indexWith(ctx context.Context, host string, rec *manifest.Record, decode indexDecoder) (*index.Index, error) {
	ref := rec.Index
	name := remote.IndexName(host, rec.Subvolume, rec.Snapshot)
	sealed, err := c.readLimited(ctx, name)
	if ref == nil && errors.Is(err, remote.ErrNotFound) {
		return nil, errs.Userf("backup %s has no file index (pushed before indexes, or its index could not be built): run argo-backup index --rebuild %s",
			rec.Snapshot, rec.Subvolume)
	}
	if errors.Is(err, remote.ErrNotFound) {
		return nil, errMissingIndex(name, rec)
	}
	if err != nil {
		return nil, fmt.Errorf("read file index %s: %w", name, err)
	}
	return c.checkedIndexWith(sealed, name, rec, decode)
}

// checkedIndex checks and decodes the sealed file index of rec, stored as
// name (verify reads it from the remote itself).
func (c *Catalog) checkedIndex(sealed []byte, name string, rec *manifest.Record) (*index.Index, error) {
	return c.checkedIndexWith(sealed, name, rec, index.Decode)
}

func (c *Catalog) checkedIndexWith(sealed []byte, name string, rec *manifest.Record, decode indexDecoder) (*index.Index, error) {
	ref := rec.Index
	if ref == nil {
		return c.rebuiltIndex(sealed, name, rec, decode)
	}
	if sum := chunked.SHA256(sealed); hex.EncodeToString(sum[:]) != ref.StoredSHA256 {
		return nil, errs.Damagef("file index %s is not the one its record names (modified or swapped): refused", name)
	}
	ix, _, plainSHA256, err := c.openIndex(sealed, name, rec, ref.PlainBytes, decode)
	if err == nil && plainSHA256 != ref.PlainSHA256 {
		return nil, errs.Damagef("file index %s is not the one its record names (modified or swapped): refused", name)
	}
	return ix, err
}

// rebuiltIndex checks an index that index --rebuild made for a backup
// whose record names none: it must be signed by a key certified for the
// record's host, and name the record's stream by its sha256.
func (c *Catalog) rebuiltIndex(sealed []byte, name string, rec *manifest.Record, decode indexDecoder) (*index.Index, error) {
	ix, v, _, err := c.openIndex(sealed, name, rec, MaxIndexPlain, decode)
	if err != nil {
		return nil, err
	}
	if v.Cert == nil || v.Cert.Host != rec.Host {
		return nil, errs.Damagef("file index %s is signed for another host than %s: refused", name, rec.Host)
	}
	if ix.Head.StreamSHA256 != rec.StreamSHA256 {
		return nil, errs.Damagef("file index %s describes another stream than its backup's (modified or swapped): refused", name)
	}
	return ix, err
}

// checkIndexHeader refuses an index whose header names another backup.
func checkIndexHeader(ix *index.Index, name string, rec *manifest.Record) error {
	if ix.Head.Snapshot != rec.Snapshot || ix.Head.Subvol != rec.Subvolume || ix.Head.Parent != rec.Parent {
		return errs.Damagef("file index %s describes %s/%s (parent %q), not this backup: refused",
			name, ix.Head.Subvol, ix.Head.Snapshot, ix.Head.Parent)
	}
	return nil
}

// BuildIndex makes the index of a trusted backup from its stream,
// downloaded and checked as a restore does, on the tree of its parent (nil
// for a full): what index --rebuild stores for backups pushed without one.
func (c *Catalog) BuildIndex(ctx context.Context, rec *manifest.Record, parent *index.Tree) (*index.Index, error) {
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(c.writeStream(ctx, rec, pw, 2, fallback.Progress(nil)))
	}()
	ix, err := index.Build(pr, rec.Subvolume, rec.Snapshot, parent)
	pr.CloseWithError(fmt.Errorf("index stopped"))
	if err != nil {
		return nil, fmt.Errorf("index of %s: %w", rec.Snapshot, err)
	}
	ix.Head.StreamSHA256 = rec.StreamSHA256
	return ix, nil
}

// MaxIndexPlain bounds the plaintext of an index object that no record
// names (index --rebuild made it), enforced while decompressing: a few
// kilobytes of zstd can expand to gigabytes. It is generous (a tree of a
// million files makes an index of some 270 MB) because what is read
// before a signature is checked has its own, smaller bounds: the signed
// head's line (maxEnvelopeLine), then no more body than the head signs.
const MaxIndexPlain = 4 << 30

// errIndexTooLarge is an index object whose plaintext exceeds what its
// record says (or MaxIndexPlain).
var errIndexTooLarge = errors.New("it expands to more bytes than its record allows (planted or damaged): refused")

// openSealed decrypts and decompresses a sealed object (a part or an
// index) held in memory, refusing one that expands past limit bytes.
func (c *Catalog) openSealed(sealed []byte, limit int64) ([]byte, error) {
	r, err := c.opener().Open(bytes.NewReader(sealed))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	plain, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(plain)) > limit {
		return nil, errs.Damagef("%w", errIndexTooLarge)
	}
	return plain, nil
}
