package btrfs_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs"
)

// TestReceiveAs: a full and an incremental stream received under names of
// our choosing keep their received UUIDs, contents and read-only flag, and
// the renamed subvolume can be renamed back beside itself (what an atomic
// restore does).
func TestReceiveAs(t *testing.T) {
	mnt, home := fsWithHome(t, "", map[string]string{"f": "one"})
	s1 := snapshot(t, home, filepath.Join(mnt, "home.1"))
	writeFiles(t, home, map[string]string{"g": "two"})
	s2 := snapshot(t, home, filepath.Join(mnt, "home.2"))
	full := send(t, s1, btrfs.SendOptions{})
	incr := send(t, s2, btrfs.SendOptions{Parent: s1})
	into := btrfsSubdir(t, mnt, "restore")

	for _, st := range []struct {
		stream []byte
		src    string
		name   string
		files  map[string]string
	}{
		{full, s1, ".staging-home.1", map[string]string{"f": "one"}},
		{incr, s2, ".staging-home.2", map[string]string{"f": "one", "g": "two"}},
	} {
		if err := btrfs.ReceiveAs(context.Background(), into, st.name, bytesReader(st.stream)); err != nil {
			t.Fatalf("ReceiveAs %s: %v", st.name, err)
		}
		staged := filepath.Join(into, st.name)
		got := info(t, staged)
		if want := info(t, st.src).UUID; got.ReceivedUUID != want || !got.ReadOnly {
			t.Errorf("%s: received UUID %s, read-only %v; want %s, true", st.name, got.ReceivedUUID, got.ReadOnly, want)
		}
		final := filepath.Join(into, filepath.Base(st.src))
		if err := os.Rename(staged, final); err != nil {
			t.Fatal(err)
		}
		requireFiles(t, final, st.files)
	}
	if _, err := os.Stat(filepath.Join(into, "home.1")); err != nil {
		t.Error(err)
	}
}

func TestReceiveAsRefusesPaths(t *testing.T) {
	for _, name := range []string{"a/b", "..", ".", "/abs"} {
		if err := btrfs.ReceiveAs(context.Background(), t.TempDir(), name, bytesReader(nil)); err == nil {
			t.Errorf("ReceiveAs(%q) succeeded", name)
		}
	}
}
