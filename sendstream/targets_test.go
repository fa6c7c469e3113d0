package sendstream_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

// run runs a command and fails t with its output on error.
func run(t testing.TB, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// newExt4 returns the mount directory of a fresh ext4 on a loop device,
// unmounted (which detaches the loop device) when the test ends.
func newExt4(t testing.TB, size int64) string {
	t.Helper()
	btrfstest.RequireTools(t, "e2fsprogs (mkfs.ext4)", "mkfs.ext4")
	return newLoopFS(t, size, "mkfs.ext4", "-q", "-F")
}

// newXFS returns a fresh xfs with reflinks (so CLONE becomes
// FICLONERANGE), like newExt4. xfs needs at least 300 MiB.
func newXFS(t testing.TB) string {
	t.Helper()
	btrfstest.RequireTools(t, "xfsprogs (mkfs.xfs)", "mkfs.xfs")
	return newLoopFS(t, 512<<20, "mkfs.xfs", "-q", "-f", "-m", "reflink=1")
}

// newLoopFS makes a filesystem with mkfs and args in a sparse image of
// size bytes and loop-mounts it, unmounted when the test ends.
func newLoopFS(t testing.TB, size int64, mkfs string, args ...string) string {
	t.Helper()
	btrfstest.RequireRoot(t)
	dir := t.TempDir()
	img, mnt := filepath.Join(dir, "fs.img"), filepath.Join(dir, "mnt")
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(size)
	f.Close()
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, mkfs, append(args, img)...)
	run(t, "mount", "-o", "loop", img, mnt)
	t.Cleanup(func() { unmountAll(t, mnt) })
	return mnt
}

// newTmpfs returns a fresh tmpfs, unmounted when the test ends.
func newTmpfs(t testing.TB) string {
	t.Helper()
	btrfstest.RequireRoot(t)
	mnt := t.TempDir()
	run(t, "mount", "-t", "tmpfs", "-o", "size=512m", "tmpfs", mnt)
	t.Cleanup(func() { unmountAll(t, mnt) })
	return mnt
}

func unmountAll(t testing.TB, mnt string) {
	if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
		t.Errorf("umount %s: %v\n%s", mnt, err, out)
	}
}
