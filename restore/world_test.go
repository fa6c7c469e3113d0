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
	"github.com/argo-backup/argo-backup/crypto/cryptotest"
	"github.com/argo-backup/argo-backup/internal/testing/treedigest"
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
	id, sealer := cryptotest.Keys(t)
	log := slog.New(slog.NewTextHandler(testWriter{t}, nil))
	w.sv = backup.Subvolume{Name: "home", Path: w.source, SnapshotDir: w.snapDir,
		Parents: manifest.ParentPolicy{Mode: "chain"}, KeepLocal: 10}
	w.pusher = &backup.Pusher{Host: host, Store: store, Sealer: sealer, Recipients: []age.Recipient{id.Recipient()},
		Signer: cryptotest.Signer(t, id, host),
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
	w.requireSameTreeIn(w.target, snapshot)
}

// requireRestored fails t unless the tree at got reproduces the tree at
// want, leaving out the ignored paths. It judges with treedigest, not with
// the production restore.CompareTrees: a bug in that would hide one in
// restore.
func requireRestored(t testing.TB, what, want, got string, ignore ...string) {
	t.Helper()
	o := treedigest.Options{Ignore: ignore}
	treedigest.Require(t, what, treedigest.Of(t, want, o), treedigest.Of(t, got, o))
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
	requireRestored(w.t, snapshot+" restored", filepath.Join(w.snapDir, snapshot), filepath.Join(dir, snapshot))
}

// pushChain backs up three states of the tree: a full, then two
// incrementals, each on the one before.
func (w *world) pushChain() (full, incr1, incr2 *manifest.Record) {
	fillTree(w.t, w.source)
	full = w.push(false)
	changeTree(w.t, w.source)
	incr1 = w.push(false)
	changeTreeAgain(w.t, w.source)
	incr2 = w.push(false)
	return full, incr1, incr2
}
