package sendstream

import (
	"errors"
	"fmt"
	"math"
	"os"

	"golang.org/x/sys/unix"
)

// openData returns the file at path opened for writing, refusing anything
// but a regular file: it is opened O_PATH without following symlinks,
// checked with fstat, and only then reopened for writing through /proc,
// so a device is never opened and a fifo never blocks. Consecutive data
// commands to one file share the descriptor.
func (a *Applier) openData(path string) (*os.File, error) {
	if a.data != nil && a.dataPath == path {
		return a.data, nil
	}
	a.closeData()
	f, err := a.openRegular(path, unix.O_RDWR)
	if err != nil {
		return nil, err
	}
	a.data, a.dataPath = f, path
	return f, nil
}

// openRegular opens the regular file at path with flags (O_RDONLY or
// O_RDWR), checked on open as openData explains.
func (a *Applier) openRegular(path string, flags int) (*os.File, error) {
	fd, err := a.openBeneath(path, unix.O_PATH)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, fmt.Errorf("is a %s, not a regular file: data goes only into regular files", typeName(st.Mode&unix.S_IFMT))
	}
	var rw int
	err = a.withWritable(fd, func() (err error) {
		rw, err = unix.Open(fmt.Sprintf("/proc/self/fd/%d", fd), flags|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(rw), path), nil
}

func (a *Applier) closeData() {
	if a.data != nil {
		a.data.Close()
		a.data, a.dataPath = nil, ""
	}
}

// span checks that off+n is a file position Linux can have.
func span(off, n uint64) error {
	if off > math.MaxInt64 || n > math.MaxInt64-off {
		return fmt.Errorf("offset %d + length %d is beyond any file", off, n)
	}
	return nil
}

func (a *Applier) write(c *Command) error {
	if err := c.need(AttrPath, AttrFileOffset, AttrData); err != nil {
		return err
	}
	return a.writeAt(c.Path, c.Data, c.FileOffset)
}

func (a *Applier) writeAt(path string, b []byte, off uint64) error {
	if err := span(off, uint64(len(b))); err != nil {
		return err
	}
	f, err := a.openData(path)
	if err != nil {
		return err
	}
	if _, err := f.WriteAt(b, int64(off)); err != nil {
		return err
	}
	a.report.DataBytes += int64(len(b))
	return nil
}

// encodedWrite decompresses a compressed extent and writes the part of it
// the file uses.
func (a *Applier) encodedWrite(c *Command) error {
	if err := c.need(AttrPath, AttrFileOffset, AttrData, AttrUnencodedFileLen, AttrUnencodedLen, AttrUnencodedOffset); err != nil {
		return err
	}
	if c.Encryption != 0 {
		return fmt.Errorf("encrypted extent (encryption %d): not supported", c.Encryption)
	}
	if c.UnencodedOffset > c.UnencodedLen || c.UnencodedFileLen > c.UnencodedLen-c.UnencodedOffset {
		return fmt.Errorf("extent slice %d+%d lies outside its %d bytes", c.UnencodedOffset, c.UnencodedFileLen, c.UnencodedLen)
	}
	out, err := a.dec.decode(c.Data, c.Compression, c.UnencodedLen)
	if err != nil {
		return err
	}
	return a.writeAt(c.Path, out[c.UnencodedOffset:c.UnencodedOffset+c.UnencodedFileLen], c.FileOffset)
}

func (a *Applier) truncate(c *Command) error {
	if err := c.need(AttrPath, AttrSize); err != nil {
		return err
	}
	if err := span(c.Size, 0); err != nil {
		return err
	}
	f, err := a.openData(c.Path)
	if err != nil {
		return err
	}
	return f.Truncate(int64(c.Size))
}

// Fallocate modes a stream may carry.
const fallocModes = unix.FALLOC_FL_KEEP_SIZE | unix.FALLOC_FL_PUNCH_HOLE | unix.FALLOC_FL_ZERO_RANGE

// fallocate preallocates or punches holes. Where the target cannot, a
// punched hole becomes zeros and a preallocation only the size it implies.
func (a *Applier) fallocate(c *Command) error {
	if err := c.need(AttrPath, AttrFallocateMode, AttrFileOffset, AttrSize); err != nil {
		return err
	}
	if c.FallocateMode&^fallocModes != 0 {
		return fmt.Errorf("fallocate mode %#x has flags no btrfs sends", c.FallocateMode)
	}
	if err := span(c.FileOffset, c.Size); err != nil {
		return err
	}
	f, err := a.openData(c.Path)
	if err != nil {
		return err
	}
	err = unix.Fallocate(int(f.Fd()), c.FallocateMode, int64(c.FileOffset), int64(c.Size))
	if !errors.Is(err, unix.EOPNOTSUPP) {
		return err
	}
	if c.FallocateMode&(unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_ZERO_RANGE) != 0 {
		return zeroRange(f, int64(c.FileOffset), int64(c.Size))
	}
	if c.FallocateMode&unix.FALLOC_FL_KEEP_SIZE == 0 {
		return growTo(f, int64(c.FileOffset+c.Size))
	}
	return nil
}
