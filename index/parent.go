package index

import (
	"fmt"
	"sort"
)

// Parent is the tree of the backup an incremental stream was sent
// against, as a Builder reads it: one inode's record at a time, so that it
// can live on disk (Chain) rather than in memory (Tree).
type Parent interface {
	// Snapshot names the backup the tree is of.
	Snapshot() string
	// Node returns the record of inode ino, or nil if the tree has none.
	// The Builder never changes it.
	Node(ino uint64) (*Node, error)
}

// treeParent serves a Tree in memory as a Parent.
type treeParent struct{ t *Tree }

func (p treeParent) Snapshot() string               { return p.t.Head.Snapshot }
func (p treeParent) Node(ino uint64) (*Node, error) { return p.t.Nodes[ino], nil }

// lookupParent returns the record at path in p (a clone's source).
func lookupParent(p Parent, path string) (*Node, error) {
	n, err := p.Node(RootIno)
	if err != nil {
		return nil, err
	}
	for _, name := range SplitPath(path) {
		if n == nil || n.Kind != KindDir {
			return nil, fmt.Errorf("%q does not exist", path)
		}
		i := sort.Search(len(n.Entries), func(i int) bool { return string(n.Entries[i].Name) >= name })
		if i == len(n.Entries) || string(n.Entries[i].Name) != name {
			return nil, fmt.Errorf("%q does not exist", path)
		}
		if n, err = p.Node(n.Entries[i].Ino); err != nil {
			return nil, err
		}
	}
	if n == nil {
		return nil, fmt.Errorf("%q does not exist", path)
	}
	return n, nil
}
