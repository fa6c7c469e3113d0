package restore_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/restore"
)

// mountTmpfs mounts a tmpfs with options at a new directory, unmounted
// when the test ends.
func mountTmpfs(t *testing.T, options string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v\n%s", dir, err, out)
		}
	})
	return dir
}

// A chain restores natively onto a filesystem that is not btrfs, and with
// --native onto btrfs, identical to its source snapshot; nothing but the
// snapshot is left in the target.
func TestNativeRestoreChain(t *testing.T) {
	w := newWorld(t, remotetest.Local(t))
	fillTree(t, w.source)
	w.push(false)
	changeTree(t, w.source)
	w.push(false)
	changeTreeAgain(t, w.source)
	incr := w.push(false)

	for _, tc := range []struct {
		name   string
		target string
		forced bool
	}{
		{"tmpfs", mountTmpfs(t, "size=512m"), false},
		{"btrfs with --native", w.target, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.restorer.Restore(w.ctx, host, "home", restore.Target{Snapshot: incr.Snapshot}, tc.target, restore.Options{Native: tc.forced})
			if err != nil {
				t.Fatal(err)
			}
			if w.restorer.NativeReport == nil {
				t.Fatal("no native report: the restore did not apply the streams natively")
			}
			if got := topLevel(t, tc.target); !slices.Equal(got, []string{incr.Snapshot}) {
				t.Errorf("target holds %q, want only %s", got, incr.Snapshot)
			}
			requireRestored(t, "restored tree", filepath.Join(w.snapDir, incr.Snapshot), filepath.Join(tc.target, incr.Snapshot))
		})
	}
}

// Bad targets: one clear error, nothing left that looks restored.
func TestNativeRestoreBadTargets(t *testing.T) {
	w := newWorld(t, remotetest.Local(t))
	fillTree(t, w.source)
	full := w.push(false)
	restoreTo := func(dir string) error {
		_, err := w.restorer.Restore(w.ctx, host, "home", restore.Target{Snapshot: full.Snapshot}, dir, restore.Options{})
		return err
	}
	t.Run("already there", func(t *testing.T) {
		dir := mountTmpfs(t, "size=64m")
		must(t, os.Mkdir(filepath.Join(dir, full.Snapshot), 0o755))
		err := restoreTo(dir)
		if !errs.IsUser(err) || !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("error %v, want an input error saying it already exists", err)
		}
	})
	t.Run("read-only", func(t *testing.T) {
		dir := mountTmpfs(t, "size=64m,ro")
		err := restoreTo(dir)
		if err == nil || !strings.Contains(err.Error(), "read-only") {
			t.Fatalf("error %v, want one saying the target is read-only", err)
		}
	})
	t.Run("out of space", func(t *testing.T) {
		dir := mountTmpfs(t, "size=1m")
		err := restoreTo(dir)
		if err == nil || !strings.Contains(err.Error(), "ran out of space") || strings.Contains(err.Error(), "\n") {
			t.Fatalf("error %v, want one line saying the target ran out of space", err)
		}
		if got := topLevel(t, dir); len(got) > 0 {
			t.Errorf("a restore that ran out of space left %q", got)
		}
	})
}

// A native restore cancelled half-way leaves nothing that looks restored
// (only a hidden staging directory at most); the next one replaces it and
// completes.
func TestNativeRestoreInterrupted(t *testing.T) {
	w := newWorld(t, remotetest.Local(t))
	fillTree(t, w.source)
	full := w.push(false)
	changeTree(t, w.source)
	incr := w.push(false)
	target := mountTmpfs(t, "size=256m")

	ctx, cancel := context.WithCancel(w.ctx)
	defer cancel()
	w.restorer.Progress = &cancelling{at: incr.Snapshot, cancel: cancel}
	defer func() { w.restorer.Progress = nil }()
	_, err := w.restorer.Restore(ctx, host, "home", restore.Target{Snapshot: incr.Snapshot}, target, restore.Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled restore = %v, want context.Canceled", err)
	}
	for _, name := range topLevel(t, target) {
		if !strings.HasPrefix(name, ".argo-restore-") {
			t.Fatalf("a cancelled restore left %q (full %s, incremental %s)", name, full.Snapshot, incr.Snapshot)
		}
	}
	w.restorer.Progress = nil
	if _, err := w.restorer.Restore(w.ctx, host, "home", restore.Target{Snapshot: incr.Snapshot}, target, restore.Options{}); err != nil {
		t.Fatalf("restore after the cancelled one: %v", err)
	}
	if got := topLevel(t, target); !slices.Equal(got, []string{incr.Snapshot}) {
		t.Errorf("target holds %q, want only %s", got, incr.Snapshot)
	}
	w.requireSameTreeIn(target, incr.Snapshot)
}

// A restore killed after the applier made files immutable or append-only
// (its last step) leaves a staging tree os.RemoveAll cannot remove; the next
// restore clears those flags, removes it and completes.
func TestNativeRestoreFrozenLeftovers(t *testing.T) {
	w := newWorld(t, remotetest.Local(t))
	fillTree(t, w.source)
	full := w.push(false)
	target := mountTmpfs(t, "size=256m")
	staging := filepath.Join(target, ".argo-restore-"+full.Snapshot+".partial")
	must(t, os.MkdirAll(filepath.Join(staging, "locked"), 0o755))
	must(t, os.WriteFile(filepath.Join(staging, "locked", "file"), []byte("x"), 0o644))
	must(t, os.WriteFile(filepath.Join(staging, "log"), []byte("x"), 0o644))
	for _, c := range [][]string{{"+i", "locked/file"}, {"+i", "locked"}, {"+a", "log"}} {
		if out, err := exec.Command("chattr", c[0], filepath.Join(staging, c[1])).CombinedOutput(); err != nil {
			t.Fatalf("chattr %s: %v\n%s", c, err, out)
		}
	}
	if err := os.RemoveAll(staging); err == nil {
		t.Fatal("the frozen leftovers are not frozen: os.RemoveAll removed them")
	}
	if _, err := w.restorer.Restore(w.ctx, host, "home", restore.Target{Snapshot: full.Snapshot}, target, restore.Options{}); err != nil {
		t.Fatalf("restore over frozen leftovers: %v", err)
	}
	if got := topLevel(t, target); !slices.Equal(got, []string{full.Snapshot}) {
		t.Errorf("target holds %q, want only %s", got, full.Snapshot)
	}
	w.requireSameTreeIn(target, full.Snapshot)
}
