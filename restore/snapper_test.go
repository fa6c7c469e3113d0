package restore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
)

// snapper takes read-only snapshots as snapper does: .snapshots/N/snapshot
// with the time in .snapshots/N/info.xml.
type snapper struct {
	t      *testing.T
	source string
	dir    string
	n      int
}

func newSnapper(t *testing.T, source string) *snapper {
	return &snapper{t: t, source: source, dir: btrfstest.Subvolume(t, source, ".snapshots")}
}

func (s *snapper) take(at time.Time) string {
	s.t.Helper()
	s.n++
	dir := filepath.Join(s.dir, fmt.Sprint(s.n))
	must(s.t, os.Mkdir(dir, 0o750))
	must(s.t, btrfs.Snapshot(context.Background(), s.source, filepath.Join(dir, "snapshot")))
	info := fmt.Sprintf("<?xml version=\"1.0\"?>\n<snapshot>\n  <type>single</type>\n  <num>%d</num>\n  <date>%s</date>\n  <description>timeline</description>\n</snapshot>\n",
		s.n, at.UTC().Format(time.DateTime))
	mustWrite(s.t, filepath.Join(dir, "info.xml"), []byte(info), 0o644)
	return filepath.Join(dir, "snapshot")
}

// With snapper_config, argo-backup backs up snapper's snapshots instead of
// taking its own, incrementally, and never deletes one of snapper's.
func TestSnapperSnapshots(t *testing.T) {
	w := newWorld(t, remotetest.Local(t))
	snap := newSnapper(t, w.source)
	w.sv.SnapperDir, w.sv.KeepLocal = snap.dir, 1
	fillTree(t, w.source)
	first := snap.take(w.clock.Add(-time.Hour))
	full := w.push(false)
	changeTree(t, w.source)
	second := snap.take(w.clock.Add(-time.Hour))
	incr := w.push(false)
	if !full.IsFull() || incr.Parent != full.Snapshot {
		t.Fatalf("want snapper's two snapshots as a full and an incremental, got %q then parent %q", full.Snapshot, incr.Parent)
	}
	if _, err := w.pusher.Push(w.ctx, w.sv, false); !errors.Is(err, backup.ErrNothingNew) {
		t.Errorf("push with no new snapper snapshot: %v, want ErrNothingNew", err)
	}
	// push --full (after verify found damage) starts a new chain from
	// snapper's newest, though snapper took nothing new; then nothing is
	// new again until snapper's next snapshot.
	forced := w.push(true)
	if !forced.IsFull() || forced.Snapshot <= incr.Snapshot {
		t.Errorf("push --full with no new snapper snapshot: %s (full %v), want a new full after %s", forced.Snapshot, forced.IsFull(), incr.Snapshot)
	}
	if _, err := w.pusher.Push(w.ctx, w.sv, false); !errors.Is(err, backup.ErrNothingNew) {
		t.Errorf("push after the forced full: %v, want ErrNothingNew", err)
	}
	w.restore(forced.Snapshot)
	requireRestored(t, "the forced full against snapper's newest", second, filepath.Join(w.target, forced.Snapshot))
	for _, path := range []string{first, second} {
		if _, err := os.Stat(path); err != nil {
			t.Errorf("snapper's snapshot %s was touched: %v", path, err)
		}
	}
	w.restore(incr.Snapshot)
	requireRestored(t, "restored snapper snapshot", second, filepath.Join(w.target, incr.Snapshot))
}
