package btrfs

import (
	"reflect"
	"testing"
	"unsafe"

	"github.com/moby/sys/mountinfo"

	"github.com/argo-backup/argo-backup/manifest"
)

// An Argo OS machine's btrfs mounts as mountinfo shows them: mountLayout
// keeps the whole-subvolume mounts of the one filesystem, not a bind mount
// of a directory inside one, nor another btrfs.
func TestMountLayout(t *testing.T) {
	m := func(major, minor int, root, mp, opts string) *mountinfo.Info {
		return &mountinfo.Info{Major: major, Minor: minor, Root: root, Mountpoint: mp, FSType: "btrfs", VFSOptions: opts}
	}
	mounts := []*mountinfo.Info{
		m(0, 31, "/@", "/nonexistent-root", "rw,ssd,subvolid=256,subvol=/@"),
		m(0, 31, "/@home", "/nonexistent-root/home", "rw,subvolid=257,subvol=/@home"),
		m(0, 31, "/@var-cache", "/nonexistent-root/var/cache", "rw,subvolid=259,subvol=/@var-cache"),
		m(0, 31, "/@/srv/data", "/nonexistent-bind", "rw,subvolid=256,subvol=/@"),
		m(0, 31, "/", "/nonexistent-top", "rw,subvolid=5,subvol=/"),
		m(0, 44, "/@data", "/nonexistent-other", "rw,subvolid=256,subvol=/@data"),
	}
	holder, rel, err := mountHolding(mounts, "/nonexistent-root/home")
	if err != nil || holder.Root != "/@home" || rel != "." {
		t.Fatalf("mountHolding(/home) = %v %q %v, want @home", holder, rel, err)
	}
	got := mountLayout(mounts, holder)
	want := []manifest.LayoutEntry{
		{Subvol: "@", Mountpoint: "/nonexistent-root", Mode: 0o755},
		{Subvol: "@home", Mountpoint: "/nonexistent-root/home", Mode: 0o755},
		{Subvol: "@var-cache", Mountpoint: "/nonexistent-root/var/cache", Mode: 0o755},
		{Subvol: "", Mountpoint: "/nonexistent-top", Mode: 0o755},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mountLayout:\n got %+v\nwant %+v", got, want)
	}
	if _, _, err := mountHolding(mounts[5:], "/elsewhere"); err == nil {
		t.Error("mountHolding found a mount for a path no btrfs holds")
	}
}

// BTRFS_IOC_FS_INFO encodes the argument's size (1024 bytes, linux/btrfs.h);
// a struct of another size would be a different ioctl.
func TestFSInfoArgsSize(t *testing.T) {
	if got := unsafe.Sizeof(fsInfoArgs{}); got != 1024 || iocFSInfo>>16&0x3fff != 1024 {
		t.Errorf("fsInfoArgs is %d bytes, the ioctl number encodes %d; both must be 1024", got, iocFSInfo>>16&0x3fff)
	}
}
