package sendstream

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// RemoveTree removes a tree an Applier built, also one whose files Finish
// made immutable or append-only (which os.RemoveAll cannot remove): a
// restore that failed after Finish, or one interrupted there, leaves such
// a staging tree. It clears those two flags, never following a symlink,
// and removes the tree again.
func RemoveTree(dir string) error {
	err := os.RemoveAll(dir)
	if err == nil || !errors.Is(err, unix.EPERM) {
		return err
	}
	if err := thaw(dir); err != nil {
		return fmt.Errorf("clearing immutable and append-only flags beneath %s: %w", dir, err)
	}
	return os.RemoveAll(dir)
}

// thaw clears the immutable and append-only flags of every file and
// directory beneath dir, each directory before what it holds.
func thaw(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !(d.IsDir() || d.Type().IsRegular()) {
			return err
		}
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		flags, err := unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS)
		if err != nil || flags&lockFlags == 0 {
			return nil // no flags here, or none that stop a removal
		}
		return unix.IoctlSetPointerInt(fd, unix.FS_IOC_SETFLAGS, int(flags&^lockFlags))
	})
}
