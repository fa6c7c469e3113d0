package btrfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
)

// SendStream is a running `btrfs send`, read straight from the pipe to the
// child: the reader's reads land in its own buffer, with no copying
// goroutine and no io.Pipe between. Send's goroutine copied every byte
// once more and handed it over in 256 KiB pieces, a goroutine switch each
// (docs/performance.md, "fourth round"). Read and Close are for one
// goroutine at a time.
type SendStream struct {
	snapshot string
	ctx      context.Context
	cmd      *exec.Cmd
	stderr   *tailBuffer
	pipe     *os.File
	waited   bool
	err      error // the send's result, once waited for
}

// StartSend starts sending the read-only snapshot. Read the stream to its
// end: at its end Read returns the send's failure, if it failed, instead
// of io.EOF. Close always, also after an error: it stops a send that is
// still running and returns its result.
func StartSend(ctx context.Context, snapshot string, o SendOptions) (*SendStream, error) {
	cmd := command(ctx, "btrfs", o.args(snapshot)...)
	stderr := new(tailBuffer)
	cmd.Stderr = stderr
	pr, pw, err := bigPipe()
	if err != nil {
		return nil, fmt.Errorf("sending %s: %w", snapshot, err)
	}
	cmd.Stdout = pw
	err = cmd.Start()
	pw.Close() // the child has its own copy; EOF comes when it exits
	if err != nil {
		pr.Close()
		return nil, sendError(ctx, snapshot, execError(cmd, stderr, err))
	}
	return &SendStream{snapshot: snapshot, ctx: ctx, cmd: cmd, stderr: stderr, pipe: pr}, nil
}

// Read reads the stream. At its end it waits for btrfs and returns its
// failure, or io.EOF if it succeeded.
func (s *SendStream) Read(p []byte) (int, error) {
	n, err := s.pipe.Read(p)
	if errors.Is(err, io.EOF) {
		if werr := s.wait(); werr != nil {
			return n, werr
		}
	}
	return n, err
}

// Close stops the send if it still runs (btrfs gets a closed pipe and is
// killed) and returns its result: nil only for a send that completed.
func (s *SendStream) Close() error {
	if !s.waited {
		_ = s.cmd.Process.Kill() // fails only if it has exited already
	}
	return s.wait()
}

// wait closes our end of the pipe and waits for btrfs, once.
func (s *SendStream) wait() error {
	if s.waited {
		return s.err
	}
	s.waited = true
	s.pipe.Close()
	if err := s.cmd.Wait(); err != nil {
		s.err = sendError(s.ctx, s.snapshot, execError(s.cmd, s.stderr, err))
	}
	return s.err
}
