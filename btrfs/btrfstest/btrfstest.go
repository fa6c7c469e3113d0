// Package btrfstest gives tests real btrfs filesystems on loop devices, and
// proves they are gone afterwards.
//
// These tests need root and btrfs-progs. Where they are missing a test is
// skipped with the reason, except under CI=true, where skipping would hide
// that the end-to-end tests never ran: there it fails instead.
package btrfstest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs"
)

// RequireRoot skips t unless it runs as root with btrfs-progs installed
// (under CI=true it fails instead). Every end-to-end test goes through it,
// so `go test -short` (make test-short) skips them all: asked for, not
// silent.
func RequireRoot(t testing.TB) {
	t.Helper()
	switch {
	case testing.Short():
		t.Skip("end-to-end test on real btrfs: skipped by -short")
	case os.Geteuid() != 0:
		unmet(t, "needs root to make loop devices and btrfs filesystems")
	case !installed("btrfs", "mkfs.btrfs", "losetup", "mount"):
		unmet(t, "needs btrfs-progs (apt-get install btrfs-progs) and util-linux")
	}
}

// RequireTools skips t unless every tool is on PATH (under CI=true it fails
// instead: scripts/deps.sh installs them there). why names the package(s).
func RequireTools(t testing.TB, why string, tools ...string) {
	t.Helper()
	if !installed(tools...) {
		unmet(t, "needs "+why)
	}
}

// Unmet skips t for reason, or fails it under CI=true: for any test whose
// precondition is outside the test's control (a tool, a kernel feature,
// timing), so that CI never passes without having run it.
func Unmet(t testing.TB, reason string) {
	t.Helper()
	unmet(t, reason)
}

// unmet skips t for reason, or fails it under CI=true.
func unmet(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s; CI=true, so this is a failure, not a skip", reason)
		return
	}
	t.Skip(reason)
}

func installed(tools ...string) bool {
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			return false
		}
	}
	return true
}

// NewFS returns the mount directory of a fresh btrfs of size bytes (mounted
// with mountOpts unless empty). It is unmounted, detached and deleted when
// the test ends, pass or fail, and the test fails if anything of it remains.
func NewFS(t testing.TB, size int64, mountOpts string) string {
	t.Helper()
	RequireRoot(t)
	scratch := t.TempDir()
	l, err := btrfs.NewLoopFS(context.Background(), scratch, size, mountOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
		requireNoneUnder(t, scratch)
	})
	return l.Dir
}

// Subvolume creates a writable subvolume named name in dir and returns its path.
func Subvolume(t testing.TB, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := btrfs.Create(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	return path
}

// NoLeftovers makes t fail if, when it ends, a loop device or mount it made
// is still there. Call it first: it checks after every later cleanup. It
// covers what lives in the test's temporary directories (where NewFS and a
// LoopFS in t.TempDir() put everything), and compares against what was there
// before, so other tests running on the machine do not count.
func NoLeftovers(t testing.TB) {
	t.Helper()
	root := filepath.Dir(t.TempDir()) // the parent of all this test's TempDirs
	before, err := btrfs.Leftovers(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		after, err := btrfs.Leftovers(root)
		if err != nil {
			t.Error(err)
		}
		for _, l := range after {
			if !slices.Contains(before, l) {
				t.Errorf("left behind: %s", l)
			}
		}
	})
}

func requireNoneUnder(t testing.TB, root string) {
	t.Helper()
	left, err := btrfs.Leftovers(root)
	if err != nil {
		t.Error(err)
	}
	for _, l := range left {
		t.Errorf("left behind: %s", l)
	}
}
