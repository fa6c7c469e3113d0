package index_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/sendstream"
)

// bigTree describes a generated full send of dirs directories of files
// files each, in the order btrfs send emits them: inodes in increasing
// order, each made under its temporary name, renamed into place, written,
// owned, chmodded and timed, then its directory's times set.
type bigTree struct{ dirs, files int }

func (g bigTree) dirIno(d int) uint64     { return uint64(257 + d*(g.files+1)) }
func (g bigTree) fileIno(d, f int) uint64 { return g.dirIno(d) + 1 + uint64(f) }
func (g bigTree) size(d, f int) int64     { return int64(1 + (d*7+f*13)%4000) }
func (g bigTree) mode(d, f int) uint32    { return uint32(0o600 + (d+f)%2*0o44) }
func (g bigTree) mtime(d, f int) int64    { return int64(1.7e18) + int64(d)*1e9 + int64(f) }

// commands feeds the stream's commands to add, each built fresh (as the
// reader does), with stream offsets that grow like a real stream's.
func (g bigTree) commands(add func(*sendstream.Command) error) error {
	var pos int64
	cmd := func(c sendstream.Command) error {
		c.Offset = pos
		pos += 64 + int64(len(c.Path)+len(c.PathTo)+len(c.Data))
		return add(&c)
	}
	data := make([]byte, 4000)
	if err := cmd(sendstream.Command{Type: sendstream.CmdSubvol, Path: "big"}); err != nil {
		return err
	}
	for d := range g.dirs {
		dir := fmt.Sprintf("d%04d", d)
		tmp := fmt.Sprintf("o%d-1-0", g.dirIno(d))
		for _, c := range []sendstream.Command{
			{Type: sendstream.CmdMkdir, Path: tmp, Ino: g.dirIno(d)},
			{Type: sendstream.CmdRename, Path: tmp, PathTo: dir},
			{Type: sendstream.CmdUtimes, Path: "", Mtime: time.Unix(0, 1e18)},
			{Type: sendstream.CmdChmod, Path: dir, Mode: 0o755},
		} {
			if err := cmd(c); err != nil {
				return err
			}
		}
		for f := range g.files {
			path := fmt.Sprintf("%s/f%05d", dir, f)
			tmp := fmt.Sprintf("o%d-1-0", g.fileIno(d, f))
			for _, c := range []sendstream.Command{
				{Type: sendstream.CmdMkfile, Path: tmp, Ino: g.fileIno(d, f)},
				{Type: sendstream.CmdRename, Path: tmp, PathTo: path},
				{Type: sendstream.CmdUtimes, Path: dir, Mtime: time.Unix(0, 1e18)},
				{Type: sendstream.CmdWrite, Path: path, Data: data[:g.size(d, f)]},
				{Type: sendstream.CmdChown, Path: path, UID: 1000, GID: 100},
				{Type: sendstream.CmdChmod, Path: path, Mode: uint64(g.mode(d, f))},
				{Type: sendstream.CmdUtimes, Path: path, Mtime: time.Unix(0, g.mtime(d, f))},
			} {
				if err := cmd(c); err != nil {
					return err
				}
			}
		}
	}
	return cmd(sendstream.Command{Type: sendstream.CmdEnd})
}

func heapInuse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestBuilderMemoryIsBounded: building the index of a 200,000-file full
// stream keeps the heap's growth under 24 MiB (measured: 6 MiB; the
// Builder that held the whole tree grew it by 64 MiB, before encoding),
// and the index it writes describes exactly the generated tree.
func TestBuilderMemoryIsBounded(t *testing.T) {
	g := bigTree{dirs: 200, files: 1000}
	if testing.Short() {
		g.files = 100
	}
	base := heapInuse()
	b := index.NewBuilderOn("big", "s1", nil, t.TempDir())
	defer b.Close()
	var peak uint64
	n := 0
	err := g.commands(func(c *sendstream.Command) error {
		if n++; n%100000 == 0 {
			peak = max(peak, heapInuse())
		}
		return b.Add(c)
	})
	if err != nil {
		t.Fatal(err)
	}
	peak = max(peak, heapInuse())
	out, err := os.Create(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := b.Finish(out, 1, ""); err != nil {
		t.Fatal(err)
	}
	peak = max(peak, heapInuse())
	grew := int64(peak) - int64(base)
	t.Logf("%d commands; heap in use grew by at most %.1f MiB", n, float64(grew)/(1<<20))
	if grew > 24<<20 {
		t.Errorf("the heap grew by %.1f MiB while building, more than the 24 MiB bound", float64(grew)/(1<<20))
	}
	tree := checkBigIndex(t, g, out)
	checkChain(t, tree, out.Name())
}

// checkChain: the index file read as a Chain (what the next push builds
// on) gives every record the tree holds, and none it lacks.
func checkChain(t *testing.T, tree *index.Tree, path string) {
	c, err := index.OpenChain("s1", func(string) string { return path })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for ino, want := range tree.Nodes {
		if ino%97 != 0 && ino != index.RootIno {
			continue
		}
		got, err := c.Node(ino)
		if err != nil || got == nil || fmt.Sprint(*got) != fmt.Sprint(*want) {
			t.Fatalf("chain's record of %d: %v, %v; want %v", ino, got, err, *want)
		}
	}
	for _, ino := range []uint64{1, 255, 1 << 40} {
		if got, err := c.Node(ino); got != nil || err != nil {
			t.Errorf("chain's record of %d, which the index lacks: %v, %v", ino, got, err)
		}
	}
}

// checkBigIndex decodes the index and compares its tree with the
// generator's description.
func checkBigIndex(t *testing.T, g bigTree, f *os.File) *index.Tree {
	if _, err := f.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	ix, err := index.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + g.dirs*(g.files+1); len(ix.Nodes) != want {
		t.Fatalf("%d records, want %d", len(ix.Nodes), want)
	}
	tree := index.NewTree()
	if err := tree.Apply(ix); err != nil {
		t.Fatal(err)
	}
	seen := 0
	err = tree.Walk("/", func(p string, n *index.Node) bool {
		seen++
		var d, f int
		switch {
		case p == "/":
			if len(n.Entries) != g.dirs || n.MtimeNs != 1e18 {
				t.Errorf("/: %d entries, mtime %d", len(n.Entries), n.MtimeNs)
			}
		case len(p) == len("/d0000"):
			fmt.Sscanf(p, "/d%04d", &d)
			if n.Ino != g.dirIno(d) || n.Kind != index.KindDir || n.Mode != 0o755 || len(n.Entries) != g.files || n.MtimeNs != 1e18 {
				t.Errorf("%s: %+v", p, *n)
			}
		default:
			fmt.Sscanf(p, "/d%04d/f%05d", &d, &f)
			want := index.Node{Ino: g.fileIno(d, f), Kind: index.KindFile, Mode: g.mode(d, f), UID: 1000, GID: 100,
				Size: g.size(d, f), MtimeNs: g.mtime(d, f)}
			got := *n
			got.Extents, got.Digest = nil, "" // digests: TestDigest
			if fmt.Sprint(got) != fmt.Sprint(want) || len(n.Extents) != 1 || n.Extents[0].Len != want.Size || n.Extents[0].Snap != "s1" {
				t.Errorf("%s: got %+v, want %+v", p, *n, want)
			}
		}
		return !t.Failed()
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + g.dirs*(g.files+1); seen != want {
		t.Errorf("walked %d paths, want %d", seen, want)
	}
	return tree
}
