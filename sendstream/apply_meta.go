package sendstream

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

func (a *Applier) xattr(c *Command) error {
	if err := c.need(AttrPath, AttrXattrName); err != nil {
		return err
	}
	if a.skipped[c.Path] {
		return nil
	}
	return a.inParent(c.Path, func(dirfd int, name string) error {
		var err error
		if c.Type == CmdSetXattr {
			err = unix.Lsetxattr(procPath(dirfd, name), c.XattrName, c.XattrData, 0)
		} else {
			err = unix.Lremovexattr(procPath(dirfd, name), c.XattrName)
		}
		if refusedXattr(err, a.isRoot) {
			a.report.skipXattr(c.XattrName)
			return nil
		}
		if err != nil {
			return fmt.Errorf("xattr %s: %w", c.XattrName, err)
		}
		return nil
	})
}

// refusedXattr tells the errors that mean "this target or this user cannot
// keep that attribute" (reported) from real failures.
func refusedXattr(err error, isRoot bool) bool {
	return errors.Is(err, unix.EOPNOTSUPP) || (!isRoot && errors.Is(err, unix.EPERM))
}

// chmod sets permission bits. It opens the path without following it and
// refuses symlinks, whose modes Linux does not keep (btrfs never sends
// them); everything else is changed through its /proc descriptor.
func (a *Applier) chmod(c *Command) error {
	if err := c.need(AttrPath, AttrMode); err != nil {
		return err
	}
	if a.skipped[c.Path] {
		return nil
	}
	fd, err := a.openBeneath(c.Path, unix.O_PATH)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return errors.New("chmod of a symlink")
	}
	mode := uint32(c.Mode) & 0o7777
	if a.foreign[st.Ino] {
		mode &^= 0o6000 // not set-user-ID or set-group-ID as the restoring user
	}
	return unix.Chmod(fmt.Sprintf("/proc/self/fd/%d", fd), mode)
}

// chown sets owners; as a normal user it cannot, and reports it. Such a
// file stays the user's, so it loses its set-user-ID and set-group-ID
// bits, now and at every later chmod (as cp -p and tar do): a restore
// must not hand out setuid programs of the user's own.
func (a *Applier) chown(c *Command) error {
	if err := c.need(AttrPath, AttrUID, AttrGID); err != nil {
		return err
	}
	if a.skipped[c.Path] {
		return nil
	}
	return a.inParent(c.Path, func(dirfd int, name string) error {
		err := unix.Fchownat(dirfd, name, int(c.UID), int(c.GID), unix.AT_SYMLINK_NOFOLLOW)
		if err != nil && (err != unix.EPERM || a.isRoot) {
			return err
		}
		var st unix.Stat_t
		if serr := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); serr != nil {
			return serr
		}
		if err == nil {
			delete(a.foreign, st.Ino) // a new inode that reuses a number
			return nil
		}
		a.report.OwnersLeft++
		if a.foreign == nil {
			a.foreign = map[uint64]bool{}
		}
		a.foreign[st.Ino] = true
		if st.Mode&unix.S_IFMT != unix.S_IFLNK && st.Mode&0o6000 != 0 {
			return unix.Fchmodat(dirfd, name, st.Mode&0o1777, 0)
		}
		return nil
	})
}

// utimes sets access and modification times, of a symlink itself too.
// The sender emits it after every change to a path and to its directory,
// so applying it in order reproduces mtimes.
func (a *Applier) utimes(c *Command) error {
	if err := c.need(AttrPath, AttrAtime, AttrMtime); err != nil {
		return err
	}
	if a.skipped[c.Path] {
		return nil
	}
	ts := []unix.Timespec{timespec(c.Atime), timespec(c.Mtime)}
	if c.Path == "" {
		a.rootTimes = ts
	}
	return a.inParent(c.Path, func(dirfd int, name string) error {
		return unix.UtimesNanoAt(dirfd, name, ts, unix.AT_SYMLINK_NOFOLLOW)
	})
}

// timespec converts without UnixNano, which overflows past 2262.
func timespec(t time.Time) unix.Timespec {
	return unix.Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}

// restoreRootTimes sets the root's times again at the end of a stream. A
// full stream sets them first, before the renames into the root that
// follow move its mtime (btrfs receive keeps that moved mtime); the
// snapshot's is the one the stream carried.
func (a *Applier) restoreRootTimes() error {
	if a.rootTimes == nil {
		return nil
	}
	if err := unix.UtimesNanoAt(a.root, ".", a.rootTimes, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("setting the root's times: %w", err)
	}
	return nil
}
