package btrfs_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/btrfs"
)

// TestSendWriters: the stream is the same whether btrfs writes to a file
// directly or through our pipe.
func TestSendWriters(t *testing.T) {
	mnt, home := fsWithHome(t, "", map[string]string{"big": strings.Repeat("0123456789", 300_000)})
	snap := snapshot(t, home, filepath.Join(mnt, "home.1"))

	viaPipe := send(t, snap, btrfs.SendOptions{})
	f, err := os.Create(filepath.Join(t.TempDir(), "stream"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := btrfs.Send(context.Background(), snap, btrfs.SendOptions{}, f); err != nil {
		t.Fatal(err)
	}
	viaFile, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(viaPipe, viaFile) {
		t.Errorf("stream through a pipe (%d bytes) differs from the one to a file (%d bytes)", len(viaPipe), len(viaFile))
	}
	if _, err := validate(viaFile); err != nil {
		t.Error(err)
	}
}

// TestSendStopsOnWriterError: when the consumer fails (an upload dies), btrfs
// is stopped and the consumer's error is reported.
func TestSendStopsOnWriterError(t *testing.T) {
	mnt, home := fsWithHome(t, "", map[string]string{"big": string(randomBytes(4 << 20))})
	snap := snapshot(t, home, filepath.Join(mnt, "home.1"))
	errUpload := errors.New("upload failed")
	err := btrfs.Send(context.Background(), snap, btrfs.SendOptions{}, &failingWriter{after: 1 << 20, err: errUpload})
	if !errors.Is(err, errUpload) {
		t.Errorf("Send: %v, want the writer's error", err)
	}
}

// TestSendCancel: a cancelled send returns promptly even while nothing
// consumes the stream.
func TestSendCancel(t *testing.T) {
	mnt, home := fsWithHome(t, "", map[string]string{"big": string(randomBytes(8 << 20))})
	snap := snapshot(t, home, filepath.Join(mnt, "home.1"))
	ctx, cancel := context.WithCancel(context.Background())
	w := &stallingWriter{started: make(chan struct{}), ctx: ctx}
	done := make(chan error, 1)
	go func() { done <- btrfs.Send(ctx, snap, btrfs.SendOptions{}, w) }()
	<-w.started
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Send after cancel: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Send did not return after its context was cancelled")
	}
}

type failingWriter struct {
	after int
	err   error
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after -= len(p); w.after < 0 {
		return 0, w.err
	}
	return len(p), nil
}

// stallingWriter accepts the first write, then blocks until ctx is done, like
// a stalled upload.
type stallingWriter struct {
	started chan struct{}
	ctx     context.Context
	once    bool
}

func (w *stallingWriter) Write(p []byte) (int, error) {
	if !w.once {
		w.once = true
		close(w.started)
		return len(p), nil
	}
	<-w.ctx.Done()
	return 0, w.ctx.Err()
}

var _ io.Writer = (*stallingWriter)(nil)
