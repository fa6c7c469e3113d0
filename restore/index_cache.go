package restore

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/zstd"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/manifest"
)

// An index cache (Catalog.IndexCache, a directory in state_dir) keeps the
// indexes Index has checked and decoded, so that browsing a chain again
// (find --all over a year of backups, ls after ls) downloads no index and
// decodes faster: a decoded index is kept as gob, zstd-compressed (JSON
// decoding a million-inode index takes seconds; gob a fraction).
//
// A file is <plain sha256>.gob.zst: a 32-byte HMAC-SHA256 tag, then the
// compressed gob. The tag covers the plain sha256 the trusted record
// names and the bytes after it, under a key derived from the identity
// (crypto.TrustRoot.LocalKey): a changed or swapped file is not believed
// (the index is downloaded and checked anew), and only a holder of the
// identity, who can sign indexes anyway, can make one that is. Indexes
// rebuilt by index --rebuild (which no record names) are not cached.
// Failing to keep one costs only a download next time.

const cacheTagSize = sha256.Size

// cacheKey is the key of the cache's tags, nil (no cache) without an
// identity that has a trust root.
func (c *Catalog) cacheKey() []byte {
	if c.IndexCache == "" {
		return nil
	}
	roots := crypto.TrustRoots(c.Identities)
	if len(roots) == 0 {
		return nil
	}
	return roots[0].LocalKey("index cache")
}

func cacheTag(key []byte, plainSHA256 string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("argo-backup index cache 1\x00" + plainSHA256 + "\x00"))
	m.Write(body)
	return m.Sum(nil)
}

func (c *Catalog) cachePath(ref *manifest.IndexRef) string {
	return filepath.Join(c.IndexCache, ref.PlainSHA256+".gob.zst")
}

// cachedIndex returns the cached index ref names, or nil.
func (c *Catalog) cachedIndex(ref *manifest.IndexRef) *index.Index {
	key := c.cacheKey()
	if key == nil || ref == nil || !validSHA256(ref.PlainSHA256) {
		return nil
	}
	b, err := os.ReadFile(c.cachePath(ref))
	if err != nil || len(b) < cacheTagSize {
		return nil
	}
	tag, body := b[:cacheTagSize], b[cacheTagSize:]
	if !hmac.Equal(tag, cacheTag(key, ref.PlainSHA256, body)) {
		return nil
	}
	zr, err := zstd.NewReader(bytes.NewReader(body), zstd.WithDecoderConcurrency(1))
	if err != nil {
		return nil
	}
	defer zr.Close()
	var ix index.Index
	if err := gob.NewDecoder(zr).Decode(&ix); err != nil {
		return nil
	}
	ix.ShareNames()
	return &ix
}

// keepIndex caches ix, checked against ref: written whole to a temporary
// file (0600: it names the user's files) and renamed.
func (c *Catalog) keepIndex(ref *manifest.IndexRef, ix *index.Index) {
	key := c.cacheKey()
	if key == nil || ref == nil || !validSHA256(ref.PlainSHA256) {
		return
	}
	var body bytes.Buffer
	zw, err := zstd.NewWriter(&body, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return
	}
	err = gob.NewEncoder(zw).Encode(ix)
	if cerr := zw.Close(); err != nil || cerr != nil {
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
	_, err = tmp.Write(cacheTag(key, ref.PlainSHA256, body.Bytes()))
	if err == nil {
		_, err = tmp.Write(body.Bytes())
	}
	if cerr := tmp.Close(); err != nil || cerr != nil {
		return
	}
	os.Rename(tmp.Name(), c.cachePath(ref))
}

// validSHA256 keeps a record's hash from naming a path outside the cache.
func validSHA256(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == sha256.Size
}
