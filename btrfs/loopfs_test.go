package btrfs_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

func TestLoopFS(t *testing.T) {
	btrfstest.RequireRoot(t)
	btrfstest.NoLeftovers(t)
	scratch := t.TempDir()
	const size = 1 << 30
	l, err := btrfs.NewLoopFS(context.Background(), scratch, size, "compress=zstd,noatime")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })

	if ok, err := btrfs.IsBtrfs(l.Dir); !ok || err != nil {
		t.Errorf("IsBtrfs(%s) = %v, %v", l.Dir, ok, err)
	}
	if opts := mountOptions(t, l.Dir); !strings.Contains(opts, "compress=zstd") || !strings.Contains(opts, "noatime") {
		t.Errorf("mounted with %q, want compress=zstd and noatime", opts)
	}
	// What it holds came from a send stream: its devices, setuid bits and
	// programs must be inert.
	for _, want := range []string{"nodev", "nosuid", "noexec"} {
		if opts := mountOptions(t, l.Dir); !slices.Contains(strings.Split(opts, ","), want) {
			t.Errorf("mounted with %q, want %s", opts, want)
		}
	}
	var st syscall.Stat_t
	if err := syscall.Stat(l.Image, &st); err != nil {
		t.Fatal(err)
	}
	if st.Size != size || st.Blocks*512 > size/4 {
		t.Errorf("image: %d bytes, %d allocated; want %d bytes, sparse", st.Size, st.Blocks*512, size)
	}

	for i := range 2 { // Close is safe to call twice
		if err := l.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i+1, err)
		}
	}
	requireNothingIn(t, scratch)
}

// TestLoopFSUndoesFailedSetup: a failure at any step leaves nothing behind.
func TestLoopFSUndoesFailedSetup(t *testing.T) {
	btrfstest.RequireRoot(t)
	btrfstest.NoLeftovers(t)
	tests := []struct {
		name      string
		size      int64
		mountOpts string
		want      string
	}{
		{"mkfs fails: too small", 1 << 20, "", "mkfs.btrfs"},
		{"mount fails: bad option", 256 << 20, "no-such-option", "mount"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scratch := t.TempDir()
			l, err := btrfs.NewLoopFS(context.Background(), scratch, tt.size, tt.mountOpts)
			if err == nil {
				l.Close()
				t.Fatal("NewLoopFS succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to name %s", err, tt.want)
			}
			requireNothingIn(t, scratch)
		})
	}
}

// TestLoopFSCloseWhileBusy: a process still using the filesystem does not
// keep Close from succeeding; the loop device goes once the user lets go.
func TestLoopFSCloseWhileBusy(t *testing.T) {
	btrfstest.RequireRoot(t)
	btrfstest.NoLeftovers(t)
	scratch := t.TempDir()
	l, err := btrfs.NewLoopFS(context.Background(), scratch, 256<<20, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	f, err := os.Create(filepath.Join(l.Dir, "open"))
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			f.Close()
		}
	})

	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	closed = true
	waitFor(t, func() bool {
		left, err := btrfs.Leftovers(scratch)
		return err == nil && len(left) == 0
	})
	requireNothingIn(t, scratch)
}

// requireNothingIn fails unless dir is empty and holds no mount or loop
// device's backing file.
func requireNothingIn(t *testing.T, dir string) {
	t.Helper()
	requireEmptyDir(t, dir)
	left, err := btrfs.Leftovers(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range left {
		t.Errorf("left behind: %s", l)
	}
}

// mountOptions returns the options dir is mounted with, per mountinfo.
func mountOptions(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 10 && f[4] == dir {
			return f[5] + "," + f[len(f)-1]
		}
	}
	t.Fatalf("%s not in mountinfo", dir)
	return ""
}
