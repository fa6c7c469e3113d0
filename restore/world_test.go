package restore_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
	"github.com/argo-backup/argo-backup/restore"
)

// world is one machine backing up one subvolume to one remote, and a fresh
// disk to restore onto: the cast of every end-to-end story.
type world struct {
	t        *testing.T
	ctx      context.Context
	source   string // the subvolume being backed up
	snapDir  string
	target   string // a fresh btrfs to restore into
	store    *remote.Store
	pusher   *backup.Pusher
	restorer *restore.Restorer
	sv       backup.Subvolume
	clock    time.Time
}

const host = "testhost"

func newWorld(t *testing.T, spec string) *world {
	t.Helper()
	btrfstest.RequireRoot(t)
	btrfstest.NoLeftovers(t)
	w := &world{t: t, ctx: context.Background(), clock: time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)}
	src := btrfstest.NewFS(t, 1<<30, "noatime,compress=zstd") // compressed extents, sent as they are with proto 2
	w.source = btrfstest.Subvolume(t, src, "@home")
	w.snapDir = filepath.Join(src, "@snapshots")
	w.target = btrfstest.NewFS(t, 1<<30, "")
	store, err := remote.Open(w.ctx, spec, remote.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.EnsureFormat(w.ctx, true); err != nil {
		t.Fatal(err)
	}
	w.store = store
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := crypto.NewSealer([]age.Recipient{id.Recipient()}, 3)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, nil))
	w.sv = backup.Subvolume{Name: "home", Path: w.source, SnapshotDir: w.snapDir,
		Parents: manifest.ParentPolicy{Mode: "chain"}, KeepLocal: 10}
	w.pusher = &backup.Pusher{Host: host, Store: store, Sealer: sealer, Recipients: []age.Recipient{id.Recipient()},
		Signer: newSigner(t, id, host),
		State:  backup.State{Dir: t.TempDir()}, PartSize: 1 << 20, CompressionLevel: 3, SendCompressed: true,
		Log: log, Now: func() time.Time { return w.clock }}
	w.restorer = &restore.Restorer{Catalog: restore.Catalog{Store: store, Identities: []age.Identity{id}}, Log: log}
	return w
}

// push backs up the source as of the world's clock, then advances the clock
// a day.
func (w *world) push(full bool) *manifest.Record {
	w.t.Helper()
	rec, err := w.pusher.Push(w.ctx, w.sv, full)
	if err != nil {
		w.t.Fatalf("push: %v", err)
	}
	w.clock = w.clock.Add(24 * time.Hour)
	return rec
}

// restore restores the named snapshot into the target disk.
func (w *world) restore(snapshot string) string {
	w.t.Helper()
	_, err := w.restorer.Restore(w.ctx, host, "home", restore.Target{Snapshot: snapshot}, w.target, restore.Options{})
	if err != nil {
		w.t.Fatalf("restore %s: %v", snapshot, err)
	}
	return filepath.Join(w.target, snapshot)
}

// requireSameTree fails unless the restored tree equals its source snapshot.
func (w *world) requireSameTree(snapshot string) {
	w.t.Helper()
	diffs, err := restore.CompareTrees(filepath.Join(w.snapDir, snapshot), filepath.Join(w.target, snapshot))
	if err != nil {
		w.t.Fatal(err)
	}
	for _, d := range diffs {
		w.t.Errorf("%s: restored tree differs: %s", snapshot, d)
	}
}

type testWriter struct{ t *testing.T }

func (tw testWriter) Write(p []byte) (int, error) {
	tw.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func mustWrite(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func deleteSubvolume(t *testing.T, path string) {
	t.Helper()
	if err := btrfs.Delete(context.Background(), path); err != nil {
		t.Fatal(err)
	}
}

// requireSameTreeIn fails unless dir/snapshot equals its source snapshot.
func (w *world) requireSameTreeIn(dir, snapshot string) {
	w.t.Helper()
	diffs, err := restore.CompareTrees(filepath.Join(w.snapDir, snapshot), filepath.Join(dir, snapshot))
	if err != nil {
		w.t.Fatal(err)
	}
	for _, d := range diffs {
		w.t.Errorf("%s: restored tree differs: %s", snapshot, d)
	}
}
