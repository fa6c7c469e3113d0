package index

import (
	"errors"
	"fmt"
	"io"

	"github.com/argo-backup/argo-backup/sendstream"
)

// Build reads a whole send stream and returns its index: what push does
// as the stream passes, and index --rebuild from a stored stream.
func Build(r io.Reader, subvol, snapshot string, parent *Tree) (*Index, error) {
	b := NewBuilder(subvol, snapshot, parent)
	defer b.Close()
	version, err := b.Feed(r)
	if err != nil {
		return nil, err
	}
	return b.Index(version)
}

// Feed adds every command of the send stream r and returns the stream's
// protocol version (for Finish).
func (b *Builder) Feed(r io.Reader) (uint32, error) {
	rd := sendstream.NewReader(r)
	for {
		c, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return rd.Info().Version, nil
		}
		if err != nil {
			return 0, fmt.Errorf("index %s: %w", b.head.Snapshot, err)
		}
		if err := b.Add(c); err != nil {
			return 0, err
		}
	}
}
