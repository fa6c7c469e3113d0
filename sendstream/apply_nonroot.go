package sendstream

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// As root, permissions never stand in a restore's way. A normal user
// restoring their own files can meet a directory the stream already made
// read-only (0555) and then adds to, or a 0444 file an incremental
// changes. Like btrfs receive as root, the applier goes ahead: it lends
// itself write permission for the one call and gives the mode back, which
// changes only the ctime, never the mtime.

// withWritable runs fn; if it fails with EACCES for a normal user, it
// runs it again with owner read, write and search permission on fd's inode.
func (a *Applier) withWritable(fd int, fn func() error) error {
	err := fn()
	if a.isRoot || !errors.Is(err, unix.EACCES) {
		return err
	}
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return err
	}
	self := fmt.Sprintf("/proc/self/fd/%d", fd)
	mode := st.Mode & 0o7777
	if unix.Chmod(self, mode|0o700) != nil {
		return err
	}
	defer unix.Chmod(self, mode)
	return fn()
}
