package index

// interner hands out one copy of each snapshot name: every extent and
// xattr of an index names the backup whose stream holds it, and a decoded
// string each would cost a million trees 24 bytes an inode.
type interner map[string]string

func (in interner) of(s string) string {
	if v, ok := in[s]; ok {
		return v
	}
	in[s] = s
	return s
}

// intern makes n's snapshot names share in's copies.
func (in interner) intern(n *Node) {
	for i := range n.Extents {
		n.Extents[i].Snap = in.of(n.Extents[i].Snap)
	}
	for i := range n.Xattrs {
		n.Xattrs[i].Snap = in.of(n.Xattrs[i].Snap)
	}
}

// ShareNames makes the snapshot names of ix's records share one copy each,
// as Decode leaves them: for an index decoded another way (the cache's gob).
func (ix *Index) ShareNames() {
	names := interner{}
	for i := range ix.Nodes {
		names.intern(&ix.Nodes[i])
	}
}
