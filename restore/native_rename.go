package restore

import (
	"os"

	"golang.org/x/sys/unix"
)

// renameNoReplace renames old to new unless new exists
// (renameat2 RENAME_NOREPLACE), falling back to a checked rename where the
// filesystem lacks it (some network filesystems).
func renameNoReplace(old, new string) error {
	err := unix.Renameat2(unix.AT_FDCWD, old, unix.AT_FDCWD, new, unix.RENAME_NOREPLACE)
	if err == unix.EINVAL || err == unix.ENOSYS {
		if _, statErr := os.Lstat(new); statErr == nil {
			return os.ErrExist
		}
		return os.Rename(old, new)
	}
	if err == unix.EEXIST {
		return os.ErrExist
	}
	return err
}
