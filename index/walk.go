package index

import "path"

// Walk calls fn for every path under the node at top (top itself first),
// depth first, names in byte order. A directory met twice (a damaged index)
// is not entered again. fn returning false skips a directory's contents.
func (t *Tree) Walk(top string, fn func(p string, n *Node) bool) error {
	n, err := t.Lookup(top)
	if err != nil {
		return err
	}
	seen := map[uint64]bool{}
	t.walk("/"+path.Join(SplitPath(top)...), n, seen, fn)
	return nil
}

func (t *Tree) walk(p string, n *Node, seen map[uint64]bool, fn func(string, *Node) bool) {
	if !fn(p, n) || n.Kind != KindDir || seen[n.Ino] {
		return
	}
	seen[n.Ino] = true
	for _, e := range n.Entries {
		c := t.Nodes[e.Ino]
		if c == nil {
			continue
		}
		t.walk(path.Join(p, string(e.Name)), c, seen, fn)
	}
}
