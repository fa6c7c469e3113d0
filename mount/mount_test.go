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

// Listing a mounted backup reads index objects (and records) only; reading
// a small file of a full of many parts reads one or two parts.
func TestMountReadsOnlyWhatItShows(t *testing.T) {
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
	counting := &countingStore{Store: store}
	dir := t.TempDir()
	server, err := mount.Mount(dir, &mount.Source{Catalog: &restore.Catalog{Store: counting, Identities: []age.Identity{id}},
		Host: "h", Subvols: []string{"home"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := server.Unmount(); err != nil {
			t.Error(err)
		}
	})
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
