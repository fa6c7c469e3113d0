// Package tmpfile makes files without a name, for bytes that must go to
// disk only while a program holds them (the sealed parts a push spools,
// the parts a restore downloads ahead).
package tmpfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Nameless returns a new, empty read-write file in dir that no name
// points to: made with O_TMPFILE (mode 0600), so the kernel frees it when
// the file is closed or the program ends, however it ends, and no other
// process can open it. On a file system without O_TMPFILE it is created
// from pattern (os.CreateTemp) and removed at once; a kill between the two
// can leave that file, so callers sweep pattern's leftovers.
func Nameless(dir, pattern string) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err == nil {
		return os.NewFile(uintptr(fd), filepath.Join(dir, "(spool)")), nil
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, fmt.Errorf("spool file: %w", err)
	}
	if err := os.Remove(f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		_ = f.Close()
		return nil, fmt.Errorf("spool file: %w", err)
	}
	return f, nil
}

// NoRoom reports whether err is a file system out of space or quota: a
// spool that hits it gives way (to memory, to another directory) rather
// than fail the job.
func NoRoom(err error) bool {
	return errors.Is(err, unix.ENOSPC) || errors.Is(err, unix.EDQUOT)
}
