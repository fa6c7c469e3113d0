package sendstream

import (
	"errors"
	"strings"

	"golang.org/x/sys/unix"
)

// create makes a new inode with the modes btrfs-progs' receive uses
// (files 0600, directories 0700, nodes without permissions): CHMOD, CHOWN
// and UTIMES follow in the stream.
func (a *Applier) create(c *Command) error {
	if err := c.need(AttrPath); err != nil {
		return err
	}
	return a.inParent(c.Path, func(dirfd int, name string) error {
		switch c.Type {
		case CmdMkfile:
			fd, err := unix.Openat(dirfd, name, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
			if err == nil {
				unix.Close(fd)
			}
			return err
		case CmdMkdir:
			return unix.Mkdirat(dirfd, name, 0o700)
		case CmdMkfifo:
			return unix.Mknodat(dirfd, name, unix.S_IFIFO|0o600, 0)
		case CmdMksock:
			return unix.Mknodat(dirfd, name, unix.S_IFSOCK|0o600, 0)
		case CmdSymlink:
			if err := c.need(AttrPathLink); err != nil {
				return err
			}
			return unix.Symlinkat(c.PathLink, dirfd, name)
		}
		return a.mknod(c, dirfd, name)
	})
}

// mknod makes a device node, fifo or socket; a normal user cannot make
// device nodes, which is reported and the node left out.
func (a *Applier) mknod(c *Command, dirfd int, name string) error {
	if err := c.need(AttrMode, AttrRdev); err != nil {
		return err
	}
	typ := uint32(c.Mode) & typeMask
	switch typ {
	case typeChar, typeBlock, typeFifo, typeSock:
	default:
		return errors.New("mknod of something other than a device, fifo or socket")
	}
	err := unix.Mknodat(dirfd, name, typ, int(c.Rdev))
	if err == unix.EPERM && !a.isRoot && (typ == typeChar || typ == typeBlock) {
		a.skipped[c.Path] = true // reported under its final name, see Report
		return nil
	}
	return err
}

func (a *Applier) rename(c *Command) error {
	if err := c.need(AttrPath, AttrPathTo); err != nil {
		return err
	}
	if a.skipped[c.Path] {
		a.moveSkipped(c.Path, c.PathTo)
		return nil
	}
	a.moveSkipped(c.Path, c.PathTo)
	return a.inParent(c.Path, func(fromfd int, from string) error {
		return a.inParent(c.PathTo, func(tofd int, to string) error {
			return unix.Renameat(fromfd, from, tofd, to)
		})
	})
}

// moveSkipped follows the nodes that were left out through a rename.
func (a *Applier) moveSkipped(from, to string) {
	for p := range a.skipped {
		if p == from {
			delete(a.skipped, p)
			a.skipped[to] = true
		} else if rest, ok := strings.CutPrefix(p, from+"/"); ok {
			delete(a.skipped, p)
			a.skipped[to+"/"+rest] = true
		}
	}
}

func (a *Applier) link(c *Command) error {
	if err := c.need(AttrPath, AttrPathLink); err != nil {
		return err
	}
	if a.skipped[c.PathLink] {
		a.skipped[c.Path] = true
		return nil
	}
	return a.inParent(c.PathLink, func(oldfd int, old string) error {
		return a.inParent(c.Path, func(newfd int, name string) error {
			return unix.Linkat(oldfd, old, newfd, name, 0) // never follows a symlink
		})
	})
}

func (a *Applier) remove(c *Command) error {
	if err := c.need(AttrPath); err != nil {
		return err
	}
	if a.skipped[c.Path] {
		delete(a.skipped, c.Path)
		return nil
	}
	flags := 0
	if c.Type == CmdRmdir {
		flags = unix.AT_REMOVEDIR
	}
	return a.inParent(c.Path, func(dirfd int, name string) error {
		return unix.Unlinkat(dirfd, name, flags)
	})
}
