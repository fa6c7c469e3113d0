package index

import (
	"context"
	"fmt"
	"io"
)

// WriteFileAt writes the data of the regular file n to w at its offsets
// and skips everything else: the gaps between extents (holes the stream
// never wrote) and extents whose bytes are all zeros (an incremental
// stream sends a punched hole as written zeros). Into a new, empty file
// this keeps a sparse file sparse; the caller sets the size with Truncate.
func (t *Tree) WriteFileAt(ctx context.Context, n *Node, s Streams, w io.WriterAt) error {
	if n.Kind != KindFile {
		return fmt.Errorf("inode %d is not a regular file", n.Ino)
	}
	var pos int64
	for _, e := range n.Extents {
		if e.Off < pos || e.Off+e.Len > n.Size {
			return fmt.Errorf("index of inode %d: extent %d+%d out of order or past the size %d", n.Ino, e.Off, e.Len, n.Size)
		}
		data, err := t.extentData(ctx, e, s)
		if err != nil {
			return err
		}
		if !allZero(data) {
			if _, err := w.WriteAt(data, e.Off); err != nil {
				return err
			}
		}
		pos = e.Off + e.Len
	}
	return nil
}

func allZero(b []byte) bool {
	for len(b) > 0 {
		k := min(len(b), len(zeroBlock))
		if string(b[:k]) != string(zeroBlock[:k]) {
			return false
		}
		b = b[k:]
	}
	return true
}
