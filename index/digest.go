package index

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"slices"
	"sync"

	"github.com/argo-backup/argo-backup/sendstream"
)

// A file's content digest (Node.Digest) is the sha256 of the sha256s of
// its DigestBlock-sized blocks, in order (the last one may be short; holes
// read as zeros; an empty file's is the sha256 of nothing). It depends on
// the bytes alone, not on how the stream cut or compressed them, so diff
// can tell a file rewritten with the same bytes from a changed one without
// reading any part. Blocks let a hole cost a constant, not a hash of zeros.
const DigestBlock = 1 << 20

// zeroBlockSum is the sha256 of a whole block of zeros.
var zeroBlockSum = sync.OnceValue(func() []byte {
	s := sha256.Sum256(make([]byte, DigestBlock))
	return s[:]
})

// sameContent says whether two records of a regular file hold the same
// bytes: the same extents, or (when both know it) the same digest.
// Without digests, other extents count as other content.
func sameContent(a, b *Node) bool {
	if a.Size != b.Size {
		return false
	}
	return slices.Equal(a.Extents, b.Extents) || (a.Digest != "" && a.Digest == b.Digest)
}

// digester computes the digest of the file whose data commands the stream
// is sending, as they pass. A digest is only known when this stream sent
// every byte of the file in order (a new file, or one rewritten whole, as
// btrfs send does for a file with new extents); any other data command
// (a clone, a write below what was hashed, a change to bytes of the
// parent's that remain) leaves the file without one. One file is hashed
// at a time: btrfs send sends a file's data commands together, and any
// other command ends the file being hashed.
type digester struct {
	ino   uint64
	ok    bool
	pos   int64     // bytes hashed
	outer hash.Hash // of the block sums
	inner hash.Hash // of the block being filled
	dec   sendstream.Decoder
}

// next sees each command before the Builder applies it: any but a data
// command ends the file being hashed (so that a new inode reusing its
// number starts afresh).
func (d *digester) next(t sendstream.Cmd) {
	switch t {
	case sendstream.CmdWrite, sendstream.CmdEncodedWrite, sendstream.CmdClone,
		sendstream.CmdTruncate, sendstream.CmdFallocate:
	default:
		d.ino = 0
	}
}

// after runs once the Builder applied data command c to file n: it hashes
// what c added and sets or clears n.Digest.
func (d *digester) after(n *Node, c *sendstream.Command) {
	if d.outer == nil || d.ino != n.Ino {
		d.reset(n.Ino)
	}
	if d.ok {
		d.ok = d.apply(n, c)
	}
	if d.ok && n.Size > d.pos && !overlaps(n.Extents, d.pos, n.Size) {
		d.zeros(n.Size - d.pos) // a hole at the end (a truncate after the writes)
	}
	n.Digest = ""
	if d.ok && d.pos == n.Size {
		n.Digest = d.sum()
	}
}

func (d *digester) reset(ino uint64) {
	if d.outer == nil {
		d.outer, d.inner = sha256.New(), sha256.New()
	}
	d.outer.Reset()
	d.inner.Reset()
	d.ino, d.ok, d.pos = ino, true, 0
}

// apply hashes what c wrote, or says the digest cannot be known.
func (d *digester) apply(n *Node, c *sendstream.Command) bool {
	off := int64(c.FileOffset)
	switch c.Type {
	case sendstream.CmdWrite, sendstream.CmdEncodedWrite:
		if off < d.pos || overlaps(n.Extents, d.pos, off) {
			return false // bytes hashed already, or the parent's, before it
		}
		data, err := d.dec.FileData(c)
		if err != nil {
			return false
		}
		d.zeros(off - d.pos)
		d.bytes(data)
		return true
	case sendstream.CmdTruncate:
		return int64(c.Size) >= d.pos
	case sendstream.CmdFallocate:
		return off >= d.pos // zeros where nothing was hashed yet
	}
	return false // a clone: bytes the stream does not carry here
}

// overlaps says whether an extent (ext is sorted by offset) holds any
// byte of [lo, hi).
func overlaps(ext []Extent, lo, hi int64) bool {
	for i := len(ext) - 1; i >= 0 && ext[i].Off+ext[i].Len > lo; i-- {
		if ext[i].Off < hi {
			return true
		}
	}
	return false
}

func (d *digester) bytes(b []byte) {
	for len(b) > 0 {
		k := min(int64(len(b)), DigestBlock-d.pos%DigestBlock)
		d.inner.Write(b[:k])
		d.advance(k)
		b = b[k:]
	}
}

var zeroChunk [64 << 10]byte

func (d *digester) zeros(n int64) {
	for n > 0 {
		if d.pos%DigestBlock == 0 && n >= DigestBlock {
			d.outer.Write(zeroBlockSum())
			d.pos += DigestBlock
			n -= DigestBlock
			continue
		}
		k := min(n, DigestBlock-d.pos%DigestBlock, int64(len(zeroChunk)))
		d.inner.Write(zeroChunk[:k])
		d.advance(k)
		n -= k
	}
}

// advance moves past k bytes written to inner, closing a full block.
func (d *digester) advance(k int64) {
	d.pos += k
	if d.pos%DigestBlock == 0 {
		d.outer.Write(d.inner.Sum(nil))
		d.inner.Reset()
	}
}

// sum is the digest of the bytes hashed so far, the state left as it is.
func (d *digester) sum() string {
	outer := d.outer.(hash.Cloner)
	h, err := outer.Clone()
	if err != nil {
		return ""
	}
	if d.pos%DigestBlock != 0 {
		h.Write(d.inner.Sum(nil))
	}
	return hex.EncodeToString(h.Sum(nil))
}
