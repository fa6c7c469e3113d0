package btrfs_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs"
)

// TestSendStreamReadsWhatSendWrites: reading the stream from StartSend
// gives the bytes Send writes, and Close after the end reports success.
func TestSendStreamReadsWhatSendWrites(t *testing.T) {
	mnt, home := fsWithHome(t, "", map[string]string{"big": strings.Repeat("0123456789", 300_000)})
	snap := snapshot(t, home, filepath.Join(mnt, "home.1"))
	want := send(t, snap, btrfs.SendOptions{})

	s, err := btrfs.StartSend(context.Background(), snap, btrfs.SendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(s)
	if err != nil {
		t.Fatalf("reading the stream: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close after the end: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the stream read (%d bytes) differs from Send's (%d bytes)", len(got), len(want))
	}
}

// TestSendStreamFailureIsNotEOF: a send that fails ends the stream with
// its error, not with io.EOF, so that a reader never takes a failed send
// for a complete stream.
func TestSendStreamFailureIsNotEOF(t *testing.T) {
	// home is writable, not a read-only snapshot: btrfs send refuses it.
	_, home := fsWithHome(t, "", map[string]string{"a": "x"})
	s, err := btrfs.StartSend(context.Background(), home, btrfs.SendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = io.ReadAll(s)
	var ee *btrfs.ExecError
	if err == nil || !errors.As(err, &ee) {
		t.Errorf("reading a failed send: %v, want its *ExecError", err)
	}
	if cerr := s.Close(); !errors.Is(cerr, err) && cerr.Error() != err.Error() {
		t.Errorf("Close: %v, want the read's error %v", cerr, err)
	}
}

// TestSendStreamCloseStopsSend: closing before the end stops btrfs (which
// would otherwise block on a full pipe) and reports that it did not finish.
func TestSendStreamCloseStopsSend(t *testing.T) {
	mnt, home := fsWithHome(t, "", map[string]string{"big": string(randomBytes(8 << 20))})
	snap := snapshot(t, home, filepath.Join(mnt, "home.1"))
	s, err := btrfs.StartSend(context.Background(), snap, btrfs.SendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(s, make([]byte, 64<<10)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err == nil {
		t.Error("Close in the middle of the stream: nil, want the stopped send's error")
	}
}
