package sendstream

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// resolveFlags keep every lookup beneath the root: no "..", no absolute
// symlinks, no symlinks at all (a restored tree's symlinks are data, never
// followed while restoring), no magic links, no other mounts.
const resolveFlags = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV

// openBeneath opens path (relative to the root, "" is the root) with
// flags; O_NOFOLLOW and O_CLOEXEC are always added.
func (a *Applier) openBeneath(path string, flags int) (int, error) {
	if path == "" {
		path = "."
	}
	fd, err := unix.Openat2(a.root, path, &unix.OpenHow{
		Flags:   uint64(flags | unix.O_NOFOLLOW | unix.O_CLOEXEC),
		Resolve: resolveFlags,
	})
	if err != nil {
		return -1, describeResolve(err)
	}
	return fd, nil
}

// describeResolve explains the errors openat2 gives for what the resolve
// flags refuse.
func describeResolve(err error) error {
	switch err {
	case unix.ELOOP:
		return fmt.Errorf("path goes through a symlink, which a restore never follows: %w", err)
	case unix.ENOTDIR:
		return fmt.Errorf("a parent is not a directory (a symlink there is never followed): %w", err)
	case unix.EXDEV:
		return fmt.Errorf("path leaves the target directory or crosses a mount: %w", err)
	}
	return err
}

// inParent runs fn with the directory that holds path, opened beneath the
// root, and path's last component. The root itself is (root, "."), and
// names directly in the root (the sender's temporary names are) use the
// root's descriptor without opening anything.
func (a *Applier) inParent(path string, fn func(dirfd int, name string) error) error {
	dir, name := "", path
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		dir, name = path[:i], path[i+1:]
	}
	dirfd := a.root
	switch {
	case path == "":
		name = "."
	case dir != "":
		fd, err := a.openBeneath(dir, unix.O_PATH|unix.O_DIRECTORY)
		if err != nil {
			return fmt.Errorf("opening the directory: %w", err)
		}
		defer unix.Close(fd)
		dirfd = fd
	}
	return a.withWritable(dirfd, func() error { return fn(dirfd, name) })
}

// procPath names the entry name of the open directory dirfd through
// /proc, for the l*xattr calls, which have no *at form: the last component
// is not followed.
func procPath(dirfd int, name string) string {
	return fmt.Sprintf("/proc/self/fd/%d/%s", dirfd, name)
}
