package btrfs

import (
	"context"
	"fmt"
	"io"
	"os"
)

// SendOptions choose what Send sends.
type SendOptions struct {
	// Parent is the path of a read-only snapshot that the receiver already
	// has: the stream then carries only the difference. "" sends everything.
	Parent string
	// Proto2Compressed sends protocol version 2 with --compressed-data, which
	// passes extents btrfs already compressed through without recompressing.
	// Check SupportsProto2 first.
	Proto2Compressed bool
}

// Proto is the send protocol version the stream will have: 1 or 2.
func (o SendOptions) Proto() int {
	if o.Proto2Compressed {
		return 2
	}
	return 1
}

// Flags are the protocol flags given to btrfs send, e.g. to be recorded with
// a backup so a restore host knows what its btrfs-progs must support.
func (o SendOptions) Flags() []string {
	if o.Proto2Compressed {
		return []string{"--proto", "2", "--compressed-data"}
	}
	return nil
}

func (o SendOptions) args(snapshot string) []string {
	args := []string{"-q", "send"}
	if o.Parent != "" {
		args = append(args, "-p", o.Parent)
	}
	args = append(args, o.Flags()...)
	return append(args, snapshot)
}

// Send writes the send stream of the read-only snapshot to w. An *os.File is
// handed to btrfs as its stdout; anything else is fed from a pipe. When ctx is
// done, or w fails, btrfs is killed and Send returns an error.
func Send(ctx context.Context, snapshot string, o SendOptions, w io.Writer) error {
	cmd := command(ctx, "btrfs", o.args(snapshot)...)
	var stderr tailBuffer
	cmd.Stderr = &stderr
	if f, ok := w.(*os.File); ok {
		cmd.Stdout = f
		if err := cmd.Run(); err != nil {
			return sendError(ctx, snapshot, execError(cmd, &stderr, err))
		}
		return nil
	}
	pr, pw, err := bigPipe()
	if err != nil {
		return fmt.Errorf("sending %s: %w", snapshot, err)
	}
	defer pr.Close()
	cmd.Stdout = pw
	err = cmd.Start()
	pw.Close() // the child has its own copy; EOF comes when it exits
	if err != nil {
		return sendError(ctx, snapshot, execError(cmd, &stderr, err))
	}
	_, copyErr := io.CopyBuffer(w, readerOnly{pr}, make([]byte, copyBufSize))
	if copyErr != nil {
		cmd.Process.Kill()
	}
	pr.Close()
	waitErr := cmd.Wait()
	if copyErr != nil {
		return fmt.Errorf("sending %s: writing stream: %w", snapshot, copyErr)
	}
	if waitErr != nil {
		return sendError(ctx, snapshot, execError(cmd, &stderr, waitErr))
	}
	return nil
}

// sendError prefers the cancellation over the "signal: killed" it caused.
func sendError(ctx context.Context, snapshot string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("sending %s: %w", snapshot, context.Cause(ctx))
	}
	return fmt.Errorf("sending %s: %w", snapshot, err)
}
