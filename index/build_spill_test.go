package index

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

// A spill record holds the node's line exactly as json.Marshal writes it
// (with a newline), which Finish copies into the index unread, and the
// keys given; records written one after another each read back whole.
// The expected lines come from encoding/json, not from storeRec.
func TestSpillRecordIsTheIndexLine(t *testing.T) {
	nodes := []struct {
		n    Node
		keys []uint64
	}{
		{Node{Ino: 257, Kind: KindFile, Mode: 0o644, Size: 3, Target: "", Digest: "x"}, nil},
		{Node{Ino: 256, Kind: KindDir, Mode: 0o755, Entries: []Entry{{Name: "a<b>&\xff", Ino: 257}, {Name: "z", Ino: 1 << 40}}}, []uint64{515, 1<<41 | 1}},
		{Node{Ino: 300, Kind: KindSymlink, Target: "../t\u2028", Xattrs: []Xattr{{Name: "user.x", SHA256: "ab", Snap: "s.1", Pos: 1 << 33}}}, nil},
	}
	s := &spillFile{dir: t.TempDir()}
	defer s.close()
	for i, c := range nodes {
		if err := s.storeRec(uint64(i), &c.n, c.keys); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range nodes {
		want, err := json.Marshal(&c.n)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, '\n')
		off, ok := s.where.get(uint64(i))
		if !ok {
			t.Fatalf("record %d not in the spill index", i)
		}
		line, keys, err := s.read(off, &window{b: make([]byte, 64)})
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if !bytes.Equal(line, want) {
			t.Errorf("record %d: line %q, want %q", i, line, want)
		}
		if !slices.Equal(keys, c.keys) {
			t.Errorf("record %d: keys %v, want %v", i, keys, c.keys)
		}
	}
}
