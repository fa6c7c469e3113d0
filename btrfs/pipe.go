package btrfs

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// pipeSize is the buffer we ask the kernel for on pipes to and from
// btrfs-progs: the default 64 KiB means a context switch per command.
const pipeSize = 1 << 20

// bigPipe returns a pipe whose kernel buffer is pipeSize where allowed
// (/proc/sys/fs/pipe-max-size bounds unprivileged users); a smaller buffer is
// only slower, so that failure is ignored.
func bigPipe() (r, w *os.File, err error) {
	r, w, err = os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	if conn, err := w.SyscallConn(); err == nil {
		conn.Control(func(fd uintptr) {
			unix.FcntlInt(fd, unix.F_SETPIPE_SZ, pipeSize)
		})
	}
	return r, w, nil
}

// copyBufSize is the chunk size we move stream bytes in.
const copyBufSize = 256 << 10

// readerOnly hides an *os.File's WriterTo so io.CopyBuffer uses our buffer
// size instead of os.File's 32 KiB fallback.
type readerOnly struct{ io.Reader }
