package restore

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/manifest"
)

// maxEnvelopeLine bounds the envelope line of an index object (of the
// first form it holds the whole index, as crypto bounds any envelope).
const maxEnvelopeLine = MaxRecordObject

// maxRebuiltLine bounds the first line of an index object that no record
// names (index --rebuild's): one a record names is bounded by the record's
// plain_bytes, but here the line is read before any signature is checked,
// and a few planted kilobytes of zstd could make it 256 MiB, which takes a
// gigabyte to parse. A signed head is about 1.5 KB; an index of the first
// form (the whole index in its envelope) of up to this size still reads.
const maxRebuiltLine = 16 << 20

// openIndex decrypts, checks and decodes an index object held sealed in
// memory, as a stream: the plaintext (some 270 MB for a tree of a million
// files) is never held whole. The object is either a signed head (one
// line) naming the sha256 and length of the index that follows it
// (index.SignedHead), or, as first written, one envelope around the whole
// index. Nothing is returned unless every check passed; plainSHA256 is of
// the whole decrypted object, for the caller to compare with the record.
// Decompression stops past limit bytes (errIndexTooLarge): a few planted
// kilobytes of zstd must not become gigabytes.
func (c *Catalog) openIndex(sealed []byte, name string, rec *manifest.Record, limit int64, decode indexDecoder) (ix *index.Index, v *crypto.Verified, plainSHA256 string, err error) {
	r, err := c.opener().Open(bytes.NewReader(sealed))
	if err != nil {
		return nil, nil, "", fmt.Errorf("open file index %s: %w", name, err)
	}
	defer r.Close()
	plainSum := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(&plainLimit{r: r, left: limit}, plainSum), 64<<10)
	lineLimit := maxEnvelopeLine
	if rec.Index == nil {
		lineLimit = maxRebuiltLine
	}
	first, err := readLine(br, lineLimit)
	if errors.Is(err, errLineTooLong) {
		return nil, nil, "", errs.Damagef("file index %s: %v: refused", name, err)
	}
	if err != nil {
		return nil, nil, "", fmt.Errorf("open file index %s: %w", name, err)
	}
	if !crypto.IsSigned(first) {
		return nil, nil, "", errs.Damagef("file index %s is unsigned: refused", name)
	}
	env, err := crypto.DecodeSigned(first)
	if err != nil {
		return nil, nil, "", errs.Damagef("file index %s: bad signature: %v", name, err)
	}
	if env.Type == index.SignedHeadType {
		ix, v, err = c.openIndexBody(env, br, name, rec, decode)
	} else {
		ix, v, err = c.openWholeIndex(env, br, name, decode)
	}
	if err != nil {
		return nil, nil, "", err
	}
	if err := checkIndexHeader(ix, name, rec); err != nil {
		return nil, nil, "", err
	}
	return ix, v, hex.EncodeToString(plainSum.Sum(nil)), nil
}

// openWholeIndex checks an envelope of the first form, the index inside.
func (c *Catalog) openWholeIndex(env *crypto.Signed, br *bufio.Reader, name string, decode indexDecoder) (*index.Index, *crypto.Verified, error) {
	v, err := crypto.VerifySigned(env, index.SignedType, c.roots())
	if err != nil {
		return nil, nil, errs.Damagef("file index %s: %v: refused", name, err)
	}
	if _, err := br.Peek(1); err != io.EOF {
		return nil, nil, errs.Damagef("file index %s has bytes after its signed index: refused", name)
	}
	ix, err := decode(bytes.NewReader(v.Payload))
	if err != nil {
		return nil, nil, errs.Damagef("file index %s: %v", name, err)
	}
	return ix, v, nil
}

// openIndexBody checks a signed head, then decodes the index after it,
// hashing it as it passes; a decoded index whose bytes are not the ones
// the head names is dropped.
func (c *Catalog) openIndexBody(env *crypto.Signed, br *bufio.Reader, name string, rec *manifest.Record, decode indexDecoder) (*index.Index, *crypto.Verified, error) {
	v, err := crypto.VerifySigned(env, index.SignedHeadType, c.roots())
	if err != nil {
		return nil, nil, errs.Damagef("file index %s: %v: refused", name, err)
	}
	var head index.SignedHead
	if err := json.Unmarshal(v.Payload, &head); err != nil {
		return nil, nil, errs.Damagef("file index %s: signed head: %v", name, err)
	}
	if head.Snapshot != rec.Snapshot || head.Subvol != rec.Subvolume || head.Parent != rec.Parent {
		return nil, nil, errs.Damagef("file index %s is signed for %s/%s (parent %q), not this backup: refused",
			name, head.Subvol, head.Snapshot, head.Parent)
	}
	bodySum := sha256.New()
	// The body is read no further than the signed length (and one byte
	// more, to see that it ends there): what is decoded before its hash is
	// checked is bounded by what a trusted key signed.
	counted := &countingReader{r: io.TeeReader(io.LimitReader(br, head.IndexBytes+1), bodySum)}
	ix, decodeErr := decode(counted)
	if _, err := io.Copy(io.Discard, counted); err != nil { // the rest, so that the hash covers every byte
		return nil, nil, fmt.Errorf("open file index %s: %w", name, err)
	}
	if counted.n != head.IndexBytes || hex.EncodeToString(bodySum.Sum(nil)) != head.IndexSHA256 {
		return nil, nil, errs.Damagef("file index %s is not the index its signed head names (modified or swapped): refused", name)
	}
	if decodeErr != nil {
		return nil, nil, errs.Damagef("file index %s: %v", name, decodeErr)
	}
	return ix, v, nil
}

// errLineTooLong is an index object whose first line is longer than an
// index this argo-backup writes could make it.
var errLineTooLong = errors.New("its first line is longer")

// readLine reads up to and including the first newline (or to the end),
// refusing a line longer than limit.
func readLine(br *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	for {
		b, err := br.ReadSlice('\n')
		line = append(line, b...)
		if len(line) > limit {
			return nil, fmt.Errorf("%w than %d bytes", errLineTooLong, limit)
		}
		if err != bufio.ErrBufferFull {
			if err == io.EOF {
				err = nil
			}
			return line, err
		}
	}
}

// plainLimit reads at most left bytes of r; one more is errIndexTooLarge.
type plainLimit struct {
	r    io.Reader
	left int64
}

func (l *plainLimit) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var one [1]byte
		if n, err := l.r.Read(one[:]); n == 0 {
			return 0, err
		}
		return 0, errs.Damagef("%w", errIndexTooLarge)
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
