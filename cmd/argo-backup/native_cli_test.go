package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// restore --to a directory that is not on btrfs applies the backup natively
// and says so; verify --native checks it without a loop device.
func TestRestoreNativeCLI(t *testing.T) {
	m := newMachine(t)
	m.run(0, "push")
	target := tmpfsDir(t)
	stdout, _ := m.run(0, "restore", "--to", target, "home")
	t.Log(stdout)
	if !strings.Contains(stdout, "natively, as a plain directory") {
		t.Errorf("restore output does not say it was native:\n%s", stdout)
	}
	entries, err := os.ReadDir(target)
	if err != nil || len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), "home.") {
		t.Fatalf("target holds %v (%v), want one home.* directory", entries, err)
	}
	if fi, err := os.Stat(filepath.Join(target, entries[0].Name())); err != nil || !fi.IsDir() {
		t.Fatalf("restored %s is not a directory: %v", entries[0].Name(), err)
	}
	stdout, _ = m.run(0, "verify", "--native", "--scratch", t.TempDir())
	if !strings.Contains(stdout, "verified") {
		t.Errorf("verify --native output:\n%s", stdout)
	}
}

// tmpfsDir mounts a tmpfs, a filesystem that is surely not btrfs, for the
// test.
func tmpfsDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v\n%s", dir, err, out)
		}
	})
	return dir
}
