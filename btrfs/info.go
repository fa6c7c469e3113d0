package btrfs

import (
	"errors"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

var (
	// ErrNotBtrfs is returned for a path that is not on a btrfs filesystem.
	ErrNotBtrfs = errors.New("not on a btrfs filesystem")
	// ErrNotSubvolume is returned for a path on btrfs that is not the root
	// directory of a subvolume.
	ErrNotSubvolume = errors.New("not a btrfs subvolume")
)

// SubvolInfo is a subvolume's identity as the kernel knows it.
type SubvolInfo struct {
	TreeID       uint64
	UUID         string // "" if none
	ParentUUID   string // UUID of the subvolume this is a snapshot of; "" if none
	ReceivedUUID string // set by btrfs receive; "" if not received
	CTransID     uint64 // transaction of the last change
	Generation   uint64
	ReadOnly     bool
}

// IsBtrfs reports whether path is on a btrfs filesystem.
func IsBtrfs(path string) (bool, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return false, fmt.Errorf("statfs %s: %w", path, err)
	}
	return uint32(st.Type) == unix.BTRFS_SUPER_MAGIC, nil
}

// firstFreeObjectID is the inode number of every subvolume's root directory
// (BTRFS_FIRST_FREE_OBJECTID); any other inode is inside a subvolume.
const firstFreeObjectID = 256

// Info returns the identity of the subvolume whose root is path. It asks the
// kernel directly (BTRFS_IOC_GET_SUBVOL_INFO), which needs no privileges and,
// unlike `btrfs subvolume show`, reports the ctransid.
func Info(path string) (*SubvolInfo, error) {
	if err := checkSubvolumeRoot(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading subvolume info: %w", err)
	}
	defer f.Close()
	var args getSubvolInfoArgs
	if err := ioctl(f, iocGetSubvolInfo, unsafe.Pointer(&args)); err != nil {
		return nil, fmt.Errorf("reading subvolume info of %s: %w", path, err)
	}
	return args.info(), nil
}

// checkSubvolumeRoot returns ErrNotBtrfs or ErrNotSubvolume, wrapped with
// path, unless path is the root directory of a btrfs subvolume.
func checkSubvolumeRoot(path string) error {
	ok, err := IsBtrfs(path)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s: %w", path, ErrNotBtrfs)
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return fmt.Errorf("stat %s: %w", path, err)
	}
	if st.Ino != firstFreeObjectID || st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("%s: %w", path, ErrNotSubvolume)
	}
	return nil
}

// ioctl runs a pointer-argument ioctl on f.
func ioctl(f *os.File, req uintptr, arg unsafe.Pointer) error {
	conn, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var errno unix.Errno
	err = conn.Control(func(fd uintptr) {
		_, _, errno = unix.Syscall(unix.SYS_IOCTL, fd, req, uintptr(arg))
	})
	if err != nil {
		return err
	}
	if errno != 0 {
		return errno
	}
	return nil
}
