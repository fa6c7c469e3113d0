package restore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// A restore builds its result under a staging name in the target directory
// and renames it into place only once it is complete and checked, so that a
// restore killed at any point leaves nothing that looks restored. The
// staging name sits beside the final one because a received (read-only)
// subvolume can be renamed within its directory but not moved out of it.
// A staging entry is created and removed only by restore itself; running
// the same restore again reuses or replaces it.
const stagingPrefix = ".argo-restore-"

// StagingName is the name under which name is built before it is complete.
func StagingName(name string) string { return stagingPrefix + name }

// IsStaging reports whether a directory entry is a restore's staging entry.
func IsStaging(name string) bool { return strings.HasPrefix(name, stagingPrefix) }

// Promote renames dir/StagingName(name) to dir/name in one step, and never
// replaces an existing dir/name.
func Promote(dir, name string) error {
	src, dst := filepath.Join(dir, StagingName(name)), filepath.Join(dir, name)
	err := unix.Renameat2(unix.AT_FDCWD, src, unix.AT_FDCWD, dst, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		// A filesystem without RENAME_NOREPLACE (NFS): look, then rename.
		// Only a restore writes staging names, so the gap is ours alone.
		if _, statErr := os.Lstat(dst); statErr == nil {
			err = unix.EEXIST
		} else {
			err = os.Rename(src, dst)
		}
	}
	if errors.Is(err, unix.EEXIST) {
		return inputErrorf("%s already exists: it is never overwritten; the finished restore stays at %s", dst, src)
	}
	if err != nil {
		return fmt.Errorf("moving the finished restore into place: %w", &os.LinkError{Op: "rename", Old: src, New: dst, Err: err})
	}
	return nil
}
