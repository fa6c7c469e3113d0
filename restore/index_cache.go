package restore

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/zstd"

	"github.com/argo-backup/argo-backup/manifest"
)

// An index cache (Catalog.IndexCache, a directory in state_dir) keeps the
// plain, signed index objects Index has checked, zstd-compressed and named
// by their sha256, so that browsing a chain again (find --all over a year
// of backups, ls after ls) downloads no index. A cached object is used
// only when its sha256 is the one its trusted record names, and its
// signature is checked again, as a downloaded one is: the cache can lose
// or spoil an object, never make one pass. Indexes rebuilt by index
// --rebuild (which no record names) are not cached. Failing to keep an
// object costs only a download next time.

// cachedIndex returns the cached plain index object ref names, or nil.
func (c *Catalog) cachedIndex(ref *manifest.IndexRef) []byte {
	if c.IndexCache == "" || ref == nil || !validSHA256(ref.PlainSHA256) {
		return nil
	}
	f, err := os.Open(filepath.Join(c.IndexCache, ref.PlainSHA256+".zst"))
	if err != nil {
		return nil
	}
	defer f.Close()
	zr, err := zstd.NewReader(f, zstd.WithDecoderConcurrency(1))
	if err != nil {
		return nil
	}
	defer zr.Close()
	plain, err := io.ReadAll(io.LimitReader(zr, ref.PlainBytes+1))
	if err != nil || int64(len(plain)) != ref.PlainBytes {
		return nil
	}
	if sum := sha256.Sum256(plain); hex.EncodeToString(sum[:]) != ref.PlainSHA256 {
		return nil
	}
	return plain
}

// keepIndex caches plain, an index object checked against ref: written
// whole to a temporary file (0600: it names the user's files) and renamed.
func (c *Catalog) keepIndex(ref *manifest.IndexRef, plain []byte) {
	if c.IndexCache == "" || ref == nil || !validSHA256(ref.PlainSHA256) {
		return
	}
	if err := os.MkdirAll(c.IndexCache, 0o700); err != nil {
		return
	}
	tmp, err := os.CreateTemp(c.IndexCache, ".index-*")
	if err != nil {
		return
	}
	defer os.Remove(tmp.Name())
	zw, err := zstd.NewWriter(tmp, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	if err == nil {
		_, err = io.Copy(zw, bytes.NewReader(plain))
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
	}
	if cerr := tmp.Close(); err != nil || cerr != nil {
		return
	}
	os.Rename(tmp.Name(), filepath.Join(c.IndexCache, ref.PlainSHA256+".zst"))
}

// validSHA256 keeps a record's hash from naming a path outside the cache.
func validSHA256(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == sha256.Size
}
