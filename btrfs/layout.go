package btrfs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"

	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/sendstream"
)

// Placement is where a subvolume sits on its filesystem and which of that
// filesystem's subvolumes the machine uses: what a restore needs to rebuild
// a disk the old fstab mounts.
type Placement struct {
	FSUUID     string                 // the filesystem's UUID, as blkid and fstab's UUID= name it
	SubvolPath string                 // the subvolume's path from the top level, e.g. "@home"
	Layout     []manifest.LayoutEntry // every whole-subvolume mount of the filesystem, then the subvolumes nested directly in this one
}

// Locate finds the Placement of the subvolume at path from
// /proc/self/mountinfo (which names the subvolume each mount shows) and the
// filesystem's own UUID.
func Locate(path string) (*Placement, error) {
	uuid, err := FSUUID(path)
	if err != nil {
		return nil, err
	}
	mounts, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("btrfs"))
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	holder, rel, err := mountHolding(mounts, path)
	if err != nil {
		return nil, err
	}
	p := &Placement{FSUUID: uuid, SubvolPath: strings.Trim(filepath.Join(holder.Root, rel), "/")}
	p.Layout = append(mountLayout(mounts, holder), nested(path, p.SubvolPath, mounts)...)
	return p, nil
}

// mountHolding returns the mount that path is on (the last mounted of the
// longest mountpoints holding it) and path's place below it.
func mountHolding(mounts []*mountinfo.Info, path string) (*mountinfo.Info, string, error) {
	var best *mountinfo.Info
	var rel string
	for _, m := range mounts {
		r, err := filepath.Rel(m.Mountpoint, path)
		if err != nil || r == ".." || strings.HasPrefix(r, "../") {
			continue
		}
		if best == nil || len(m.Mountpoint) >= len(best.Mountpoint) {
			best, rel = m, r
		}
	}
	if best == nil {
		return nil, "", fmt.Errorf("%s: no btrfs mount holds it in /proc/self/mountinfo", path)
	}
	return best, rel, nil
}

// mountLayout lists the mounts of holder's filesystem that show a whole
// subvolume (not a bind mount of a directory inside one).
func mountLayout(mounts []*mountinfo.Info, holder *mountinfo.Info) []manifest.LayoutEntry {
	var out []manifest.LayoutEntry
	seen := map[string]bool{}
	for _, m := range mounts {
		if m.Major != holder.Major || m.Minor != holder.Minor || m.Root != subvolOption(m.VFSOptions) {
			continue
		}
		e := manifest.LayoutEntry{Subvol: strings.Trim(m.Root, "/"), Mountpoint: m.Mountpoint, Mode: mode(m.Mountpoint)}
		if key := e.Subvol + "\x00" + e.Mountpoint; !seen[key] {
			seen[key] = true
			out = append(out, e)
		}
	}
	return out
}

// subvolOption returns the subvol= of a btrfs mount's options ("/" if none).
func subvolOption(opts string) string {
	for _, o := range strings.Split(opts, ",") {
		if v, ok := strings.CutPrefix(o, "subvol="); ok {
			return v
		}
	}
	return "/"
}

// nested lists the subvolumes directly inside the one at path (snapper's
// .snapshots): a send leaves them out, so without this a restore would not
// know that snapper needs one there. A mountpoint there (/home in @) shows
// another subvolume's root and is not one of them.
func nested(path, subvolPath string, mounts []*mountinfo.Info) []manifest.LayoutEntry {
	mounted := map[string]bool{}
	for _, m := range mounts {
		mounted[filepath.Clean(m.Mountpoint)] = true
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil
	}
	var out []manifest.LayoutEntry
	for _, e := range entries {
		p := filepath.Join(path, e.Name())
		var st unix.Stat_t
		if !e.IsDir() || mounted[p] || unix.Lstat(p, &st) != nil || st.Ino != firstFreeObjectID {
			continue
		}
		out = append(out, manifest.LayoutEntry{Subvol: subvolPath + "/" + e.Name(), Mode: st.Mode & 0o7777})
	}
	return out
}

func mode(path string) uint32 {
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil {
		return 0o755
	}
	return st.Mode & 0o7777
}

// iocFSInfo is BTRFS_IOC_FS_INFO: _IOR(0x94, 31, struct btrfs_ioctl_fs_info_args).
const iocFSInfo = 0x8400941F

// fsInfoArgs is struct btrfs_ioctl_fs_info_args (1024 bytes).
type fsInfoArgs struct {
	MaxID          uint64
	NumDevices     uint64
	FSID           [16]byte
	NodeSize       uint32
	SectorSize     uint32
	CloneAlignment uint32
	CsumType       uint16
	CsumSize       uint16
	Flags          uint64
	Generation     uint64
	MetadataUUID   [16]byte
	_              [944]byte
}

// FSUUID returns the UUID of the btrfs filesystem holding path: the one
// `mkfs.btrfs -U` sets and fstab's UUID= lines name.
func FSUUID(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("filesystem UUID of %s: %w", path, err)
	}
	defer f.Close()
	var args fsInfoArgs
	if err := ioctl(f, iocFSInfo, unsafe.Pointer(&args)); err != nil {
		return "", fmt.Errorf("filesystem UUID of %s: %w", path, err)
	}
	return sendstream.FormatUUID(args.FSID[:]), nil
}
