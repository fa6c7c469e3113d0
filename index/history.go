package index

import (
	"fmt"
	"slices"
)

// History follows the backups of one subvolume oldest first, on one tree,
// and keeps the set of paths a predicate (find's pattern) accepts up to
// date from each index's delta: what find --all reports for every backup.
//
// Walking each backup's whole tree costs backups × inodes: a year of daily
// incrementals of a million files is 365 million visits. An incremental's
// index holds the whole record of every directory whose entries changed,
// and a path can appear, vanish or name another inode only where one of
// those directories drops or adds an entry. So Apply diffs the entries of
// the directories the delta touches, drops the old subtree under each
// entry that went and walks the new subtree under each entry that came (a
// renamed directory's whole subtree, once): one walk of the full's tree,
// then work in proportion to what changed.
type History struct {
	tree  *Tree
	match func(p string) bool
	// found is every path of the tree that match accepts, with its inode.
	found map[string]uint64
	// order is found's paths in walk order; nil when found changed.
	order []string
	// parents says where each directory met hangs: a directory has one
	// name (no hardlinks to directories), so a path is found bottom up.
	// Links may go stale; pathOf checks each against the tree.
	parents map[uint64]link
}

type link struct {
	dir  uint64
	name string
}

// NewHistory returns a History of no backup yet whose paths match accepts.
func NewHistory(match func(p string) bool) *History {
	return &History{tree: NewTree(), match: match, found: map[string]uint64{}, parents: map[uint64]link{}}
}

// Tree returns the tree of the last backup applied: it changes with the
// next Apply.
func (h *History) Tree() *Tree { return h.tree }

// Apply moves to the next backup: a full starts over, an incremental must
// follow the last backup applied.
func (h *History) Apply(ix *Index) error {
	if ix.Head.Parent == "" || h.kindChanged(ix) {
		if err := h.tree.Apply(ix); err != nil {
			return err
		}
		h.rewalk()
		return nil
	}
	if h.tree.Head.Snapshot != ix.Head.Parent {
		return fmt.Errorf("index of %s follows %s, not %q", ix.Head.Snapshot, ix.Head.Parent, h.tree.Head.Snapshot)
	}
	old := make([]*Node, len(ix.Nodes))
	for i := range ix.Nodes {
		old[i] = h.tree.Nodes[ix.Nodes[i].Ino]
		if o := old[i]; o != nil && o.Kind == KindDir {
			h.dropGone(o, &ix.Nodes[i])
		}
	}
	if err := h.tree.Apply(ix); err != nil {
		return err
	}
	for i := range ix.Nodes {
		if n := &ix.Nodes[i]; n.Kind == KindDir {
			h.linkCame(old[i], n)
		}
	}
	for i := range ix.Nodes {
		if n := &ix.Nodes[i]; n.Kind == KindDir {
			h.addCame(old[i], n)
		}
	}
	return nil
}

// kindChanged reports whether the delta makes a directory of an inode
// that was something else: its place is not in parents, so Apply walks
// the whole tree again (btrfs reuses inode numbers rarely).
func (h *History) kindChanged(ix *Index) bool {
	for i := range ix.Nodes {
		o := h.tree.Nodes[ix.Nodes[i].Ino]
		if o != nil && o.Kind != KindDir && ix.Nodes[i].Kind == KindDir {
			return true
		}
	}
	return false
}

// rewalk finds the matches of the whole tree anew.
func (h *History) rewalk() {
	clear(h.found)
	clear(h.parents)
	h.order = nil
	if root := h.tree.Nodes[RootIno]; root != nil && root.Kind == KindDir {
		h.add("/", root, map[uint64]bool{})
	}
}

// dropGone forgets the matches under each entry of directory old (as the
// tree before the delta has it) that its new record n lacks or points at
// another inode.
func (h *History) dropGone(old, n *Node) {
	p, ok := h.pathOf(old.Ino)
	if !ok {
		return
	}
	var newEntries []Entry
	if n.Kind == KindDir {
		newEntries = n.Entries
	}
	for _, e := range missing(old.Entries, newEntries) {
		if c := h.tree.Nodes[e.Ino]; c != nil {
			h.drop(join(p, string(e.Name)), c, map[uint64]bool{})
		}
	}
}

// linkCame notes where the directories that came into n hang.
func (h *History) linkCame(old, n *Node) {
	for _, e := range missing(n.Entries, entriesOf(old)) {
		if c := h.tree.Nodes[e.Ino]; c != nil && c.Kind == KindDir {
			h.parents[e.Ino] = link{n.Ino, string(e.Name)}
		}
	}
}

// addCame adds the matches under each entry that came into n.
func (h *History) addCame(old, n *Node) {
	p, ok := h.pathOf(n.Ino)
	if !ok {
		return
	}
	for _, e := range missing(n.Entries, entriesOf(old)) {
		if c := h.tree.Nodes[e.Ino]; c != nil {
			h.add(join(p, string(e.Name)), c, map[uint64]bool{})
		}
	}
}

func entriesOf(n *Node) []Entry {
	if n == nil || n.Kind != KindDir {
		return nil
	}
	return n.Entries
}

// missing returns the entries of a (sorted by name) that b (sorted) has
// not, or has for another inode.
func missing(a, b []Entry) []Entry {
	var out []Entry
	j := 0
	for _, e := range a {
		for j < len(b) && b[j].Name < e.Name {
			j++
		}
		if j == len(b) || b[j].Name != e.Name || b[j].Ino != e.Ino {
			out = append(out, e)
		}
	}
	return out
}

// add records the matches at p and under it (node n), and where the
// directories met hang. A directory met twice (a damaged index) is not
// entered again, as Walk does.
func (h *History) add(p string, n *Node, seen map[uint64]bool) {
	if p != "/" && h.match(p) {
		h.found[p] = n.Ino
		h.order = nil
	}
	if n.Kind != KindDir || seen[n.Ino] {
		return
	}
	seen[n.Ino] = true
	for _, e := range n.Entries {
		c := h.tree.Nodes[e.Ino]
		if c == nil {
			continue
		}
		if c.Kind == KindDir {
			h.parents[e.Ino] = link{n.Ino, string(e.Name)}
		}
		h.add(join(p, string(e.Name)), c, seen)
	}
}

// drop forgets the matches at p and under it (node n, of the tree before
// the delta).
func (h *History) drop(p string, n *Node, seen map[uint64]bool) {
	if _, ok := h.found[p]; ok {
		delete(h.found, p)
		h.order = nil
	}
	if n.Kind != KindDir || seen[n.Ino] {
		return
	}
	seen[n.Ino] = true
	for _, e := range n.Entries {
		if c := h.tree.Nodes[e.Ino]; c != nil {
			h.drop(join(p, string(e.Name)), c, seen)
		}
	}
}

// pathOf returns the path of directory ino in the tree as it is now, from
// the links in parents, each checked against its directory's entries: a
// directory no longer reached (or never) has none.
func (h *History) pathOf(ino uint64) (string, bool) {
	var names []string
	for depth := 0; ino != RootIno; depth++ {
		l, ok := h.parents[ino]
		if !ok || depth > len(h.parents) {
			return "", false
		}
		d := h.tree.Nodes[l.dir]
		if d == nil || d.Kind != KindDir || d.child(l.name) != ino {
			return "", false
		}
		names = append(names, l.name)
		ino = l.dir
	}
	if root := h.tree.Nodes[RootIno]; root == nil || root.Kind != KindDir {
		return "", false
	}
	p := ""
	for i := len(names) - 1; i >= 0; i-- {
		p += "/" + names[i]
	}
	if p == "" {
		p = "/"
	}
	return p, true
}

func join(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// Matches calls fn for every matching path of the tree in walk order
// (Walk's: depth first, names in byte order), with its record.
func (h *History) Matches(fn func(p string, n *Node)) {
	if h.order == nil {
		h.order = make([]string, 0, len(h.found))
		for p := range h.found {
			h.order = append(h.order, p)
		}
		slices.SortFunc(h.order, walkOrder)
	}
	for _, p := range h.order {
		if n := h.tree.Nodes[h.found[p]]; n != nil {
			fn(p, n)
		}
	}
}

// walkOrder compares paths as a depth-first walk with names in byte order
// meets them: by names, component by component, which is byte order with
// '/' below every byte a name can hold.
func walkOrder(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if x == '/' {
			return -1
		}
		if y == '/' {
			return 1
		}
		return int(x) - int(y)
	}
	return len(a) - len(b)
}
