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
	rd := sendstream.NewReader(r)
	b := NewBuilder(subvol, snapshot, parent)
	defer b.Close()
	for {
		c, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("index %s: %w", snapshot, err)
		}
		if err := b.Add(c); err != nil {
			return nil, err
		}
	}
	return b.Index(rd.Info().Version)
}
