package index

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"

	"github.com/argo-backup/argo-backup/sendstream"
)

// Fallocate modes (linux/falloc.h) that leave zeros.
const (
	fallocKeepSize  = 0x01
	fallocPunchHole = 0x02
	fallocZeroRange = 0x10
)

// file returns the regular file at path, touched.
func (b *Builder) file(path string) (*inode, error) {
	in, err := b.resolve(path)
	if err != nil {
		return nil, err
	}
	if in.n.Kind != KindFile {
		return nil, fmt.Errorf("%q is not a regular file", path)
	}
	b.touch(in)
	return in, nil
}

func (b *Builder) data(c *sendstream.Command) error {
	in, err := b.file(c.Path)
	if err != nil {
		return err
	}
	n, off := in.n, int64(c.FileOffset)
	switch c.Type {
	case sendstream.CmdWrite, sendstream.CmdEncodedWrite:
		size := int64(len(c.Data))
		if c.Type == sendstream.CmdEncodedWrite {
			size = int64(c.UnencodedFileLen)
		}
		n.Extents = place(n.Extents, off, off+size, Extent{Off: off, Len: size, Snap: b.head.Snapshot, Pos: c.Offset})
		n.Size = max(n.Size, off+size)
	case sendstream.CmdClone:
		src, err := b.cloneSource(c)
		if err != nil {
			return err
		}
		size, from := int64(c.CloneLen), int64(c.CloneOffset)
		n.Extents = place(n.Extents, off, off+size, within(src, from, from+size, off-from)...)
		n.Size = max(n.Size, off+size)
	case sendstream.CmdTruncate:
		n.Size = int64(c.Size)
		n.Extents = cut(n.Extents, n.Size, 1<<62)
	case sendstream.CmdFallocate:
		end := off + int64(c.Size)
		if c.FallocateMode&(fallocPunchHole|fallocZeroRange) != 0 {
			n.Extents = cut(n.Extents, off, end)
		}
		if c.FallocateMode&fallocKeepSize == 0 {
			n.Size = max(n.Size, end)
		}
	}
	b.digest.after(n, c)
	return nil
}

// cloneSource returns the extents of the file a clone copies from: in this
// snapshot as the stream has left it so far, or in the parent snapshot as
// it was (btrfs receive resolves them the same way).
func (b *Builder) cloneSource(c *sendstream.Command) ([]Extent, error) {
	switch c.CloneUUID {
	case b.uuid:
		in, err := b.resolve(c.ClonePath)
		if err != nil {
			return nil, fmt.Errorf("clone source: %w", err)
		}
		return in.n.Extents, nil
	case b.parentUUID:
		n, err := lookupParent(b.parent, c.ClonePath)
		if err != nil {
			return nil, fmt.Errorf("clone source in the parent: %w", err)
		}
		return n.Extents, nil
	}
	return nil, fmt.Errorf("clone from subvolume %s, neither this one nor its parent", sendstream.FormatUUID(c.CloneUUID[:]))
}

func (b *Builder) meta(c *sendstream.Command) error {
	in, err := b.resolve(c.Path)
	if err != nil {
		return err
	}
	b.touch(in)
	n := in.n
	switch c.Type {
	case sendstream.CmdChmod:
		n.Mode = uint32(c.Mode & 0o7777)
	case sendstream.CmdChown:
		n.UID, n.GID = uint32(c.UID), uint32(c.GID)
	case sendstream.CmdUtimes:
		n.MtimeNs = c.Mtime.UnixNano()
	case sendstream.CmdSetXattr:
		sum := sha256.Sum256(c.XattrData)
		n.Xattrs = setXattr(n.Xattrs, Xattr{Name: Name(c.XattrName), SHA256: hex.EncodeToString(sum[:]), Snap: b.head.Snapshot, Pos: c.Offset})
	case sendstream.CmdRemoveXattr:
		n.Xattrs = setXattr(n.Xattrs, Xattr{Name: Name(c.XattrName)})
	}
	return nil
}

// setXattr sets x in xs (by name), or removes it when x has no hash.
func setXattr(xs []Xattr, x Xattr) []Xattr {
	out := make([]Xattr, 0, len(xs)+1)
	for _, old := range xs {
		if old.Name != x.Name {
			out = append(out, old)
		}
	}
	if x.SHA256 != "" {
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
