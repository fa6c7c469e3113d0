package btrfs

import (
	"cmp"
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
// `btrfs receive -C` (never with -E: see FACTS.md). -C chroots btrfs receive
// into dir, so that a hostile stream's absolute symlinks and `..` paths
// resolve inside dir and never reach the rest of the host.
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
	return ReceiveAs(ctx, dir, "", r)
}

// ReceiveAs is Receive, but the subvolume is created as dir/name instead of
// under the name the stream gives it (unless name is ""). Restore uses it
// to receive under a staging name beside the final one.
func ReceiveAs(ctx context.Context, dir, name string, r io.Reader) error {
	if name != "" && (name != filepath.Base(name) || name == "." || name == "..") {
		return fmt.Errorf("receiving into %s: %q is not a plain subvolume name", dir, name)
	}
	if ok, err := IsBtrfs(dir); err != nil {
		return fmt.Errorf("receiving into %s: %w", dir, err)
	} else if !ok {
		return fmt.Errorf("receiving into %s: %w", dir, ErrNotBtrfs)
	}
	rc := &receiver{dir: dir, name: name, cmd: receiveCommand(ctx, dir)}
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

// receiveCommand is btrfs receive, confined to dir.
func receiveCommand(ctx context.Context, dir string) *exec.Cmd {
	return command(ctx, "btrfs", "-q", "receive", "-C", dir)
}

// receiver is one run of btrfs receive and the goroutine feeding it.
type receiver struct {
	dir    string
	name   string // the subvolume's name in dir; "": the stream's own
	cmd    *exec.Cmd
	stderr tailBuffer

	mu      sync.Mutex
	named   bool   // the stream's subvolume name has been seen
	created string // dir/<name> if it did not exist when the stream named it
	killed  error  // why feed killed btrfs, set before it did
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
	// feed may still be blocked reading r; it ends when r returns, and its
	// writes then fail since nobody reads the pipe any more. If it killed
	// btrfs, it said why before it did. If btrfs stopped reading on its
	// own (a full disk), btrfs's own message says why, not the broken
	// pipe feed saw.
	rc.mu.Lock()
	killed := rc.killed
	rc.mu.Unlock()
	if killed != nil {
		return killed
	}
	return execError(rc.cmd, &rc.stderr, waitErr)
}

// feed copies r to btrfs through a Validator and closes w at a valid end. On
// any error it kills btrfs before w is closed, so btrfs never mistakes a cut
// stream for a complete one.
func (rc *receiver) feed(w *os.File, r io.Reader) (err error) {
	defer func() {
		if err != nil {
			var died *receiveWriteError
			if !errors.As(err, &died) {
				rc.mu.Lock()
				rc.killed = err
				rc.mu.Unlock()
			}
			rc.cmd.Process.Kill()
		}
		w.Close()
	}()
	v := NewValidator()
	var out io.Writer = w
	if rc.name != "" {
		out = &renamer{w: w, name: rc.name}
	}
	buf := make([]byte, copyBufSize)
	for {
		n, readErr := r.Read(buf)
		if n > 0 {
			if _, err := v.Write(buf[:n]); err != nil {
				return err
			}
			rc.noteName(v)
			if _, err := out.Write(buf[:n]); err != nil {
				return &receiveWriteError{err}
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

// receiveWriteError is feed failing to write to btrfs receive: btrfs
// stopped reading, and its exit says why.
type receiveWriteError struct{ err error }

func (e *receiveWriteError) Error() string { return "writing to btrfs receive: " + e.err.Error() }
func (e *receiveWriteError) Unwrap() error { return e.err }

// noteName remembers the subvolume the stream is about to create, once its
// first command has been validated and before btrfs has seen it.
func (rc *receiver) noteName(v *Validator) {
	info := v.Info()
	if info.Commands == 0 || info.Name == "" {
		return
	}
	name := cmp.Or(rc.name, info.Name)
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
