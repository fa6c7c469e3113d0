package index

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// FormatVersion is the index format this package writes and the newest it
// reads.
const FormatVersion = 1

// Header is the first line of an index.
type Header struct {
	Format   int    `json:"format"`
	Subvol   string `json:"subvol"`
	Snapshot string `json:"snapshot"`
	Parent   string `json:"parent,omitempty"` // "" for a full backup
	Version  uint32 `json:"stream_version"`   // the send protocol
	// StreamSHA256 is the record's stream_sha256: it binds an index that
	// index --rebuild made (which no record names) to its backup.
	StreamSHA256 string `json:"stream_sha256,omitempty"`
	Nodes        int    `json:"nodes"` // records that follow
}

// Index is one backup's index: its header and the records of the inodes
// its stream added or changed, by inode number.
type Index struct {
	Head  Header
	Nodes []Node
}

// Encode writes ix as JSON lines: the header, then one record a line.
func (ix *Index) Encode(w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	ix.Head.Format, ix.Head.Nodes = FormatVersion, len(ix.Nodes)
	if err := enc.Encode(ix.Head); err != nil {
		return fmt.Errorf("write index header: %w", err)
	}
	for i := range ix.Nodes {
		if err := enc.Encode(&ix.Nodes[i]); err != nil {
			return fmt.Errorf("write index record %d: %w", ix.Nodes[i].Ino, err)
		}
	}
	return bw.Flush()
}

// ErrNewerFormat is an index written by a newer argo-backup.
var ErrNewerFormat = errors.New("the index has a newer format than this argo-backup reads: upgrade argo-backup")

// Decode reads an index Encode wrote, refusing one cut short or with
// records out of order.
func Decode(r io.Reader) (*Index, error) {
	dec := json.NewDecoder(bufio.NewReader(r))
	var ix Index
	if err := dec.Decode(&ix.Head); err != nil {
		return nil, fmt.Errorf("read index header: %w", err)
	}
	if ix.Head.Format > FormatVersion {
		return nil, ErrNewerFormat
	}
	if ix.Head.Format < 1 || ix.Head.Nodes < 0 {
		return nil, fmt.Errorf("read index header: format %d with %d records is not an index", ix.Head.Format, ix.Head.Nodes)
	}
	ix.Nodes = make([]Node, 0, min(ix.Head.Nodes, 1<<16))
	names := interner{}
	for i := 0; i < ix.Head.Nodes; i++ {
		var n Node
		if err := dec.Decode(&n); err != nil {
			return nil, fmt.Errorf("read index record %d of %d: %w", i+1, ix.Head.Nodes, err)
		}
		names.intern(&n)
		if i > 0 && n.Ino <= ix.Nodes[i-1].Ino {
			return nil, fmt.Errorf("read index: record of inode %d after %d", n.Ino, ix.Nodes[i-1].Ino)
		}
		ix.Nodes = append(ix.Nodes, n)
	}
	if dec.More() {
		return nil, fmt.Errorf("read index: more than the %d records its header announces", ix.Head.Nodes)
	}
	return &ix, nil
}
