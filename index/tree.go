package index

import (
	"fmt"
	"strings"
)

// Tree is a whole snapshot as its chain's indexes describe it: the latest
// record of every inode. Records no directory reaches (deleted inodes) may
// linger; a walk from the root never meets them.
type Tree struct {
	Nodes map[uint64]*Node
	// Versions is the send protocol version of each backup whose stream
	// extents point into, by snapshot name (a command is parsed by it).
	Versions map[string]uint32
	// Head is the header of the last index applied.
	Head Header
}

// NewTree returns an empty tree.
func NewTree() *Tree {
	return &Tree{Nodes: map[uint64]*Node{}, Versions: map[string]uint32{}}
}

// Apply overlays one backup's index (in chain order, full first).
func (t *Tree) Apply(ix *Index) error {
	if ix.Head.Parent == "" {
		// A full's records are most of the tree: room for all of them at
		// once, not a map grown by doubling.
		t.Nodes = make(map[uint64]*Node, len(ix.Nodes))
	} else if t.Head.Snapshot != ix.Head.Parent {
		return fmt.Errorf("index of %s follows %s, not %q", ix.Head.Snapshot, ix.Head.Parent, t.Head.Snapshot)
	}
	for i := range ix.Nodes {
		t.Nodes[ix.Nodes[i].Ino] = &ix.Nodes[i]
	}
	t.Versions[ix.Head.Snapshot] = ix.Head.Version
	t.Head = ix.Head
	return nil
}

// Root returns the subvolume's top directory.
func (t *Tree) Root() (*Node, error) {
	n := t.Nodes[RootIno]
	if n == nil || n.Kind != KindDir {
		return nil, fmt.Errorf("index of %s has no top directory", t.Head.Snapshot)
	}
	return n, nil
}

// Lookup returns the node at path (inside the subvolume; "/a/b", "a/b"
// and "a//b/" are the same, "" and "/" the top directory).
func (t *Tree) Lookup(path string) (*Node, error) {
	n, err := t.Root()
	if err != nil {
		return nil, err
	}
	for _, name := range SplitPath(path) {
		if n.Kind != KindDir {
			return nil, &NotFoundError{Path: path, Near: nil}
		}
		child := n.child(name)
		if child == 0 || t.Nodes[child] == nil {
			return nil, &NotFoundError{Path: path, Near: t.near(n, name)}
		}
		n = t.Nodes[child]
	}
	return n, nil
}

// SplitPath returns the names of a path inside the subvolume.
func SplitPath(path string) []string {
	var names []string
	for _, s := range strings.Split(path, "/") {
		if s != "" && s != "." {
			names = append(names, s)
		}
	}
	return names
}

// Child returns the inode of directory n's entry name, 0 when it has none:
// a binary search of its entries, which are sorted by name.
func (n *Node) Child(name string) uint64 { return n.child(name) }

func (n *Node) child(name string) uint64 {
	lo, hi := 0, len(n.Entries)
	for lo < hi {
		m := (lo + hi) / 2
		if string(n.Entries[m].Name) < name {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(n.Entries) && string(n.Entries[lo].Name) == name {
		return n.Entries[lo].Ino
	}
	return 0
}

// near returns up to 5 names of dir that look like name, for the message
// of a path that is not there.
func (t *Tree) near(dir *Node, name string) []string {
	var out []string
	for _, e := range dir.Entries {
		s := string(e.Name)
		if strings.EqualFold(s, name) || strings.Contains(strings.ToLower(s), strings.ToLower(name)) ||
			strings.Contains(strings.ToLower(name), strings.ToLower(s)) {
			out = append(out, s)
		}
		if len(out) == 5 {
			break
		}
	}
	if len(out) == 0 {
		for _, e := range dir.Entries[:min(5, len(dir.Entries))] {
			out = append(out, string(e.Name))
		}
	}
	return out
}

// NotFoundError is a path the backup does not have; Near are names that
// exist in the deepest directory that does.
type NotFoundError struct {
	Path string
	Near []string
}

func (e *NotFoundError) Error() string {
	if len(e.Near) == 0 {
		return fmt.Sprintf("%s is not in this backup", e.Path)
	}
	return fmt.Sprintf("%s is not in this backup (there: %s)", e.Path, strings.Join(quoteAll(e.Near), ", "))
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}
