package index_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/index"
)

// TestHistoryEqualsSnapshots: along a seeded random history (renamed and
// deleted directories, hardlinks, new and removed files), the matches a
// History keeps from each incremental's delta equal, at every backup, the
// paths of the source snapshot the predicate accepts (found by walking the
// snapshot with the standard library), in the order a walk meets them.
func TestHistoryEqualsSnapshots(t *testing.T) {
	btrfstest.NoLeftovers(t)
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -seed %d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	fsDir := btrfstest.NewFS(t, 256<<20, "")
	live := btrfstest.Subvolume(t, fsDir, "h")
	preds := map[string]func(string) bool{
		"base has a":  func(p string) bool { return strings.Contains(path.Base(p), "a") },
		"under a dir": func(p string) bool { return strings.Contains(p, "/a/") || strings.Contains(p, "/c/") },
		"every path":  func(string) bool { return true },
		"base is d":   func(p string) bool { return path.Base(p) == "d" },
	}
	hs := map[string]*index.History{}
	for name, pred := range preds {
		hs[name] = index.NewHistory(pred)
	}
	parent := index.NewTree()
	prev := ""
	for step := range 8 {
		randomOps(t, live, rng, 120)
		renameSomeDir(t, live, rng)
		snap := filepath.Join(fsDir, fmt.Sprintf("h.%d", step))
		if err := btrfs.Snapshot(context.Background(), live, snap); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := btrfs.Send(context.Background(), snap, btrfs.SendOptions{Parent: prev}, &buf); err != nil {
			t.Fatal(err)
		}
		var p *index.Tree
		if prev != "" {
			p = parent
		}
		ix, err := index.Build(bytes.NewReader(buf.Bytes()), "h", filepath.Base(snap), p)
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		ix = roundTrip(t, ix)
		if err := parent.Apply(ix); err != nil {
			t.Fatal(err)
		}
		for name, h := range hs {
			if err := h.Apply(ix); err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
			want := sourceMatches(t, snap, preds[name])
			var got []string
			h.Matches(func(p string, n *index.Node) { got = append(got, fmt.Sprintf("%s %d %s", p, n.Ino, n.Kind)) })
			if d := lineDiff(want, got); d != "" {
				t.Fatalf("step %d, %s: matches differ from the snapshot (- snapshot, + history):\n%s", step, name, d)
			}
			if !slices.Equal(want, got) {
				t.Fatalf("step %d, %s: matches in another order than a walk:\n%q\n%q", step, name, want, got)
			}
		}
		prev = snap
	}
}

// renameSomeDir moves a random directory (not the top) somewhere else, so
// that every step renames a subtree.
func renameSomeDir(t *testing.T, root string, rng *rand.Rand) {
	t.Helper()
	src := pickEntry(root, rng, true)
	if src == "." {
		return
	}
	dst := filepath.Join(pickEntry(root, rng, true), fmt.Sprintf("moved%d", rng.IntN(1000)))
	os.Rename(filepath.Join(root, src), filepath.Join(root, dst)) // into itself fails: skipped
}

// sourceMatches walks a snapshot with the standard library (names in byte
// order, as find prints them) and returns "path inode type" of each path
// pred accepts.
func sourceMatches(t *testing.T, root string, pred func(string) bool) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := "/" + strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
		if rel == "/" || !pred(rel) {
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		out = append(out, fmt.Sprintf("%s %d %s", rel, st.Ino, kindOf(st.Mode)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
