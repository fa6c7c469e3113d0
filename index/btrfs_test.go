package index_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/index"
)

var seedFlag = flag.Uint64("seed", 0, "seed of the random histories (0: from the clock)")

// memStreams serves whole plaintext streams from memory.
type memStreams map[string][]byte

func (m memStreams) ReadAt(_ context.Context, snap string, p []byte, off int64) error {
	s, ok := m[snap]
	if !ok || off < 0 || off+int64(len(p)) > int64(len(s)) {
		return fmt.Errorf("no bytes %d+%d in %s", off, len(p), snap)
	}
	copy(p, s[off:])
	return nil
}

// TestIndexEqualsSnapshots: for seeded random histories sent as protocol
// 1 and as protocol 2 with compressed data, the tree every chain of
// indexes describes equals a walk of the source snapshot (what ls -l
// shows), and every file's content read through the index from the
// streams equals the file's bytes (what cat gives).
func TestIndexEqualsSnapshots(t *testing.T) {
	btrfstest.NoLeftovers(t)
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -seed %d)", seed, seed)
	fsDir := btrfstest.NewFS(t, 512<<20, "compress=zstd")
	for _, proto2 := range []bool{false, true} {
		name := fmt.Sprintf("v%d", map[bool]int{false: 1, true: 2}[proto2])
		t.Run(name, func(t *testing.T) {
			if proto2 { // and the Builder spilling all but 3 records, reading them back as needed
				t.Cleanup(index.SetMaxLive(3))
			}
			rng := rand.New(rand.NewPCG(seed, uint64(name[1])))
			live := btrfstest.Subvolume(t, fsDir, name)
			streams := memStreams{}
			tree := index.NewTree()
			prev := ""
			var ixs []*index.Index
			for step := range 4 {
				randomOps(t, live, rng, 200)
				snap := filepath.Join(fsDir, fmt.Sprintf("%s.%d", name, step))
				if err := btrfs.Snapshot(context.Background(), live, snap); err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := btrfs.Send(context.Background(), snap, btrfs.SendOptions{Parent: prev, Proto2Compressed: proto2}, &buf); err != nil {
					t.Fatal(err)
				}
				var parent *index.Tree
				if prev != "" {
					parent = tree
				}
				ix, err := index.Build(bytes.NewReader(buf.Bytes()), name, filepath.Base(snap), parent)
				if err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
				ix = roundTrip(t, ix)
				if err := tree.Apply(ix); err != nil {
					t.Fatal(err)
				}
				streams[filepath.Base(snap)] = buf.Bytes()
				compareTree(t, step, snap, tree, streams)
				ixs = append(ixs, ix)
				if prev != "" {
					compareDiff(t, step, prev, snap, treeOf(t, ixs[:len(ixs)-1]), treeOf(t, ixs))
				}
				prev = snap
			}
		})
	}
}

func roundTrip(t *testing.T, ix *index.Index) *index.Index {
	t.Helper()
	var b bytes.Buffer
	if err := ix.Encode(&b); err != nil {
		t.Fatal(err)
	}
	out, err := index.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// compareTree compares ls -l lines (and contents) of the index's tree with
// a walk of the snapshot.
func compareTree(t *testing.T, step int, snap string, tree *index.Tree, streams memStreams) {
	t.Helper()
	want := walkSource(t, snap)
	var got []string
	err := tree.Walk("/", func(p string, n *index.Node) bool {
		line := describe(p, n.Kind, n.Mode, n.UID, n.GID, n.Size, n.MtimeNs, string(n.Target), xattrList(n))
		if n.Kind == index.KindFile {
			h := sha256.New()
			if err := tree.WriteFile(context.Background(), n, streams, h); err != nil {
				t.Errorf("step %d: read %s: %v", step, p, err)
			}
			line += " " + hex.EncodeToString(h.Sum(nil))
			checkDigest(t, step, snap, p, n, streams)
		}
		got = append(got, line)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
		t.Fatalf("step %d: the index's tree differs from the snapshot:\n%s", step, lineDiff(want, got))
	}
	t.Logf("step %d: %d paths equal", step, len(got))
}

func xattrList(n *index.Node) string {
	var s []string
	for _, x := range n.Xattrs {
		s = append(s, string(x.Name)+"="+x.SHA256[:12])
	}
	return strings.Join(s, ",")
}

func describe(p, kind string, mode, uid, gid uint32, size, mtime int64, target, xattrs string) string {
	if kind != index.KindFile {
		size = 0 // a directory's or symlink's size is not what ls -l of the index shows
	}
	if kind == index.KindSymlink {
		mode = 0o777
	}
	return fmt.Sprintf("%q %s %04o %d:%d %d %d %q [%s]", p, kind, mode, uid, gid, size, mtime, target, xattrs)
}

// walkSource describes the snapshot with the standard library: the
// expected values never come from the index.
func walkSource(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil {
			return err
		}
		rel := "/" + strings.TrimPrefix(strings.TrimPrefix(path, root), "/")
		kind := kindOf(st.Mode)
		target := ""
		line := ""
		if kind == index.KindSymlink {
			target, _ = os.Readlink(path)
		}
		line = describe(rel, kind, st.Mode&0o7777, st.Uid, st.Gid, st.Size, st.Mtim.Nano(), target, xattrsOf(t, path))
		if kind == index.KindFile {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			line += " " + hex.EncodeToString(sum[:])
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func kindOf(mode uint32) string {
	switch mode & syscall.S_IFMT {
	case syscall.S_IFDIR:
		return index.KindDir
	case syscall.S_IFLNK:
		return index.KindSymlink
	case syscall.S_IFIFO:
		return index.KindFifo
	case syscall.S_IFCHR:
		return index.KindChar
	case syscall.S_IFBLK:
		return index.KindBlock
	case syscall.S_IFSOCK:
		return index.KindSocket
	}
	return index.KindFile
}

func xattrsOf(t *testing.T, path string) string {
	buf := make([]byte, 64<<10)
	n, err := unix.Llistxattr(path, buf)
	if err != nil {
		t.Fatalf("listxattr %s: %v", path, err)
	}
	var names []string
	for _, s := range strings.Split(string(buf[:n]), "\x00") {
		if s != "" {
			names = append(names, s)
		}
	}
	sort.Strings(names)
	var out []string
	for _, name := range names {
		v := make([]byte, 64<<10)
		k, err := unix.Lgetxattr(path, name, v)
		if err != nil {
			t.Fatalf("getxattr %s %s: %v", path, name, err)
		}
		sum := sha256.Sum256(v[:k])
		out = append(out, name+"="+hex.EncodeToString(sum[:])[:12])
	}
	return strings.Join(out, ",")
}

func lineDiff(want, got []string) string {
	w, g := map[string]bool{}, map[string]bool{}
	for _, s := range want {
		w[s] = true
	}
	for _, s := range got {
		g[s] = true
	}
	var b strings.Builder
	for _, s := range want {
		if !g[s] {
			fmt.Fprintf(&b, "- %s\n", s)
		}
	}
	for _, s := range got {
		if !w[s] {
			fmt.Fprintf(&b, "+ %s\n", s)
		}
	}
	return b.String()
}

func treeOf(t *testing.T, ixs []*index.Index) *index.Tree {
	t.Helper()
	tree := index.NewTree()
	for _, ix := range ixs {
		if err := tree.Apply(ix); err != nil {
			t.Fatal(err)
		}
	}
	return tree
}

// compareDiff: index.Diff of two trees equals the difference of the two
// source snapshots, computed from walks of them.
func compareDiff(t *testing.T, step int, snapA, snapB string, a, b *index.Tree) {
	t.Helper()
	changes, err := index.Diff(a, b)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range changes {
		got = append(got, fmt.Sprintf("%s %q %v", c.What, c.Path, c.How))
	}
	pa, pb := sourceState(t, snapA), sourceState(t, snapB)
	var want []string
	for p, x := range pa {
		y, ok := pb[p]
		if !ok {
			want = append(want, fmt.Sprintf("removed %q []", p))
			continue
		}
		if how := x.differs(y); len(how) > 0 {
			want = append(want, fmt.Sprintf("changed %q %v", p, how))
		}
	}
	for p := range pb {
		if _, ok := pa[p]; !ok {
			want = append(want, fmt.Sprintf("added %q []", p))
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("step %d: diff differs from the snapshots' difference:\n%s", step, lineDiff(want, got))
	}
	t.Logf("step %d: %d changes equal", step, len(got))
}

type srcEntry struct {
	kind, content, target, xattrs string
	mode, uid, gid                uint32
	rdev                          uint64
}

// differs names what differs, in index.Diff's order.
func (x srcEntry) differs(y srcEntry) []string {
	if x.kind != y.kind {
		return []string{"type"}
	}
	var how []string
	if x.content != y.content {
		how = append(how, "content")
	}
	if x.mode != y.mode && x.kind != index.KindSymlink {
		how = append(how, "mode")
	}
	if x.uid != y.uid || x.gid != y.gid {
		how = append(how, "owner")
	}
	if x.xattrs != y.xattrs {
		how = append(how, "xattrs")
	}
	if x.target != y.target || x.rdev != y.rdev {
		how = append(how, "target")
	}
	return how
}

func sourceState(t *testing.T, root string) map[string]srcEntry {
	t.Helper()
	m := map[string]srcEntry{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil {
			return err
		}
		e := srcEntry{kind: kindOf(st.Mode), mode: st.Mode & 0o7777, uid: st.Uid, gid: st.Gid, xattrs: xattrsOf(t, path)}
		switch e.kind {
		case index.KindFile:
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			e.content = hex.EncodeToString(sum[:])
		case index.KindSymlink:
			e.target, _ = os.Readlink(path)
		case index.KindChar, index.KindBlock:
			e.rdev = st.Rdev
		}
		m["/"+strings.TrimPrefix(strings.TrimPrefix(path, root), "/")] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
