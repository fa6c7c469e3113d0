package sendstream

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// A FILEATTR command carries btrfs' inode flags (BTRFS_INODE_*, the low 32
// bits; the high ones are read-only flags such as verity, which has its own
// command). The applier sets the chattr flag (FS_*_FL, linux/fs.h) each
// stands for with FS_IOC_SETFLAGS where the target has it, and reports the
// rest. Flags btrfs keeps for itself (NODATASUM, READONLY, PREALLOC) have no
// chattr letter and are left out.
//
// Flags are set only when the whole chain is applied (Finish): an
// append-only or immutable file (or directory) refuses the writes, renames
// and unlinks that later commands, or later incrementals, make to it. Until
// then the applier holds an O_PATH descriptor of each flagged inode, so
// renames do not lose it and its inode number is not reused.
var chattrFlags = []struct {
	btrfs  uint64
	fs     uint32
	letter string
}{
	{0x002, 0x00800000, "C"}, // NODATACOW: FS_NOCOW_FL
	{0x008, 0x00000400, "m"}, // NOCOMPRESS: FS_NOCOMP_FL
	{0x020, 0x00000008, "S"}, // SYNC: FS_SYNC_FL
	{0x100, 0x00000040, "d"}, // NODUMP: FS_NODUMP_FL
	{0x200, 0x00000080, "A"}, // NOATIME: FS_NOATIME_FL
	{0x400, 0x00010000, "D"}, // DIRSYNC: FS_DIRSYNC_FL
	{0x800, 0x00000004, "c"}, // COMPRESS: FS_COMPR_FL
	// The two that lock the inode come last, so a flag set one at a
	// time never meets them already set.
	{0x080, 0x00000020, "a"}, // APPEND: FS_APPEND_FL
	{0x040, 0x00000010, "i"}, // IMMUTABLE: FS_IMMUTABLE_FL
}

// lockFlags are the chattr flags that stop a tree from being changed or
// removed: append-only and immutable.
const lockFlags = 0x20 | 0x10

// managedFlags are every chattr flag a FILEATTR can set or clear.
var managedFlags = func() (m uint32) {
	for _, f := range chattrFlags {
		m |= f.fs
	}
	return m
}()

// pendingAttr is a FILEATTR waiting for the chain's end.
type pendingAttr struct {
	fd   int    // O_PATH descriptor of the inode
	path string // where the stream named it, for the report
	dir  bool
	want uint32 // chattr flags
}

// fileattr notes the inode's flags, to be set by Finish.
func (a *Applier) fileattr(c *Command) error {
	if err := c.need(AttrPath, AttrFileattr); err != nil {
		return err
	}
	var want uint32
	for _, f := range chattrFlags {
		if c.Fileattr&f.btrfs != 0 {
			want |= f.fs
		}
	}
	fd, err := a.openBeneath(c.Path, unix.O_PATH)
	if err != nil {
		return err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return err
	}
	if old, ok := a.attrs[st.Ino]; ok {
		unix.Close(old.fd)
		delete(a.attrs, st.Ino)
	}
	typ := st.Mode & unix.S_IFMT
	switch {
	case want == 0:
		unix.Close(fd) // nothing to set: flags are set only by Finish
	case typ != unix.S_IFREG && typ != unix.S_IFDIR:
		unix.Close(fd) // chattr flags live only on files and directories
		a.skipFlags(want)
	default:
		a.attrs[st.Ino] = pendingAttr{fd: fd, path: c.Path, dir: typ == unix.S_IFDIR, want: want}
	}
	return nil
}

// Finish ends the chain: it sets the inode flags FILEATTR commands asked
// for, immutable and append-only included, and reports those the target
// does not have. Nothing can be applied after it. The tree's top directory
// never gets the immutable or append-only flag (it could not be moved into
// place); the report names them.
func (a *Applier) Finish() error {
	a.closeData()
	a.finished = true
	for ino, p := range a.attrs {
		delete(a.attrs, ino)
		err := a.setFlags(p)
		unix.Close(p.fd)
		if err != nil {
			return fmt.Errorf("setting the inode flags of %q: %w", p.path, err)
		}
	}
	return nil
}

// setFlags sets p's flags, all at once, else (where the target refuses
// some) one at a time, and reports those that did not take.
func (a *Applier) setFlags(p pendingAttr) error {
	want := p.want
	if p.path == "" || p.path == "." {
		a.skipFlags(want & lockFlags)
		want &^= lockFlags
	}
	fd, err := unix.Open(fmt.Sprintf("/proc/self/fd/%d", p.fd), unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Nlink == 0 {
		return err // unlinked by a later command: nothing left to flag
	}
	cur, err := unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS)
	if refused(err) {
		a.skipFlags(want) // the filesystem has no chattr flags at all
		return nil
	}
	if err != nil {
		return err
	}
	if err := unix.IoctlSetPointerInt(fd, unix.FS_IOC_SETFLAGS, int(cur&^managedFlags|want)); err != nil {
		if !refused(err) {
			return err
		}
		cur &^= managedFlags
		for _, f := range chattrFlags {
			if want&f.fs != 0 && refused(unix.IoctlSetPointerInt(fd, unix.FS_IOC_SETFLAGS, int(cur|f.fs))) {
				want &^= f.fs
				a.skipFlags(f.fs)
				continue
			}
			cur |= want & f.fs
		}
	}
	// Some filesystems drop a flag they do not have without an error:
	// what counts is what the inode now has.
	got, err := unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS)
	if err != nil {
		return err
	}
	a.skipFlags(want &^ got)
	if want&got != 0 {
		a.report.FileattrsApplied++
	}
	return nil
}

// refused tells errors that mean "this target, or this user, cannot set
// that flag" from failures of the filesystem.
func refused(err error) bool {
	return errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EINVAL) ||
		errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES)
}

// skipFlags counts chattr flags that were not set, by chattr letter.
func (a *Applier) skipFlags(flags uint32) {
	for _, f := range chattrFlags {
		if flags&f.fs == 0 {
			continue
		}
		if a.report.FileattrsSkipped == nil {
			a.report.FileattrsSkipped = map[string]int{}
		}
		a.report.FileattrsSkipped[f.letter]++
	}
}

// dropAttrs closes what Finish did not get to.
func (a *Applier) dropAttrs() {
	for ino, p := range a.attrs {
		unix.Close(p.fd)
		delete(a.attrs, ino)
	}
}
