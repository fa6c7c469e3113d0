package btrfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// Receive replays the send stream r into the directory dir with
// `btrfs receive` (never with -E: see FACTS.md).
//
// The stream is validated on its way in, and btrfs only ever sees bytes that
// passed: if r fails, is damaged or ends before its END command, btrfs is
// killed instead of seeing a clean end of file, which it would take for the
// end of a complete stream. On any failure, including cancellation, the
// subvolume this call created is deleted, so no half-received subvolume is
// left behind; one that existed before is never touched.
//
// Cancelling ctx kills btrfs and returns at once, even while r blocks; r is
// then left to a goroutine that stops at r's next return.
func Receive(ctx context.Context, dir string, r io.Reader) error {
	if ok, err := IsBtrfs(dir); err != nil {
		return fmt.Errorf("receiving into %s: %w", dir, err)
	} else if !ok {
		return fmt.Errorf("receiving into %s: %w", dir, ErrNotBtrfs)
	}
	rc := &receiver{dir: dir, cmd: command(ctx, "btrfs", "-q", "receive", dir)}
	err := rc.run(ctx, r)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		err = context.Cause(ctx)
	}
	err = fmt.Errorf("receiving into %s: %w", dir, err)
	return errors.Join(err, rc.removeCreated(context.WithoutCancel(ctx)))
}

// receiver is one run of btrfs receive and the goroutine feeding it.
type receiver struct {
	dir    string
	cmd    *exec.Cmd
	stderr tailBuffer

	mu      sync.Mutex
	named   bool   // the stream's subvolume name has been seen
	created string // dir/<name> if it did not exist when the stream named it
}

func (rc *receiver) run(ctx context.Context, r io.Reader) error {
	pr, pw, err := bigPipe()
	if err != nil {
		return err
	}
	rc.cmd.Stdin = pr
	rc.cmd.Stdout, rc.cmd.Stderr = &rc.stderr, &rc.stderr
	err = rc.cmd.Start()
	pr.Close() // the child has its own copy
	if err != nil {
		pw.Close()
		return execError(rc.cmd, &rc.stderr, err)
	}
	fed := make(chan error, 1)
	go func() { fed <- rc.feed(pw, r) }()
	waitErr := rc.cmd.Wait()
	if waitErr == nil {
		// btrfs exits 0 only after the EOF that feed gives after Finish.
		return <-fed
	}
	select {
	case err := <-fed:
		if err != nil {
			return err // the reason btrfs was killed
		}
	default:
		// feed may be blocked reading r; it ends when r returns, and its
		// writes then fail since nobody reads the pipe any more.
	}
	return execError(rc.cmd, &rc.stderr, waitErr)
}

// feed copies r to btrfs through a Validator and closes w at a valid end. On
// any error it kills btrfs before w is closed, so btrfs never mistakes a cut
// stream for a complete one.
func (rc *receiver) feed(w *os.File, r io.Reader) (err error) {
	defer func() {
		if err != nil {
			rc.cmd.Process.Kill()
		}
		w.Close()
	}()
	v := NewValidator()
	buf := make([]byte, copyBufSize)
	for {
		n, readErr := r.Read(buf)
		if n > 0 {
			if _, err := v.Write(buf[:n]); err != nil {
				return err
			}
			rc.noteName(v)
			if _, err := w.Write(buf[:n]); err != nil {
				return fmt.Errorf("writing to btrfs receive: %w", err)
			}
		}
		if readErr == io.EOF {
			_, err := v.Finish()
			return err
		}
		if readErr != nil {
			return fmt.Errorf("reading send stream: %w", readErr)
		}
	}
}

// noteName remembers the subvolume the stream is about to create, once its
// first command has been validated and before btrfs has seen it.
func (rc *receiver) noteName(v *Validator) {
	info := v.Info()
	if info.Commands == 0 || info.Name == "" {
		return
	}
	name := info.Name
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.named {
		return
	}
	rc.named = true
	if name != filepath.Base(name) || name == "." || name == ".." {
		return
	}
	path := filepath.Join(rc.dir, name)
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		rc.created = path
	}
}

// removeCreated deletes the subvolume a failed receive left behind.
func (rc *receiver) removeCreated(ctx context.Context) error {
	rc.mu.Lock()
	path := rc.created
	rc.created = ""
	rc.mu.Unlock()
	if path == "" {
		return nil
	}
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err := Delete(ctx, path); err != nil {
		return fmt.Errorf("removing half-received subvolume: %w", err)
	}
	return nil
}
