package index

import (
	"slices"
	"testing"
)

// TestHistoryReplacedInodes: inode numbers that come back as another kind
// (a directory turned file, a file turned directory) and a rename, each a
// delta of the records btrfs send would carry; the paths are written by
// hand.
func TestHistoryReplacedInodes(t *testing.T) {
	dir := func(ino uint64, e ...Entry) Node { return Node{Ino: ino, Kind: KindDir, Entries: e} }
	file := func(ino uint64) Node { return Node{Ino: ino, Kind: KindFile} }
	ix := func(snap, parent string, nodes ...Node) *Index {
		return &Index{Head: Header{Snapshot: snap, Parent: parent}, Nodes: nodes}
	}
	steps := []struct {
		ix   *Index
		want []string
	}{
		{ix("s0", "", dir(RootIno, Entry{"a", 257}, Entry{"b", 259}), dir(257, Entry{"x", 258}), file(258), file(259)),
			[]string{"/a", "/a/x", "/b"}},
		{ix("s1", "s0", file(257)), []string{"/a", "/b"}},
		{ix("s2", "s1", dir(259, Entry{"y", 260}), file(260)), []string{"/a", "/b", "/b/y"}},
		{ix("s3", "s2", dir(RootIno, Entry{"a", 257}, Entry{"c", 259})), []string{"/a", "/c", "/c/y"}},
		{ix("s4", "s3", dir(RootIno, Entry{"a", 257}, Entry{"c", 261}), dir(261, Entry{"y", 260})), []string{"/a", "/c", "/c/y"}},
		{ix("s5", "", dir(RootIno, Entry{"z", 300}), file(300)), []string{"/z"}},
	}
	h := NewHistory(func(string) bool { return true })
	for _, s := range steps {
		if err := h.Apply(s.ix); err != nil {
			t.Fatalf("%s: %v", s.ix.Head.Snapshot, err)
		}
		var got []string
		h.Matches(func(p string, _ *Node) { got = append(got, p) })
		if !slices.Equal(got, s.want) {
			t.Errorf("%s: matches %q, want %q", s.ix.Head.Snapshot, got, s.want)
		}
	}
	if err := h.Apply(ix("s7", "s6")); err == nil {
		t.Errorf("an index that does not follow the last one was applied")
	}
}

// TestWalkOrder: paths sort as a depth-first walk with names in byte order
// meets them, not as strings ('-' sorts before '/').
func TestWalkOrder(t *testing.T) {
	got := []string{"/a-b", "/a/x", "/a", "/b", "/a/x/y", "/a/w", "/a.c"}
	slices.SortFunc(got, walkOrder)
	want := []string{"/a", "/a/w", "/a/x", "/a/x/y", "/a-b", "/a.c", "/b"}
	if !slices.Equal(got, want) {
		t.Errorf("walk order %q, want %q", got, want)
	}
}
