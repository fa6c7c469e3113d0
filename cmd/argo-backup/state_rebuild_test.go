package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

// newFaultMachine is a machine that keeps every local snapshot, with one
// full backup of a few MiB committed.
func newFaultMachine(t *testing.T) *machine {
	m := newMachine(t)
	m.config = m.customConfig("faults.yaml", []string{m.recipient()}, m.identity)
	m.grow(0)
	return m
}

// lastLine is what the user reads: the last line on stderr.
func lastLine(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	return lines[len(lines)-1]
}

// A full state_dir fails the push with a clear error and commits nothing;
// once space is freed, the next push succeeds.
func TestStateDirFull(t *testing.T) {
	m := newFaultMachine(t)
	state := filepath.Join(m.dir, "state")
	mountTmpfs(t, state, "64k")
	m.run(0, "push")
	before := m.remoteRecords()

	filler := filepath.Join(state, "filler")
	fill(t, filler)
	m.grow(1)
	_, stderr := m.run(1, "push")
	t.Logf("the user reads: %s", lastLine(stderr))
	if got := lastLine(stderr); !strings.Contains(got, "state_dir "+state+" is full") {
		t.Errorf("want one line naming the full state_dir %s, got %q", state, got)
	}
	if after := m.requireCommittedWhole(); len(after) != len(before) {
		t.Errorf("a push that failed on a full state_dir committed %d backups", len(after)-len(before))
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	stdout, _ := m.run(0, "push")
	if !strings.Contains(stdout, "committed") {
		t.Errorf("push after freeing space: %s", stdout)
	}
	target := btrfstest.NewFS(t, 1<<30, "")
	for _, r := range m.requireCommittedWhole() {
		m.requireRestoresIdentical(target, r.Snapshot)
	}
}

// The snapshot being backed up is deleted under the push: it fails saying
// so, commits nothing, and the next push starts a new full.
func TestSnapshotDeletedUnderPush(t *testing.T) {
	m := newFaultMachine(t)
	p := m.startPush("after-snapshot")
	p.waitPause("after-snapshot")
	snaps, _ := filepath.Glob(filepath.Join(m.fs, "snapshots", "home.*"))
	if len(snaps) != 1 {
		t.Fatalf("want the one snapshot being backed up, got %v", snaps)
	}
	if out, err := exec.Command("btrfs", "subvolume", "delete", snaps[0]).CombinedOutput(); err != nil {
		t.Fatalf("btrfs subvolume delete: %v\n%s", err, out)
	}
	if got := p.carryOn(); got != exitFailure {
		t.Fatalf("push exited %d, want %d:\n%s", got, exitFailure, p.output())
	}
	t.Logf("the user reads: %s", lastLine(p.output()))
	if got := lastLine(p.output()); !strings.Contains(got, "was deleted while it was being backed up") {
		t.Errorf("want one line saying the snapshot was deleted, got %q", got)
	}
	if recs := m.requireCommittedWhole(); len(recs) != 0 {
		t.Errorf("%d backups committed of a deleted snapshot", len(recs))
	}

	stdout, _ := m.run(0, "push")
	if !strings.Contains(stdout, "(full)") {
		t.Errorf("want a new full, got: %s", stdout)
	}
	m.requireRestoresIdentical(btrfstest.NewFS(t, 1<<30, ""), m.requireCommittedWhole()[0].Snapshot)
}

// The local parent is gone: push falls back to a full and warns why.
func TestLocalParentGone(t *testing.T) {
	m := newFaultMachine(t)
	m.run(0, "push")
	parent := m.requireCommittedWhole()[0].Snapshot
	if out, err := exec.Command("btrfs", "subvolume", "delete", filepath.Join(m.fs, "snapshots", parent)).CombinedOutput(); err != nil {
		t.Fatalf("btrfs subvolume delete: %v\n%s", err, out)
	}
	m.grow(1)
	stdout, stderr := m.run(0, "push")
	if !strings.Contains(stdout, "(full)") {
		t.Errorf("want a full, got: %s", stdout)
	}
	if !strings.Contains(stderr, "level=WARN") || !strings.Contains(stderr, "missing="+parent) {
		t.Errorf("want a warning naming the missing parent %s, got:\n%s", parent, stderr)
	}
}

// state_dir lost: with the identity, push rebuilds it from the remote's
// records and goes on incrementally; without one, it starts a new full
// chain and warns why.
func TestLostStateDir(t *testing.T) {
	m := newFaultMachine(t)
	m.run(0, "push")
	m.grow(1)
	m.run(0, "push")
	recs := m.requireCommittedWhole()
	newest := recs[len(recs)-1].Snapshot
	state := filepath.Join(m.dir, "state")

	if err := os.RemoveAll(state); err != nil {
		t.Fatal(err)
	}
	m.grow(2)
	stdout, stderr := m.run(0, "push")
	if !strings.Contains(stdout, "incremental on "+newest) {
		t.Errorf("with the identity, want an incremental on %s, got: %s", newest, stdout)
	}
	if !strings.Contains(stderr, "rebuilt state_dir") {
		t.Errorf("want the rebuild logged, got:\n%s", stderr)
	}
	listed, _ := m.run(0, "list", "--local")
	for _, r := range m.requireCommittedWhole() {
		if !strings.Contains(listed, r.Snapshot) {
			t.Errorf("state_dir does not know %s after the rebuild:\n%s", r.Snapshot, listed)
		}
	}

	if err := os.RemoveAll(state); err != nil {
		t.Fatal(err)
	}
	pushOnly := m.customConfig("push-only.yaml", []string{m.recipient()}, filepath.Join(m.dir, "no-such-identity.txt"))
	m.grow(3)
	stdout, stderr = m.runWith(pushOnly, 0, "push")
	if !strings.Contains(stdout, "(full)") {
		t.Errorf("without an identity, want a new full chain, got: %s", stdout)
	}
	if !strings.Contains(stderr, "level=WARN") || !strings.Contains(stderr, "no identity file") {
		t.Errorf("want a warning saying there is no identity, got:\n%s", stderr)
	}
	if strings.Contains(stderr, "AGE-SECRET-KEY") {
		t.Errorf("an identity reached the log:\n%s", stderr)
	}
	target := btrfstest.NewFS(t, 1<<30, "")
	for _, r := range m.requireCommittedWhole()[2:] {
		m.requireRestoresIdentical(target, r.Snapshot)
	}
}

// mountTmpfs mounts a tmpfs of size on dir until the test ends.
func mountTmpfs(t *testing.T, dir, size string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v\n%s", dir, err, out)
		}
	})
}

// fill writes to path until the filesystem is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 4096)
	for {
		if _, err := f.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}
