package btrfs

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// ErrProgsNotFound is returned when a btrfs-progs binary is not installed.
var ErrProgsNotFound = errors.New("btrfs-progs not found: install it (apt-get install btrfs-progs)")

// ExecError is a failed external command. It keeps the command's own stderr,
// because btrfs explains its failures there ("cannot find parent subvolume",
// "No space left on device") far better than an exit status does.
type ExecError struct {
	Args   []string // the command line, program first
	Stderr string   // trimmed, possibly truncated
	Err    error    // usually an *exec.ExitError
}

func (e *ExecError) Error() string {
	cmdline := strings.Join(e.Args, " ")
	if e.Stderr == "" {
		return fmt.Sprintf("%s: %v", cmdline, e.Err)
	}
	return fmt.Sprintf("%s: %s (%v)", cmdline, e.Stderr, e.Err)
}

func (e *ExecError) Unwrap() error { return e.Err }

// waitDelay bounds how long Wait waits for I/O after the process is gone or
// killed, so a stuck pipe can never hang a cancelled operation.
const waitDelay = 5 * time.Second

// command prepares an external command that is killed when ctx is done.
func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.WaitDelay = waitDelay
	return cmd
}

// execError describes the failure err of cmd, with the stderr it captured.
func execError(cmd *exec.Cmd, stderr *tailBuffer, err error) error {
	if errors.Is(err, exec.ErrNotFound) {
		if strings.Contains(cmd.Path, "btrfs") {
			return fmt.Errorf("%w (%v)", ErrProgsNotFound, err)
		}
		return fmt.Errorf("%s not found: %w", cmd.Args[0], err)
	}
	return &ExecError{Args: cmd.Args, Stderr: stderr.String(), Err: err}
}

// output runs a short command and returns its trimmed stdout.
func output(ctx context.Context, name string, args ...string) (string, error) {
	cmd := command(ctx, name, args...)
	var stdout, stderr tailBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", execError(cmd, &stderr, err)
	}
	return stdout.String(), nil
}

// tailBuffer keeps the last tailMax bytes written to it: enough for any
// error message, bounded whatever a child prints.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailMax = 64 << 10

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - tailMax; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

// String returns the trimmed contents.
func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(string(b.buf))
}
