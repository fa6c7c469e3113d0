package btrfs_test

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

// TestReceiveFailureLeavesNothing: whatever goes wrong, no half-received
// subvolume remains, and the error says what went wrong.
func TestReceiveFailureLeavesNothing(t *testing.T) {
	mnt, home := fsWithHome(t, "", map[string]string{"f": strings.Repeat("data", 100_000)})
	s1 := snapshot(t, home, filepath.Join(mnt, "home.1"))
	writeFiles(t, home, map[string]string{"g": "more"})
	s2 := snapshot(t, home, filepath.Join(mnt, "home.2"))
	full := send(t, s1, btrfs.SendOptions{})
	incr := send(t, s2, btrfs.SendOptions{Parent: s1})
	errNetwork := errors.New("connection reset")
	// Another filesystem, where home.1 cannot be found by its UUID.
	other := btrfstest.NewFS(t, fsSize, "")

	tests := []struct {
		name   string
		stream io.Reader
		want   string
	}{
		// btrfs receive alone would take a clean EOF before END for the end.
		{"END missing", bytesReader(full[:len(full)-10]), "no END command"},
		{"bit flip", bytesReader(withBytes(full, len(full)-100, full[len(full)-100]^1)), "crc32c mismatch"},
		{"reader fails", io.MultiReader(bytesReader(full[:len(full)/2]), &errReader{errNetwork}), "connection reset"},
		{"parent missing", bytesReader(incr), "cannot find parent subvolume"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			into := btrfsSubdir(t, other, strings.ReplaceAll(tt.name, " ", "-"))
			err := btrfs.Receive(context.Background(), into, tt.stream)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Receive: %v, want an error containing %q", err, tt.want)
			}
			requireEmptyDir(t, into)
		})
	}
}

func TestReceiveNeverTouchesExistingSubvolume(t *testing.T) {
	mnt, home := fsWithHome(t, "", map[string]string{"f": "sent"})
	s1 := snapshot(t, home, filepath.Join(mnt, "home.1"))
	into := btrfsSubdir(t, mnt, "restore")
	existing := filepath.Join(into, "home.1")
	if err := btrfs.Create(context.Background(), existing); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, existing, map[string]string{"f": "precious"})

	if err := btrfs.Receive(context.Background(), into, bytesReader(send(t, s1, btrfs.SendOptions{}))); err == nil {
		t.Fatal("Receive over an existing subvolume succeeded")
	}
	requireFiles(t, existing, map[string]string{"f": "precious"})
}

func TestReceiveRefusesNonBtrfs(t *testing.T) {
	err := btrfs.Receive(context.Background(), t.TempDir(), strings.NewReader("unused"))
	if !errors.Is(err, btrfs.ErrNotBtrfs) {
		t.Errorf("Receive into a non-btrfs directory: %v, want ErrNotBtrfs", err)
	}
}

// TestReceiveCancel: cancelling while the download stalls returns promptly
// and removes the partial subvolume.
func TestReceiveCancel(t *testing.T) {
	mnt, home := fsWithHome(t, "", map[string]string{"f": string(randomBytes(2 << 20))})
	full := send(t, snapshot(t, home, filepath.Join(mnt, "home.1")), btrfs.SendOptions{})
	into := btrfsSubdir(t, mnt, "restore")

	ctx, cancel := context.WithCancel(context.Background())
	stall := make(chan struct{})
	defer close(stall)
	r := io.MultiReader(bytesReader(full[:len(full)/2]), &blockingReader{stall})
	done := make(chan error, 1)
	go func() { done <- btrfs.Receive(ctx, into, r) }()
	waitFor(t, func() bool { _, err := os.Stat(filepath.Join(into, "home.1")); return err == nil })
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Receive after cancel: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Receive did not return after its context was cancelled")
	}
	requireEmptyDir(t, into)
}

type errReader struct{ err error }

func (r *errReader) Read([]byte) (int, error) { return 0, r.err }

// blockingReader blocks until its channel closes, like a stalled download.
type blockingReader struct{ c chan struct{} }

func (r *blockingReader) Read([]byte) (int, error) {
	<-r.c
	return 0, io.ErrUnexpectedEOF
}

func requireEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind in %s: %s", dir, e.Name())
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10s")
		}
	}
}

// A target that fills up stops btrfs receive on its own: the error is
// btrfs's "No space left on device", not the broken pipe feed then sees
// (the trial saw "write |1: broken pipe" in 2 runs of 3), and nothing
// half-received is left.
func TestReceiveIntoAFullFilesystemSaysSo(t *testing.T) {
	big := make([]byte, 160<<20)
	rand.NewChaCha8([32]byte{1}).Read(big) // incompressible
	mnt, home := fsWithHome(t, "", map[string]string{"big": string(big)})
	stream := send(t, snapshot(t, home, filepath.Join(mnt, "home.1")), btrfs.SendOptions{})
	small := btrfstest.NewFS(t, 128<<20, "")
	into := btrfsSubdir(t, small, "restore")
	err := btrfs.Receive(context.Background(), into, bytesReader(stream))
	if err == nil || !strings.Contains(err.Error(), "No space left on device") {
		t.Errorf("Receive into a full filesystem: %v, want btrfs's \"No space left on device\"", err)
	}
	requireEmptyDir(t, into)
}
