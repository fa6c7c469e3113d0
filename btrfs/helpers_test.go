package btrfs_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

const fsSize = 256 << 20 // comfortably above mkfs.btrfs's minimum

// writeFiles creates files (name -> content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// requireFiles fails unless every file under dir has the given content.
func requireFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Error(err)
			continue
		}
		if string(got) != want {
			t.Errorf("%s: content %q, want %q", name, got, want)
		}
	}
}

// snapshot takes a read-only snapshot of src at dst.
func snapshot(t *testing.T, src, dst string) string {
	t.Helper()
	if err := btrfs.Snapshot(context.Background(), src, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

// info is btrfs.Info that fails the test on error.
func info(t *testing.T, path string) *btrfs.SubvolInfo {
	t.Helper()
	i, err := btrfs.Info(path)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// send returns the send stream of snap.
func send(t *testing.T, snap string, o btrfs.SendOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := btrfs.Send(context.Background(), snap, o, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// validate runs a whole stream through a Validator in one Write.
func validate(stream []byte) (*btrfs.StreamInfo, error) {
	v := btrfs.NewValidator()
	if _, err := v.Write(stream); err != nil {
		return nil, err
	}
	return v.Finish()
}

// fsWithHome returns a fresh btrfs holding a subvolume "home" with files.
func fsWithHome(t *testing.T, mountOpts string, files map[string]string) (mnt, home string) {
	t.Helper()
	mnt = btrfstest.NewFS(t, fsSize, mountOpts)
	home = btrfstest.Subvolume(t, mnt, "home")
	writeFiles(t, home, files)
	return mnt, home
}

// btrfsSubdir makes a plain directory name in dir.
func btrfsSubdir(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// bytesReader hides bytes.Reader's WriterTo, as a network stream would.
func bytesReader(b []byte) io.Reader { return struct{ io.Reader }{bytes.NewReader(b)} }
