package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

// `demo` does what docs/cli.md says: three backups, two restores compared
// with their snapshots, and nothing left behind (loop devices, mounts, its
// scratch directory).
func TestDemo(t *testing.T) {
	btrfstest.RequireRoot(t)
	btrfstest.NoLeftovers(t)
	before, _ := filepath.Glob("/tmp/argo-backup-demo-*")
	stdout := runCLIOut(t, 0, "demo")
	if n := strings.Count(stdout, ": committed home."); n != 3 {
		t.Errorf("demo committed %d backups, want 3:\n%s", n, stdout)
	}
	if n := strings.Count(stdout, "restored tree identical to its snapshot"); n != 2 {
		t.Errorf("demo compared %d restores, want 2:\n%s", n, stdout)
	}
	if after, _ := filepath.Glob("/tmp/argo-backup-demo-*"); !slices.Equal(after, before) {
		t.Errorf("demo left its scratch directory: %v", after)
	}
}

// runCLIOut runs argo-backup without a config, requires exit status want
// and returns stdout and stderr together.
func runCLIOut(t *testing.T, want int, args ...string) string {
	t.Helper()
	var out syncBuffer
	if got := execute(t.Context(), args, &out, &out); got != want {
		t.Fatalf("argo-backup %s: exit %d, want %d\n%s", strings.Join(args, " "), got, want, out.String())
	}
	return out.String()
}
