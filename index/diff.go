package index

import (
	"slices"
	"sort"
)

// Change is one path that differs between two trees of a subvolume.
type Change struct {
	Path string   `json:"path"`
	What string   `json:"change"`        // "added", "removed" or "changed"
	How  []string `json:"how,omitempty"` // of "changed": type, content, mode, owner, xattrs, target
}

// Diff returns the paths added, removed and changed from a to b, by path.
// Content counts as changed when the bytes come from other commands and
// the files' content digests do not say they are the same (a file
// rewritten with the same bytes is unchanged when both digests are known).
func Diff(a, b *Tree) ([]Change, error) {
	pa, err := a.paths()
	if err != nil {
		return nil, err
	}
	pb, err := b.paths()
	if err != nil {
		return nil, err
	}
	var out []Change
	for p, na := range pa {
		nb, ok := pb[p]
		switch {
		case !ok:
			out = append(out, Change{Path: p, What: "removed"})
		default:
			if how := compare(na, nb); len(how) > 0 {
				out = append(out, Change{Path: p, What: "changed", How: how})
			}
		}
	}
	for p := range pb {
		if _, ok := pa[p]; !ok {
			out = append(out, Change{Path: p, What: "added"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func (t *Tree) paths() (map[string]*Node, error) {
	m := map[string]*Node{}
	err := t.Walk("/", func(p string, n *Node) bool { m[p] = n; return true })
	return m, err
}

// compare names what differs between two records of one path.
func compare(a, b *Node) []string {
	if a.Kind != b.Kind {
		return []string{"type"}
	}
	var how []string
	if a.Kind == KindFile && !sameContent(a, b) {
		how = append(how, "content")
	}
	if a.Mode != b.Mode && a.Kind != KindSymlink {
		how = append(how, "mode")
	}
	if a.UID != b.UID || a.GID != b.GID {
		how = append(how, "owner")
	}
	if !slices.EqualFunc(a.Xattrs, b.Xattrs, func(x, y Xattr) bool { return x.Name == y.Name && x.SHA256 == y.SHA256 }) {
		how = append(how, "xattrs")
	}
	if a.Target != b.Target || a.Rdev != b.Rdev {
		how = append(how, "target")
	}
	return how
}
