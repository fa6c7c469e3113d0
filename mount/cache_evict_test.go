package mount_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/argo-backup/argo-backup/mount"
	"github.com/argo-backup/argo-backup/restore"

	"filippo.io/age"
	"golang.org/x/sys/unix"
)

// A part damaged in the disk cache fails its check once: the mount evicts
// it, reads it again from the remote, and serves the right bytes; the next
// read is served from the cache again, the good copy.
func TestMountEvictsADamagedCachedPart(t *testing.T) {
	rec, store, id := pushBlobs(t)
	counting := &countingStore{Store: store}
	var mu sync.Mutex
	var logged []string
	cache, err := mount.OpenDiskCache(t.TempDir(), 64<<20, func(msg string, err error) {
		mu.Lock()
		logged = append(logged, msg+": "+err.Error())
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cache.Close() })
	dir := mountOn(t, &mount.Source{Catalog: &restore.Catalog{Store: counting, Identities: []age.Identity{id}},
		Host: "h", Subvols: []string{"home"}, Cache: cache})
	read := func(name string) ([]byte, []string) {
		t.Helper()
		f, err := os.Open(filepath.Join(dir, "home", rec.Snapshot, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var buf bytes.Buffer
		_, err = buf.ReadFrom(f)
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, name := range counting.take() {
			if strings.HasPrefix(name, "part-") {
				parts = append(parts, name)
			}
		}
		return buf.Bytes(), parts
	}
	want, first := read("blob-a")
	if len(want) != 100<<10 || len(first) == 0 {
		t.Fatalf("the first read got %d bytes from parts %v", len(want), first)
	}
	// The parts of other files take the two places in memory, so that
	// blob-a's parts are on disk alone.
	read("blob-e")
	read("blob-f")

	cached, _ := filepath.Glob(filepath.Join(cache.Dir(), "part-*"))
	if len(cached) == 0 {
		t.Fatal("nothing cached: the test proves nothing")
	}
	for _, p := range cached { // damage every cached part throughout
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(b); i += 512 {
			b[i] ^= 0xff
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, again := read("blob-a")
	if !bytes.Equal(got, want) {
		t.Fatal("blob-a read through a damaged cache differs")
	}
	if len(again) == 0 {
		t.Error("the damaged parts were not downloaded again")
	}
	mu.Lock()
	if len(logged) == 0 || !strings.Contains(strings.Join(logged, "\n"), "evicted") {
		t.Errorf("the eviction was not logged: %q", logged)
	}
	mu.Unlock()
	if got, third := read("blob-a"); !bytes.Equal(got, want) || len(third) != 0 {
		t.Errorf("the third read downloaded %v (equal %v), want nothing: the good copy is cached", third, bytes.Equal(got, want))
	}
}
