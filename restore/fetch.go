package restore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/argo-backup/argo-backup/internal/chunked"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// fetchPart downloads one part, opens it (age authenticates every chunk,
// zstd decompresses) and checks it against the record: stored size and
// sha256, plaintext size and sha256. Nothing unchecked reaches btrfs receive.
//
// The plaintext lands in a buffer from c.free; the caller puts it back
// once the bytes are written.
func (c *Catalog) fetchPart(ctx context.Context, rec *manifest.Record, part manifest.Part) (*bytes.Buffer, error) {
	name := remote.PartName(rec.Host, rec.Subvolume, rec.Snapshot, part.Index)
	fail := func(err error) error { return &PartError{Snapshot: rec.Snapshot, Object: name, Err: err} }
	rc, err := c.Store.Open(ctx, name)
	if errors.Is(err, remote.ErrNotFound) {
		return nil, fail(errors.New("missing from the remote"))
	}
	if err != nil {
		return nil, fail(err)
	}
	defer rc.Close()
	plain, err := c.openPart(rc, part)
	if err != nil {
		return nil, fail(err)
	}
	return plain, nil
}

// openPart reads one stored part from rc, opens it and checks it against
// the record (see fetchPart).
func (c *Catalog) openPart(rc io.Reader, part manifest.Part) (*bytes.Buffer, error) {
	stored := sha256.New()
	counted := &countingReader{r: io.TeeReader(rc, stored)}
	plainReader, err := c.opener().Open(counted)
	if err != nil {
		return nil, err
	}
	defer plainReader.Close()
	plain := c.free.get()
	plain.Reset()
	// ReadFrom wants MinRead bytes free before each read: without them the
	// buffer would double to read the one byte past the end we check for.
	// The size is the record's claim, so it grows past maxPrealloc only as
	// real bytes arrive.
	plain.Grow(int(min(part.PlainBytes, maxPrealloc)) + bytes.MinRead)
	if err := copyAll(plain, counted, plainReader, part, stored); err != nil {
		c.free.put(plain)
		return nil, err
	}
	return plain, nil
}

func copyAll(plain *bytes.Buffer, counted *countingReader, plainReader io.Reader, part manifest.Part, stored hash.Hash) error {
	if _, err := io.Copy(plain, io.LimitReader(plainReader, part.PlainBytes+1)); err != nil {
		return fmt.Errorf("open: %w", err)
	}
	if _, err := io.Copy(io.Discard, counted); err != nil {
		return err
	}
	return checkPart(part, plain.Bytes(), counted.n, stored.Sum(nil))
}

// maxPrealloc bounds what a record's part size makes us allocate before a
// byte arrived (the default part_size is 32 MiB).
const maxPrealloc = 64 << 20

func checkPart(part manifest.Part, plain []byte, storedBytes int64, storedSum []byte) error {
	if storedBytes != part.StoredBytes {
		return fmt.Errorf("stored size is %d bytes, the record says %d", storedBytes, part.StoredBytes)
	}
	if got := hex.EncodeToString(storedSum); got != part.StoredSHA256 {
		return fmt.Errorf("stored sha256 is %s, the record says %s", got, part.StoredSHA256)
	}
	if int64(len(plain)) != part.PlainBytes {
		return fmt.Errorf("decrypted size is %d bytes, the record says %d", len(plain), part.PlainBytes)
	}
	sum := chunked.SHA256(plain)
	if got := hex.EncodeToString(sum[:]); got != part.PlainSHA256 {
		return fmt.Errorf("decrypted sha256 is %s, the record says %s", got, part.PlainSHA256)
	}
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
