package mount_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"golang.org/x/sys/unix"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/crypto/cryptotest"
	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/mount"
	"github.com/argo-backup/argo-backup/remote"
	"github.com/argo-backup/argo-backup/restore"
)

// countingStore records the base name of every object read.
type countingStore struct {
	restore.Store
	mu    sync.Mutex
	reads []string
}

func (c *countingStore) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	c.mu.Lock()
	c.reads = append(c.reads, filepath.Base(name))
	c.mu.Unlock()
	return c.Store.Open(ctx, name)
}

func (c *countingStore) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.reads
	c.reads = nil
	return r
}

// pushBlobs pushes a full backup of eight 100 KiB blobs and small.txt in
// 64 KiB parts, and returns its record, store and identity.
func pushBlobs(t *testing.T) (*manifest.Record, restore.Store, *age.X25519Identity) {
	t.Helper()
	btrfstest.NoLeftovers(t)
	src := btrfstest.NewFS(t, 1<<30, "")
	home := btrfstest.Subvolume(t, src, "@home")
	for i := range 8 {
		b := make([]byte, 100<<10)
		for j := range b {
			b[j] = byte(i*31 + j*7 + j/251)
		}
		os.WriteFile(filepath.Join(home, "blob-"+string(rune('a'+i))), b, 0o644)
	}
	os.WriteFile(filepath.Join(home, "small.txt"), []byte("small\n"), 0o644)
	ctx := context.Background()
	store, err := remote.Open(ctx, remotetest.Local(t), remote.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.EnsureFormat(ctx, true); err != nil {
		t.Fatal(err)
	}
	id, _ := age.GenerateX25519Identity()
	sealer, _ := crypto.NewSealer([]age.Recipient{id.Recipient()}, 3)
	p := &backup.Pusher{Host: "h", Store: store, Sealer: sealer, Recipients: []age.Recipient{id.Recipient()},
		Signer: cryptotest.Signer(t, id, "h"), State: backup.State{Dir: t.TempDir()}, PartSize: 64 << 10,
		Now: func() time.Time { return time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC) }}
	rec, err := p.Push(ctx, backup.Subvolume{Name: "home", Path: home, SnapshotDir: filepath.Join(src, "snaps"),
		Parents: manifest.ParentPolicy{Mode: "chain"}, KeepLocal: 2}, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Parts) < 8 {
		t.Fatalf("the full has %d parts, want many", len(rec.Parts))
	}
	return rec, store, id
}

// mountOn mounts src on a new directory, unmounted at the end of the test.
func mountOn(t *testing.T, src *mount.Source) string {
	t.Helper()
	dir := t.TempDir()
	server, err := mount.Mount(dir, src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := server.Unmount(); err != nil {
			t.Error(err)
		}
	})
	return dir
}

// Listing a mounted backup reads index objects (and records) only; reading
// a small file of a full of many parts reads one or two parts.
func TestMountReadsOnlyWhatItShows(t *testing.T) {
	rec, store, id := pushBlobs(t)
	counting := &countingStore{Store: store}
	dir := mountOn(t, &mount.Source{Catalog: &restore.Catalog{Store: counting, Identities: []age.Identity{id}},
		Host: "h", Subvols: []string{"home"}})
	entries, err := os.ReadDir(filepath.Join(dir, "home", rec.Snapshot))
	if err != nil || len(entries) != 9 {
		t.Fatalf("the backup lists %v (%v), want 9 files", entries, err)
	}
	for _, name := range counting.take() {
		if strings.HasPrefix(name, "part-") {
			t.Errorf("listing read %s", name)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "home", rec.Snapshot, "small.txt"))
	if err != nil || string(b) != "small\n" {
		t.Fatalf("small.txt reads %q (%v)", b, err)
	}
	if got := counting.take(); len(got) == 0 || len(got) > 2 {
		t.Errorf("reading small.txt read %v, want one or two parts", got)
	}
}

// With a disk cache, a file read twice (its pages dropped from the kernel's
// cache in between, and more than the two parts held in memory read since)
// downloads its parts once; the cache holds them 0600 and goes with Close.
func TestMountReadsEachPartOnce(t *testing.T) {
	rec, store, id := pushBlobs(t)
	counting := &countingStore{Store: store}
	cache, err := mount.OpenDiskCache(t.TempDir(), 64<<20, func(msg string, err error) { t.Error(msg, err) })
	if err != nil {
		t.Fatal(err)
	}
	dir := mountOn(t, &mount.Source{Catalog: &restore.Catalog{Store: counting, Identities: []age.Identity{id}},
		Host: "h", Subvols: []string{"home"}, Cache: cache})
	snap := filepath.Join(dir, "home", rec.Snapshot)
	readAll := func(names ...string) []string {
		t.Helper()
		for _, name := range names {
			f, err := os.Open(filepath.Join(snap, name))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, f); err != nil {
				t.Fatalf("read %s: %v", name, err)
			}
			// Drop the file's pages so that the next read asks the mount.
			if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
		var parts []string
		for _, name := range counting.take() {
			if strings.HasPrefix(name, "part-") {
				parts = append(parts, name)
			}
		}
		return parts
	}
	first := readAll("blob-a", "blob-b", "blob-c", "blob-d")
	if len(first) < 6 {
		t.Fatalf("reading four 100 KiB files of 64 KiB parts read %v, want at least six parts", first)
	}
	if again := readAll("blob-a", "blob-b", "blob-c", "blob-d"); len(again) != 0 {
		t.Errorf("reading them again downloaded %v, want nothing (the cache has them)", again)
	}
	cached, _ := filepath.Glob(filepath.Join(cache.Dir(), "part-*"))
	if len(cached) != len(first) {
		t.Errorf("the cache holds %d parts, want the %d read", len(cached), len(first))
	}
	for _, p := range cached {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v (%v), want 0600", p, fi, err)
		}
	}
	if err := cache.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cache.Dir()); !os.IsNotExist(err) {
		t.Errorf("the cache outlived Close (%v)", err)
	}
}
