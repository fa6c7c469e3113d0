package index

import (
	"context"
	"fmt"
	"io"

	"github.com/argo-backup/argo-backup/sendstream"
)

// Streams reads bytes of a backup's plaintext send stream; the caller
// fetches and opens only the parts that hold them.
type Streams interface {
	ReadAt(ctx context.Context, snapshot string, p []byte, off int64) error
}

// WriteFile writes the content of the regular file n to w: each extent's
// bytes from the one command that holds them, zeros for holes.
func (t *Tree) WriteFile(ctx context.Context, n *Node, s Streams, w io.Writer) error {
	if n.Kind != KindFile {
		return fmt.Errorf("inode %d is not a regular file", n.Ino)
	}
	var pos int64
	for _, e := range n.Extents {
		if e.Off < pos || e.Off+e.Len > n.Size {
			return fmt.Errorf("index of inode %d: extent %d+%d out of order or past the size %d", n.Ino, e.Off, e.Len, n.Size)
		}
		if err := zeros(w, e.Off-pos); err != nil {
			return err
		}
		data, err := t.extentData(ctx, e, s)
		if err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
		pos = e.Off + e.Len
	}
	return zeros(w, n.Size-pos)
}

// XattrValue reads the value of extended attribute x from its command.
func (t *Tree) XattrValue(ctx context.Context, x Xattr, s Streams) ([]byte, error) {
	c, err := t.command(ctx, x.Snap, x.Pos, s)
	if err != nil {
		return nil, err
	}
	if c.Type != sendstream.CmdSetXattr || c.XattrName != string(x.Name) {
		return nil, fmt.Errorf("%s's stream at byte %d is %s, not the xattr %q the index names", x.Snap, x.Pos, c.Type, x.Name)
	}
	return c.XattrData, nil
}

// command reads and parses the command at pos of snap's stream.
func (t *Tree) command(ctx context.Context, snap string, pos int64, s Streams) (*sendstream.Command, error) {
	version, ok := t.Versions[snap]
	if !ok {
		return nil, fmt.Errorf("index names backup %s, which is not in this chain", snap)
	}
	var hdr [10]byte
	if err := s.ReadAt(ctx, snap, hdr[:], pos); err != nil {
		return nil, fmt.Errorf("read %s's stream at byte %d: %w", snap, pos, err)
	}
	n, err := sendstream.CommandLen(hdr[:])
	if err != nil {
		return nil, fmt.Errorf("%s's stream at byte %d: %w", snap, pos, err)
	}
	b := make([]byte, n)
	if err := s.ReadAt(ctx, snap, b, pos); err != nil {
		return nil, fmt.Errorf("read %s's stream at byte %d: %w", snap, pos, err)
	}
	c, err := sendstream.ParseCommand(b, version)
	if err != nil {
		return nil, fmt.Errorf("%s's stream at byte %d: %w", snap, pos, err)
	}
	return c, nil
}

// extentData reads the command at e.Pos of e.Snap's stream and returns the
// extent's bytes of its file data.
func (t *Tree) extentData(ctx context.Context, e Extent, s Streams) ([]byte, error) {
	c, err := t.command(ctx, e.Snap, e.Pos, s)
	if err != nil {
		return nil, err
	}
	data, err := sendstream.FileData(c)
	if err != nil {
		return nil, fmt.Errorf("%s's stream at byte %d: %w", e.Snap, e.Pos, err)
	}
	if e.Skip < 0 || e.Skip+e.Len > int64(len(data)) {
		return nil, fmt.Errorf("%s's stream at byte %d: the index wants bytes %d+%d of %d", e.Snap, e.Pos, e.Skip, e.Len, len(data))
	}
	return data[e.Skip : e.Skip+e.Len], nil
}

var zeroBlock [64 << 10]byte

func zeros(w io.Writer, n int64) error {
	for n > 0 {
		k := min(n, int64(len(zeroBlock)))
		if _, err := w.Write(zeroBlock[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// ReadFileAt fills p with the bytes of file n from off (what a mounted
// file's read asks), reading only the commands of the extents it covers.
// It returns fewer bytes only at the end of the file.
func (t *Tree) ReadFileAt(ctx context.Context, n *Node, s Streams, p []byte, off int64) (int, error) {
	if off >= n.Size {
		return 0, nil
	}
	p = p[:min(int64(len(p)), n.Size-off)]
	clear(p)
	end := off + int64(len(p))
	for _, e := range n.Extents {
		lo, hi := max(e.Off, off), min(e.Off+e.Len, end)
		if lo >= hi {
			continue
		}
		data, err := t.extentData(ctx, e, s)
		if err != nil {
			return 0, err
		}
		copy(p[lo-off:hi-off], data[lo-e.Off:hi-e.Off])
	}
	return len(p), nil
}
