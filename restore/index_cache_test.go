package restore_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/remote"
	"github.com/argo-backup/argo-backup/restore"
)

// TestIndexCache: a second reading of a chain's indexes through the cache
// downloads nothing; a cache file swapped for another index's or changed
// is not used (the index is downloaded and checked again, and cached
// anew); cache files are 0600.
func TestIndexCache(t *testing.T) {
	w := newWorld(t, remotetest.Local(t))
	writeFile(t, filepath.Join(w.source, "me", "a.txt"), []byte("a\n"))
	w.push(true)
	writeFile(t, filepath.Join(w.source, "me", "b.txt"), []byte("b\n"))
	rec := w.push(false)
	dir := filepath.Join(t.TempDir(), "cache", "index")
	counting := &countingStore{Store: w.store}
	read := func() []string {
		t.Helper()
		cat := &restore.Catalog{Store: counting, Identities: w.restorer.Catalog.Identities, IndexCache: dir}
		recs, err := cat.Records(w.ctx, host, "home")
		if err != nil {
			t.Fatal(err)
		}
		counting.take()
		tree, err := cat.Tree(w.ctx, host, recs, rec.Snapshot)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tree.Lookup("/me/b.txt"); err != nil {
			t.Fatal(err)
		}
		return counting.take()
	}
	if got := read(); len(got) != 2 || !remote.IsIndex(got[0]) || !remote.IsIndex(got[1]) {
		t.Fatalf("the first reading read %v, want the two index objects", got)
	}
	if got := read(); len(got) != 0 {
		t.Fatalf("a reading through the cache read %v, want nothing", got)
	}
	cached, err := filepath.Glob(filepath.Join(dir, "*.gob.zst"))
	if err != nil || len(cached) != 2 {
		t.Fatalf("cache holds %v (%v), want two objects", cached, err)
	}
	for _, f := range cached {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("cached %s: %v %v, want mode 0600", f, fi.Mode(), err)
		}
	}
	// One index's cache file in the place of the other's: not believed.
	b, err := os.ReadFile(cached[1])
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(cached[0], b, 0o600))
	if got := read(); len(got) != 1 || !remote.IsIndex(got[0]) {
		t.Fatalf("with one cache file swapped the reading read %v, want that one index", got)
	}
	b[len(b)-1] ^= 1
	must(t, os.WriteFile(cached[1], b, 0o600))
	if got := read(); len(got) != 1 || !remote.IsIndex(got[0]) {
		t.Fatalf("with one cache file changed the reading read %v, want that one index", got)
	}
	if got := read(); len(got) != 0 {
		t.Fatalf("after the cache was mended the reading read %v, want nothing", got)
	}
}
