package index

import (
	"encoding/base64"
	"encoding/binary"
	"slices"

	"github.com/zeebo/xxh3"

	"github.com/argo-backup/argo-backup/sendstream"
)

// A file's content digest (Node.Digest) tells diff whether a file rewritten
// in a later backup holds the same bytes, without reading any part. It is
// the XXH3-128 of a sequence of items in file order (formats.md spells them
// out): for plain bytes (WRITE commands, holes as zeros) the XXH3-128 of
// each DigestBlock-aligned block; for an ENCODED_WRITE its encoding
// parameters and the XXH3-128 of its payload as sent, never decompressed.
// So it depends on the bytes alone where the stream sent them plain, and on
// the encoded bytes where it sent them compressed: the same content sent
// with another encoding has another digest, and diff then says "changed",
// the safe side. XXH3 is not cryptographic: it guards against accidents
// (two versions of one path of equal size), which is all a diff needs; the
// digest never vouches for bytes restored.
const DigestBlock = 1 << 20

// DigestBits is how much of the final XXH3-128 a digest keeps: its first
// 96 bits, 16 base64url characters. A digest is the one part of an index
// line that does not compress, and at 128 bits it alone made the index
// more than 1% of the stored backup (docs/performance.md); the chance
// that a changed file keeps its digest, 2^-96 per comparison, is still
// none in practice.
const DigestBits = 96

// Item tags of the digest's outer hash.
const (
	itemBlock   = 'b' // plain bytes: length, XXH3-128
	itemEncoded = 'e' // an encoded extent: parameters, XXH3-128 of its payload
)

// zeroBlockSum is the XXH3-128 of a whole block of zeros.
var zeroBlockSum = xxh3.Hash128(make([]byte, DigestBlock)).Bytes()

// sameContent says whether two records of a regular file hold the same
// bytes: the same size and either the same extents or (when both know it)
// the same digest. Without digests, other extents count as other content.
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
	pos   int64       // bytes of the file accounted for
	fill  int64       // of them, bytes in inner: the open block
	outer xxh3.Hasher // of the items
	inner xxh3.Hasher // of the open block's bytes
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
// what c added and sets or clears n.Digest. A file without extents (empty,
// or all holes) gets none: its size and extents decide a diff already.
func (d *digester) after(n *Node, c *sendstream.Command) {
	if d.ino != n.Ino {
		d.reset(n.Ino)
	}
	if d.ok {
		d.ok = d.apply(n, c)
	}
	if d.ok && n.Size > d.pos && !overlaps(n.Extents, d.pos, n.Size) {
		d.zeros(n.Size - d.pos) // a hole at the end (a truncate after the writes)
	}
	n.Digest = ""
	if d.ok && d.pos == n.Size && len(n.Extents) > 0 {
		n.Digest = d.sum()
	}
}

func (d *digester) reset(ino uint64) {
	d.outer.Reset()
	d.inner.Reset()
	d.ino, d.ok, d.pos, d.fill = ino, true, 0, 0
}

// apply hashes what c wrote, or says the digest cannot be known.
func (d *digester) apply(n *Node, c *sendstream.Command) bool {
	off := int64(c.FileOffset)
	switch c.Type {
	case sendstream.CmdWrite, sendstream.CmdEncodedWrite:
		if off < d.pos || overlaps(n.Extents, d.pos, off) {
			return false // bytes hashed already, or the parent's, before it
		}
		d.zeros(off - d.pos)
		if c.Type == sendstream.CmdEncodedWrite {
			d.encoded(c)
		} else {
			d.bytes(c.Data)
		}
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

// encoded closes the open block and adds an encoded extent as one item:
// its parameters and the hash of its payload, as the stream carries it.
func (d *digester) encoded(c *sendstream.Command) {
	d.closeBlock()
	var item [1 + 5*8 + 16]byte
	item[0] = itemEncoded
	for i, v := range []uint64{c.UnencodedFileLen, c.UnencodedLen, c.UnencodedOffset, uint64(c.Compression), uint64(c.Encryption)} {
		binary.LittleEndian.PutUint64(item[1+8*i:], v)
	}
	sum := xxh3.Hash128(c.Data).Bytes()
	copy(item[41:], sum[:])
	d.outer.Write(item[:])
	d.pos += int64(c.UnencodedFileLen)
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
			d.outer.Write(blockItem(DigestBlock, zeroBlockSum))
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
	d.fill += k
	if d.pos%DigestBlock == 0 {
		d.closeBlock()
	}
}

// closeBlock adds the open block, if it holds any byte, as an item.
func (d *digester) closeBlock() {
	if d.fill == 0 {
		return
	}
	sum := d.inner.Sum128().Bytes()
	d.outer.Write(blockItem(d.fill, sum))
	d.inner.Reset()
	d.fill = 0
}

func blockItem(n int64, sum [16]byte) []byte {
	item := make([]byte, 1+8+16)
	item[0] = itemBlock
	binary.LittleEndian.PutUint64(item[1:], uint64(n))
	copy(item[9:], sum[:])
	return item
}

// sum is the digest of what was hashed so far, the state left as it is:
// the first DigestBits of the XXH3-128 in unpadded base64url.
func (d *digester) sum() string {
	outer := d.outer // a copy: the open block is added to it alone
	if d.fill > 0 {
		outer.Write(blockItem(d.fill, d.inner.Sum128().Bytes()))
	}
	s := outer.Sum128().Bytes()
	return base64.RawURLEncoding.EncodeToString(s[:DigestBits/8])
}
