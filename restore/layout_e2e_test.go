package restore_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/crypto/cryptotest"
	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
	"github.com/argo-backup/argo-backup/restore"
)

// argoFstab is the Argo OS layout: every subvolume the fstab mounts, and
// where (relative to the machine's root).
var argoFstab = []struct{ subvol, at string }{
	{"@", ""},
	{"@home", "home"},
	{"@var-log", "var/log"},
	{"@var-cache", "var/cache"},
	{"@snapshots", ".snapshots"},
}

// machine is the Argo OS layout mounted from one btrfs, as its fstab would.
type machine struct {
	t    *testing.T
	dev  string
	root string // where @ is mounted
}

// mountArgo makes the layout's subvolumes on the top level top (unless they
// exist) and mounts them by subvol=, the fstab's way.
func mountArgo(t *testing.T, top string, create bool) *machine {
	t.Helper()
	m := &machine{t: t, dev: deviceOf(t, top), root: t.TempDir()}
	for _, line := range argoFstab {
		if create {
			btrfstest.Subvolume(t, top, line.subvol)
		}
		at := filepath.Join(m.root, line.at)
		must(t, os.MkdirAll(at, 0o755))
		mountSubvol(t, m.dev, line.subvol, at)
	}
	return m
}

func (m *machine) path(rel string) string { return filepath.Join(m.root, rel) }

func deviceOf(t *testing.T, dir string) string {
	t.Helper()
	mounts, err := mountinfo.GetMounts(mountinfo.SingleEntryFilter(dir))
	if err != nil || len(mounts) == 0 {
		t.Fatalf("no mount at %s: %v", dir, err)
	}
	return mounts[0].Source
}

// mountSubvol mounts subvol of dev at dir until the test ends.
func mountSubvol(t *testing.T, dev, subvol, dir string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "subvol="+subvol, dev, dir).CombinedOutput(); err != nil {
		t.Fatalf("mount subvol=%s: %v: %s", subvol, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
}

// fsUUID asks blkid, not the code under test, for a filesystem's UUID.
func fsUUID(t *testing.T, dev string) string {
	t.Helper()
	out, err := exec.Command("blkid", "-p", "-s", "UUID", "-o", "value", dev).Output()
	if err != nil {
		t.Fatalf("blkid %s: %v", dev, err)
	}
	return strings.TrimSpace(string(out))
}

// layoutPushers pushes the machine's root, home (from snapper's snapshots)
// and var-log to one remote; @var-cache and @snapshots are not backed up.
type layoutPushers struct {
	t       *testing.T
	store   *remote.Store
	id      *age.X25519Identity
	catalog *restore.Catalog
	clock   time.Time
}

func (lp *layoutPushers) pusher(stateDir string) *backup.Pusher {
	sealer, err := crypto.NewSealer([]age.Recipient{lp.id.Recipient()}, 3)
	must(lp.t, err)
	return &backup.Pusher{Host: host, Store: lp.store, Sealer: sealer, Recipients: []age.Recipient{lp.id.Recipient()},
		Signer: cryptotest.Signer(lp.t, lp.id, host), State: backup.State{Dir: stateDir}, PartSize: 1 << 20, CompressionLevel: 3,
		Log: slog.New(slog.NewTextHandler(testWriter{lp.t}, nil)), Now: func() time.Time { return lp.clock },
		RemoteRecords: func(context.Context) (backup.RecordReader, error) { return lp.catalog, nil }}
}

func argoSubvolumes(m *machine) []backup.Subvolume {
	snaps := m.path(".snapshots/argo-backup")
	chain := manifest.ParentPolicy{Mode: manifest.ModeChain}
	return []backup.Subvolume{
		{Name: "root", Path: m.root, SnapshotDir: snaps, Parents: chain, KeepLocal: 5},
		{Name: "home", Path: m.path("home"), SnapshotDir: snaps, SnapperDir: m.path("home/.snapshots"), Parents: chain, KeepLocal: 5},
		{Name: "var-log", Path: m.path("var/log"), SnapshotDir: snaps, Parents: chain, KeepLocal: 5},
	}
}

func (lp *layoutPushers) pushAll(p *backup.Pusher, svs []backup.Subvolume) map[string]*manifest.Record {
	lp.t.Helper()
	out := map[string]*manifest.Record{}
	for _, sv := range svs {
		rec, err := p.Push(context.Background(), sv, false)
		if err != nil {
			lp.t.Fatalf("push %s: %v", sv.Name, err)
		}
		out[sv.Name] = rec
	}
	lp.clock = lp.clock.Add(24 * time.Hour)
	return out
}

// The whole Argo OS layout comes back with restore --layout onto a fresh
// disk: every fstab line mounts by subvol=, the restored trees equal their
// sources, snapper's .snapshots is there, and the next push of each
// subvolume is an incremental on what was restored.
func TestRestoreLayoutArgoOS(t *testing.T) {
	btrfstest.RequireRoot(t)
	btrfstest.NoLeftovers(t)
	ctx := context.Background()
	old := mountArgo(t, btrfstest.NewFS(t, 1<<30, "noatime"), true)
	snap := &snapper{t: t, source: old.path("home"), dir: btrfstest.Subvolume(t, old.path("home"), ".snapshots")}
	must(t, os.Chmod(snap.dir, 0o750))
	mustWrite(t, old.path("etc-fstab"), []byte("UUID=... / btrfs subvol=@ 0 0\n"), 0o644)
	mustWrite(t, old.path("home/letter.txt"), []byte("dear home"), 0o600)
	mustWrite(t, old.path("var/log/messages"), []byte("booted\n"), 0o640)
	mustWrite(t, old.path("var/cache/not-backed-up"), []byte("cache"), 0o644)
	must(t, os.Chmod(old.path("var/cache"), 0o700))

	id, err := age.GenerateX25519Identity()
	must(t, err)
	store, err := remote.Open(ctx, remotetest.Local(t), remote.Options{})
	must(t, err)
	must(t, store.EnsureFormat(ctx, true))
	lp := &layoutPushers{t: t, store: store, id: id, clock: time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC),
		catalog: &restore.Catalog{Store: store, Identities: []age.Identity{id}}}
	oldState := t.TempDir()
	p := lp.pusher(oldState)
	svs := argoSubvolumes(old)
	snap.take(lp.clock.Add(-time.Hour))
	lp.pushAll(p, svs)
	staleState := copyDir(t, oldState) // state_dir as a root backup taken now would hold it
	mustWrite(t, old.path("var/log/messages"), []byte("booted\nworked\n"), 0o640)
	mustWrite(t, old.path("home/letter.txt"), []byte("dear home, again"), 0o600)
	snap.take(lp.clock.Add(-time.Hour))
	targets := lp.pushAll(p, svs)

	// What push recorded, checked against blkid and the layout built above.
	uuid := fsUUID(t, old.dev)
	for name, want := range map[string]string{"root": "@", "home": "@home", "var-log": "@var-log"} {
		rec := targets[name]
		if rec.FSUUID != uuid || rec.SubvolPath != want {
			t.Errorf("%s: record says filesystem %q subvolume %q, want %q %q", name, rec.FSUUID, rec.SubvolPath, uuid, want)
		}
	}
	requireLayoutEntry(t, targets["root"].Layout, "@var-cache", old.path("var/cache"), 0o700)
	requireLayoutEntry(t, targets["root"].Layout, "@snapshots", old.path(".snapshots"), 0o755)
	requireLayoutEntry(t, targets["home"].Layout, "@home/.snapshots", "", 0o750)

	// The dry run: the plan, and nothing changed.
	topNew := btrfstest.NewFS(t, 1<<30, "noatime")
	var recs []*manifest.Record
	for _, sv := range svs {
		recs = append(recs, targets[sv.Name])
	}
	plan, err := restore.PlanLayout(recs)
	must(t, err)
	var out bytes.Buffer
	plan.Describe(&out, topNew)
	for _, want := range []string{
		"mkfs.btrfs -U " + uuid + " /dev/NEWPART",
		"mount -o subvolid=5 /dev/NEWPART " + topNew,
		"restore root       " + targets["root"].Snapshot,
		"as @home, writable, mounted at " + old.path("home"),
		"keep the received read-only " + targets["var-log"].Snapshot + " at @snapshots/argo-backup/" + targets["var-log"].Snapshot,
		"create empty subvolume @var-cache (mode 700, mounted at " + old.path("var/cache"),
		"create empty subvolume @home/.snapshots (mode 750, inside @home",
		"create empty subvolume @snapshots (mode 755",
		"EFI system partition, the boot loader",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run lacks %q:\n%s", want, out.String())
		}
	}
	must(t, restore.CheckLayoutTarget(topNew, plan))
	requireEmptyDir(t, topNew)

	r := &restore.Restorer{Catalog: *lp.catalog, Log: slog.New(slog.NewTextHandler(testWriter{t}, nil))}
	must(t, r.RestoreLayout(ctx, host, plan, topNew))

	// Every fstab line mounts by subvol=, and holds what it held.
	restored := mountArgo(t, topNew, false)
	for _, sv := range svs {
		src := filepath.Join(sv.SnapshotDir, targets[sv.Name].Snapshot)
		got := sv.Path[len(old.root):]
		requireRestored(t, sv.Name+" restored", src, restored.path(got), ".snapshots", "home", "var/log", "var/cache")
	}
	requireEmptyDir(t, restored.path("var/cache"))
	requireSubvolume(t, restored.path("home/.snapshots"), 0o750)
	requireSubvolume(t, restored.path("var/cache"), 0o700)

	// The next push of each is an incremental on the restored backup: root
	// and home with an empty state_dir, var-log with one that missed the
	// last backup (an older root backup's).
	lp.clock = lp.clock.Add(72 * time.Hour)
	mustWrite(t, restored.path("var/log/messages"), []byte("restored\n"), 0o640)
	restoredSnap := &snapper{t: t, source: restored.path("home"), dir: restored.path("home/.snapshots")}
	restoredSnap.take(lp.clock.Add(-time.Hour))
	newSVs := argoSubvolumes(restored)
	for _, sv := range newSVs {
		state := t.TempDir()
		if sv.Name == "var-log" {
			state = staleState
		}
		rec, err := lp.pusher(state).Push(ctx, sv, false)
		if err != nil {
			t.Fatalf("push %s after the restore: %v", sv.Name, err)
		}
		if rec.IsFull() || rec.Parent != targets[sv.Name].Snapshot {
			t.Errorf("push %s after the restore: parent %q, want an incremental on %s", sv.Name, rec.Parent, targets[sv.Name].Snapshot)
		}
		if sv.Name == "var-log" {
			requireChainRestores(t, r, rec, filepath.Join(sv.SnapshotDir, rec.Snapshot))
		}
	}
}

// requireChainRestores restores rec's chain (made before and after the
// restore) onto another fresh disk and compares it with its source.
func requireChainRestores(t *testing.T, r *restore.Restorer, rec *manifest.Record, source string) {
	t.Helper()
	dir := btrfstest.NewFS(t, 1<<30, "")
	if _, err := r.Restore(context.Background(), host, rec.Subvolume, restore.Target{Snapshot: rec.Snapshot}, dir, restore.Options{}); err != nil {
		t.Fatalf("restore the chain across the restore: %v", err)
	}
	requireRestored(t, "chain across the restore", source, filepath.Join(dir, rec.Snapshot))
}

func requireLayoutEntry(t *testing.T, layout []manifest.LayoutEntry, subvol, mountpoint string, mode uint32) {
	t.Helper()
	for _, e := range layout {
		if e.Subvol == subvol {
			if e.Mountpoint != mountpoint || e.Mode != mode {
				t.Errorf("layout entry %s: mounted at %q mode %o, want %q %o", subvol, e.Mountpoint, e.Mode, mountpoint, mode)
			}
			return
		}
	}
	t.Errorf("layout lacks %s: %+v", subvol, layout)
}

func requireSubvolume(t *testing.T, path string, mode uint32) {
	t.Helper()
	var st unix.Stat_t
	must(t, unix.Lstat(path, &st))
	if st.Ino != 256 || st.Mode&0o7777 != mode {
		t.Errorf("%s: inode %d mode %o, want a subvolume (inode 256) with mode %o", path, st.Ino, st.Mode&0o7777, mode)
	}
}

// copyDir copies a state_dir (plain files and directories).
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	if out, err := exec.Command("cp", "-a", src+"/.", dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v: %s", err, out)
	}
	return dst
}
