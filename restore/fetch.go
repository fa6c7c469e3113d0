package restore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// fetchPart downloads one part, opens it (age authenticates every chunk,
// zstd decompresses) and checks it against the record: stored size and
// sha256, plaintext size and sha256. Nothing unchecked reaches btrfs receive.
func (c *Catalog) fetchPart(ctx context.Context, rec *manifest.Record, part manifest.Part) ([]byte, error) {
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
	stored := sha256.New()
	counted := &countingReader{r: io.TeeReader(rc, stored)}
	plainReader, err := c.opener().Open(counted)
	if err != nil {
		return nil, fail(err)
	}
	defer plainReader.Close()
	var plain bytes.Buffer
	plain.Grow(int(part.PlainBytes))
	if _, err := io.Copy(&plain, io.LimitReader(plainReader, part.PlainBytes+1)); err != nil {
		return nil, fail(fmt.Errorf("open: %w", err))
	}
	if _, err := io.Copy(io.Discard, counted); err != nil {
		return nil, fail(err)
	}
	if err := checkPart(part, plain.Bytes(), counted.n, stored.Sum(nil)); err != nil {
		return nil, fail(err)
	}
	return plain.Bytes(), nil
}

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
	sum := sha256.Sum256(plain)
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
