package sendstream

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// clone copies a range from a file of this stream's subvolume (as it is
// now) or of the parent (as it was before this stream: the copy put aside).
func (a *Applier) clone(c *Command) error {
	if err := c.need(AttrPath, AttrFileOffset, AttrCloneLen, AttrCloneUUID, AttrClonePath, AttrCloneOffset); err != nil {
		return err
	}
	if err := span(c.FileOffset, c.CloneLen); err != nil {
		return err
	}
	if err := span(c.CloneOffset, c.CloneLen); err != nil {
		return err
	}
	dst, err := a.openData(c.Path)
	if err != nil {
		return err
	}
	src, done, err := a.cloneSource(c)
	if err != nil {
		return fmt.Errorf("clone source %q: %w", c.ClonePath, err)
	}
	defer done()
	return a.cloneRange(dst, src, int64(c.CloneOffset), int64(c.CloneLen), int64(c.FileOffset))
}

// cloneSource opens the file a CLONE reads, and returns what closes it.
func (a *Applier) cloneSource(c *Command) (*os.File, func(), error) {
	switch {
	case c.CloneUUID == a.cur && c.ClonePath == c.Path:
		return a.data, func() {}, nil
	case c.CloneUUID == a.cur:
		f, err := a.openRegular(c.ClonePath, unix.O_RDONLY)
		if err != nil {
			return nil, nil, err
		}
		return f, func() { f.Close() }, nil
	case c.CloneUUID == a.prev && a.aside[c.ClonePath] != nil:
		return a.aside[c.ClonePath], func() {}, nil
	case c.CloneUUID == a.prev:
		return nil, nil, fmt.Errorf("not a regular file of the parent")
	}
	return nil, nil, fmt.Errorf("subvolume %s is neither this stream's nor its parent's; argo-backup sends never name others", FormatUUID(c.CloneUUID[:]))
}

// cloneRange makes dst[dstOff:] share src[srcOff:srcOff+n] (n 0: to the
// end of src) where the filesystem can reflink, and copies it otherwise,
// holes kept as holes.
func (a *Applier) cloneRange(dst, src *os.File, srcOff, n, dstOff int64) error {
	err := unix.IoctlFileCloneRange(int(dst.Fd()), &unix.FileCloneRange{
		Src_fd: int64(src.Fd()), Src_offset: uint64(srcOff), Src_length: uint64(n), Dest_offset: uint64(dstOff),
	})
	if err == nil {
		a.report.Reflinks++
		return nil
	}
	a.report.CloneCopies++
	copied, err := copyRange(dst, src, srcOff, n, dstOff)
	a.report.DataBytes += copied
	return err
}

// copyRange copies the data of src's range to dst and punches holes where
// src has them, so a sparse source stays sparse. It returns the data bytes
// copied.
func copyRange(dst, src *os.File, srcOff, n, dstOff int64) (int64, error) {
	st, err := src.Stat()
	if err != nil {
		return 0, err
	}
	end := st.Size()
	if n > 0 && srcOff+n < end {
		end = srcOff + n
	}
	var copied int64
	for pos := srcOff; pos < end; {
		data, hole := nextData(src, pos, end)
		if data > pos {
			if err := punch(dst, dstOff+pos-srcOff, data-pos); err != nil {
				return copied, err
			}
		}
		if data >= end {
			break
		}
		if err := copyBytes(dst, src, data, hole-data, dstOff+data-srcOff); err != nil {
			return copied, err
		}
		copied += hole - data
		pos = hole
	}
	if end > srcOff {
		return copied, growTo(dst, dstOff+end-srcOff)
	}
	return copied, nil
}

// nextData returns the next data segment [data, hole) of f at or after
// pos, both capped at end; data == end when only a hole is left.
func nextData(f *os.File, pos, end int64) (data, hole int64) {
	fd := int(f.Fd())
	data, err := unix.Seek(fd, pos, unix.SEEK_DATA)
	if err != nil || data >= end {
		return end, end // ENXIO: only a hole up to EOF
	}
	hole, err = unix.Seek(fd, data, unix.SEEK_HOLE)
	if err != nil || hole > end {
		hole = end
	}
	return data, hole
}

// copyBytes copies n bytes with copy_file_range, falling back to reads and
// writes across filesystems or where the kernel cannot.
func copyBytes(dst, src *os.File, srcOff, n, dstOff int64) error {
	for n > 0 {
		so, do := srcOff, dstOff
		m, err := unix.CopyFileRange(int(src.Fd()), &so, int(dst.Fd()), &do, int(min(n, 1<<30)), 0)
		if err != nil || m == 0 {
			return copyPlain(dst, src, srcOff, n, dstOff)
		}
		srcOff, dstOff, n = srcOff+int64(m), dstOff+int64(m), n-int64(m)
	}
	return nil
}

func copyPlain(dst, src *os.File, srcOff, n, dstOff int64) error {
	buf := make([]byte, min(n, 1<<20))
	for n > 0 {
		m, err := src.ReadAt(buf[:min(n, int64(len(buf)))], srcOff)
		if m == 0 {
			return fmt.Errorf("reading clone source at %d: %w", srcOff, err)
		}
		if _, err := dst.WriteAt(buf[:m], dstOff); err != nil {
			return err
		}
		srcOff, dstOff, n = srcOff+int64(m), dstOff+int64(m), n-int64(m)
	}
	return nil
}

// punch makes [off, off+n) of f a hole without changing its size; where
// the filesystem cannot punch holes it writes zeros.
func punch(f *os.File, off, n int64) error {
	err := unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, off, n)
	if err == unix.EOPNOTSUPP {
		return zeroRange(f, off, n)
	}
	return err
}

// zeroRange writes zeros over [off, off+n) of f, within its size.
func zeroRange(f *os.File, off, n int64) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	n = min(n, st.Size()-off)
	zeros := make([]byte, min(max(n, 0), 1<<20))
	for n > 0 {
		m, err := f.WriteAt(zeros[:min(n, int64(len(zeros)))], off)
		if err != nil {
			return err
		}
		off, n = off+int64(m), n-int64(m)
	}
	return nil
}

// growTo extends f to size if it is shorter.
func growTo(f *os.File, size int64) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() < size {
		return f.Truncate(size)
	}
	return nil
}
