package index

import (
	"slices"
	"testing"
)

func tree(nodes ...Node) *Tree {
	t := NewTree()
	for i := range nodes {
		t.Nodes[nodes[i].Ino] = &nodes[i]
	}
	return t
}

// TestDiff: each kind of difference is named, a rename is a removal and
// an addition, and unchanged paths are left out. Other extents are other
// content unless both digests are known and equal.
func TestDiff(t *testing.T) {
	root := func(e ...Entry) Node { return Node{Ino: RootIno, Kind: KindDir, Mode: 0o755, Entries: e} }
	file := Node{Ino: 257, Kind: KindFile, Mode: 0o644, Size: 3, Extents: []Extent{{Off: 0, Len: 3, Snap: "s1", Pos: 100}}}
	rewritten := file
	rewritten.Extents = []Extent{{Off: 0, Len: 3, Snap: "s2", Pos: 200}}
	file.Digest = "d1"
	sameBytes := rewritten
	sameBytes.Digest = "d1"
	otherBytes := rewritten
	otherBytes.Digest = "d2"
	chmodded := file
	chmodded.Mode, chmodded.UID = 0o600, 1000
	a := tree(root(Entry{"f", 257}, Entry{"old", 258}), file, Node{Ino: 258, Kind: KindFile})
	for _, c := range []struct {
		name string
		b    *Tree
		want []Change
	}{
		{"same", a, nil},
		{"content", tree(root(Entry{"f", 257}, Entry{"old", 258}), rewritten, Node{Ino: 258, Kind: KindFile}),
			[]Change{{"/f", "changed", []string{"content"}}}},
		{"rewritten, same digest", tree(root(Entry{"f", 257}, Entry{"old", 258}), sameBytes, Node{Ino: 258, Kind: KindFile}), nil},
		{"rewritten, other digest", tree(root(Entry{"f", 257}, Entry{"old", 258}), otherBytes, Node{Ino: 258, Kind: KindFile}),
			[]Change{{"/f", "changed", []string{"content"}}}},
		{"mode and owner", tree(root(Entry{"f", 257}, Entry{"old", 258}), chmodded, Node{Ino: 258, Kind: KindFile}),
			[]Change{{"/f", "changed", []string{"mode", "owner"}}}},
		{"rename", tree(root(Entry{"f", 257}, Entry{"new", 258}), file, Node{Ino: 258, Kind: KindFile}),
			[]Change{{"/new", "added", nil}, {"/old", "removed", nil}}},
		{"type", tree(root(Entry{"f", 257}, Entry{"old", 258}), file, Node{Ino: 258, Kind: KindDir}),
			[]Change{{"/old", "changed", []string{"type"}}}},
	} {
		got, err := Diff(a, c.b)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(got, c.want, func(x, y Change) bool {
			return x.Path == y.Path && x.What == y.What && slices.Equal(x.How, y.How)
		}) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, path string
		want          bool
	}{
		{"*.txt", "/me/notes.txt", true},
		{"*.txt", "/me/notes.txt.bak", false},
		{"notes", "/me/notes.txt", true},
		{"me/*.txt", "/me/notes.txt", true},
		{"/me/*.txt", "/you/notes.txt", false},
		{"thesis/chap", "/me/thesis/chapter1", true},
	} {
		if got := Match(c.pattern, c.path); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
}
