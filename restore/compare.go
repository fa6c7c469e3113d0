package restore

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// A Difference is one way in which a restored tree differs from the tree it
// should reproduce.
type Difference struct {
	Path string // relative to the compared roots; "." is the root itself
	What string // "missing", "extra", "type", "mode", "owner", "size", "content", "target", "rdev", "xattr NAME", "hardlink", "mtime"
	Want string // the value in the wanted (source) tree
	Got  string // the value in the restored tree
}

// String formats d as "etc/passwd: mode: want 0644, got 0600".
func (d Difference) String() string {
	return fmt.Sprintf("%s: %s: want %s, got %s", d.Path, d.What, d.Want, d.Got)
}

// CompareTrees compares the tree at got with the tree at want and returns
// every difference a restore must not have, sorted by path: the set of
// paths, file type, permission bits (with setuid, setgid and sticky),
// owner, size and sha256 of regular files, symlink targets, device numbers,
// extended attributes (ACLs and capabilities included), hardlink groups and
// modification times to the nanosecond.
//
// It does not compare what btrfs send does not carry or cannot reproduce:
// ctime, atime, inode numbers, chattr flags, and nested subvolumes (which a
// snapshot shows as empty directories and a send leaves out). Symlinks are
// never followed.
//
// ignore lists paths relative to the roots (such as ".snapshots") that are
// skipped in both trees, with everything below them.
func CompareTrees(want, got string, ignore ...string) ([]Difference, error) {
	c := &treeComparer{
		wantRoot: want,
		gotRoot:  got,
		ignore:   make(map[string]bool),
		links:    linkMatcher{want: map[fileID]string{}, got: map[fileID]string{}},
	}
	for _, p := range ignore {
		c.ignore[path.Clean(strings.TrimPrefix(p, "/"))] = true
	}
	w, err := lstatNode(want)
	if err != nil {
		return nil, err
	}
	g, err := lstatNode(got)
	if err != nil {
		return nil, err
	}
	if w.kind() != "directory" || g.kind() != "directory" {
		return nil, fmt.Errorf("comparing %s with %s: both must be directories", want, got)
	}
	if err := c.compareNode(".", w, g); err != nil {
		return nil, err
	}
	slices.SortStableFunc(c.diffs, func(a, b Difference) int { return strings.Compare(a.Path, b.Path) })
	return c.diffs, nil
}

// treeComparer walks the two trees side by side, one directory at a time,
// so memory grows with the depth of the tree and the number of hardlinked
// files, not with the number of files.
type treeComparer struct {
	wantRoot, gotRoot string
	ignore            map[string]bool
	links             linkMatcher
	diffs             []Difference
}

func (c *treeComparer) add(rel, what, want, got string) {
	c.diffs = append(c.diffs, Difference{Path: rel, What: what, Want: want, Got: got})
}

// compareNode compares one path present in both trees and, for
// directories, everything below it.
func (c *treeComparer) compareNode(rel string, w, g *treeNode) error {
	if w.kind() != g.kind() {
		c.add(rel, "type", w.kind(), g.kind())
		return nil
	}
	c.compareInode(rel, w, g)
	if err := c.compareXattrs(rel, w, g); err != nil {
		return err
	}
	switch w.kind() {
	case "directory":
		return c.compareDir(rel)
	case "regular file":
		return c.compareContent(rel, w, g)
	case "symlink":
		return c.compareTarget(rel, w, g)
	}
	return nil
}

// compareInode compares what stat reports.
func (c *treeComparer) compareInode(rel string, w, g *treeNode) {
	ws, gs := &w.st, &g.st
	if w.kind() != "symlink" && ws.Mode&0o7777 != gs.Mode&0o7777 {
		c.add(rel, "mode", fmt.Sprintf("%04o", ws.Mode&0o7777), fmt.Sprintf("%04o", gs.Mode&0o7777))
	}
	if ws.Uid != gs.Uid || ws.Gid != gs.Gid {
		c.add(rel, "owner", fmt.Sprintf("%d:%d", ws.Uid, ws.Gid), fmt.Sprintf("%d:%d", gs.Uid, gs.Gid))
	}
	if isDevice(w) && ws.Rdev != gs.Rdev {
		c.add(rel, "rdev", formatDev(ws.Rdev), formatDev(gs.Rdev))
	}
	if ws.Mtim != gs.Mtim {
		c.add(rel, "mtime", formatTime(ws.Mtim), formatTime(gs.Mtim))
	}
	if w.kind() != "directory" {
		if d := c.links.check(rel, ws, gs); d != nil {
			c.diffs = append(c.diffs, *d)
		}
	}
}

// compareDir merges the sorted entries of a directory in both trees.
func (c *treeComparer) compareDir(rel string) error {
	wantNames, err := readNames(filepath.Join(c.wantRoot, rel))
	if err != nil {
		return err
	}
	gotNames, err := readNames(filepath.Join(c.gotRoot, rel))
	if err != nil {
		return err
	}
	for _, name := range mergeNames(wantNames, gotNames) {
		child := path.Join(rel, name)
		if c.ignore[child] {
			continue
		}
		if err := c.compareChild(child); err != nil {
			return err
		}
	}
	return nil
}

// compareChild compares a path that exists in at least one tree. A path
// missing from one side is reported once, not with everything below it.
func (c *treeComparer) compareChild(rel string) error {
	w, err := c.child(c.wantRoot, rel)
	if err != nil {
		return err
	}
	g, err := c.child(c.gotRoot, rel)
	if err != nil {
		return err
	}
	switch {
	case w == nil && g == nil:
		return nil
	case g == nil:
		c.add(rel, "missing", w.kind(), "nothing")
		return nil
	case w == nil:
		c.add(rel, "extra", "nothing", g.kind())
		return nil
	}
	return c.compareNode(rel, w, g)
}

// child stats rel under root; it returns nil for a path that does not
// exist or that is a nested subvolume.
func (c *treeComparer) child(root, rel string) (*treeNode, error) {
	n, err := lstatNode(filepath.Join(root, rel))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if n.isSubvolumeBoundary() {
		return nil, nil
	}
	return n, nil
}

// compareContent compares sizes and, when they agree, sha256 sums.
func (c *treeComparer) compareContent(rel string, w, g *treeNode) error {
	if w.st.Size != g.st.Size {
		c.add(rel, "size", fmt.Sprint(w.st.Size), fmt.Sprint(g.st.Size))
		return nil
	}
	ws, err := fileSHA256(w.path)
	if err != nil {
		return err
	}
	gs, err := fileSHA256(g.path)
	if err != nil {
		return err
	}
	if ws != gs {
		c.add(rel, "content", "sha256 "+ws[:16], "sha256 "+gs[:16])
	}
	return nil
}

func (c *treeComparer) compareTarget(rel string, w, g *treeNode) error {
	wt, err := os.Readlink(w.path)
	if err != nil {
		return fmt.Errorf("comparing trees: %w", err)
	}
	gt, err := os.Readlink(g.path)
	if err != nil {
		return fmt.Errorf("comparing trees: %w", err)
	}
	if wt != gt {
		c.add(rel, "target", wt, gt)
	}
	return nil
}

// compareXattrs reports each attribute that is missing, extra or different.
func (c *treeComparer) compareXattrs(rel string, w, g *treeNode) error {
	wx, err := readXattrs(w.path)
	if err != nil {
		return err
	}
	gx, err := readXattrs(g.path)
	if err != nil {
		return err
	}
	for _, name := range mergeNames(sortedKeys(wx), sortedKeys(gx)) {
		wv, inW := wx[name]
		gv, inG := gx[name]
		if inW != inG || wv != gv {
			c.add(rel, "xattr "+name, xattrValue(wv, inW), xattrValue(gv, inG))
		}
	}
	return nil
}

// A treeNode is one path and its lstat.
type treeNode struct {
	path string
	st   unix.Stat_t
}

func lstatNode(p string) (*treeNode, error) {
	n := &treeNode{path: p}
	if err := unix.Lstat(p, &n.st); err != nil {
		return nil, &os.PathError{Op: "lstat", Path: p, Err: err}
	}
	return n, nil
}

// kind names the file type as a user would.
func (n *treeNode) kind() string {
	switch n.st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		return "regular file"
	case unix.S_IFDIR:
		return "directory"
	case unix.S_IFLNK:
		return "symlink"
	case unix.S_IFCHR:
		return "char device"
	case unix.S_IFBLK:
		return "block device"
	case unix.S_IFIFO:
		return "fifo"
	case unix.S_IFSOCK:
		return "socket"
	}
	return fmt.Sprintf("type %#o", n.st.Mode&unix.S_IFMT)
}

func isDevice(n *treeNode) bool {
	t := n.st.Mode & unix.S_IFMT
	return t == unix.S_IFCHR || t == unix.S_IFBLK
}

// isSubvolumeBoundary reports whether n is a nested btrfs subvolume: its
// root (inode 256) or, inside a snapshot, the empty directory with inode 2
// that stands in for it. Neither is part of a send stream.
func (n *treeNode) isSubvolumeBoundary() bool {
	if n.st.Mode&unix.S_IFMT != unix.S_IFDIR || (n.st.Ino != 256 && n.st.Ino != 2) {
		return false
	}
	var fs unix.Statfs_t
	return unix.Statfs(n.path, &fs) == nil && fs.Type == unix.BTRFS_SUPER_MAGIC
}

// fileID identifies an inode within one tree.
type fileID struct{ dev, ino uint64 }

// linkMatcher checks that hardlink groups are the same in both trees. Each
// group is named by the first of its paths met in the walk; as both trees
// are walked in the same order, equal groups get equal names.
type linkMatcher struct {
	want, got map[fileID]string
}

func (l *linkMatcher) check(rel string, w, g *unix.Stat_t) *Difference {
	if w.Nlink < 2 && g.Nlink < 2 {
		return nil
	}
	wp := firstPath(l.want, fileID{w.Dev, w.Ino}, rel)
	gp := firstPath(l.got, fileID{g.Dev, g.Ino}, rel)
	if wp == gp {
		return nil
	}
	return &Difference{Path: rel, What: "hardlink", Want: linkedTo(wp, gp, rel), Got: linkedTo(gp, wp, rel)}
}

// firstPath returns the first path seen for id, recording rel if none was.
func firstPath(seen map[fileID]string, id fileID, rel string) string {
	if p, ok := seen[id]; ok {
		return p
	}
	seen[id] = rel
	return rel
}

// linkedTo describes one side of a hardlink difference for rel.
func linkedTo(mine, other, rel string) string {
	if mine != rel {
		return "linked to " + mine
	}
	return "not linked to " + other
}

// readNames returns the names in a directory, sorted.
func readNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("comparing trees: %w", err)
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("comparing trees: reading %s: %w", dir, err)
	}
	slices.Sort(names)
	return names, nil
}

// mergeNames returns the union of two sorted lists, sorted.
func mergeNames(a, b []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(a), b...))))
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", fmt.Errorf("comparing trees: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("comparing trees: reading %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// readXattrs returns the extended attributes of p itself (not of a
// symlink's target). A filesystem without xattr support has none.
func readXattrs(p string) (map[string]string, error) {
	list, err := xattrCall(func(buf []byte) (int, error) { return unix.Llistxattr(p, buf) })
	if errors.Is(err, unix.ENOTSUP) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("comparing trees: listing xattrs of %s: %w", p, err)
	}
	attrs := make(map[string]string)
	for name := range strings.SplitSeq(string(list), "\x00") {
		if name == "" {
			continue
		}
		v, err := xattrCall(func(buf []byte) (int, error) { return unix.Lgetxattr(p, name, buf) })
		if errors.Is(err, unix.ENODATA) {
			continue // removed since the listing
		}
		if err != nil {
			return nil, fmt.Errorf("comparing trees: reading xattr %s of %s: %w", name, p, err)
		}
		attrs[name] = string(v)
	}
	return attrs, nil
}

// xattrCall calls a size-then-fill xattr syscall, retrying if the value
// grew between the two calls.
func xattrCall(call func([]byte) (int, error)) ([]byte, error) {
	for {
		size, err := call(nil)
		if err != nil || size == 0 {
			return nil, err
		}
		buf := make([]byte, size)
		n, err := call(buf)
		if errors.Is(err, unix.ERANGE) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
}

// xattrValue formats an xattr value for a Difference, shortened: values
// can be binary (capabilities, ACLs) and long.
func xattrValue(v string, present bool) string {
	if !present {
		return "absent"
	}
	const max = 40
	if len(v) > max {
		return fmt.Sprintf("%q...", v[:max])
	}
	return fmt.Sprintf("%q", v)
}

func formatDev(rdev uint64) string {
	return fmt.Sprintf("%d:%d", unix.Major(rdev), unix.Minor(rdev))
}

func formatTime(ts unix.Timespec) string {
	return time.Unix(ts.Unix()).UTC().Format(time.RFC3339Nano)
}
