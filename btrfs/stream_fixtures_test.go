package btrfs_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs"
)

// The committed stream fixtures the sendstream package tests with.
var fixtures = []struct{ file, name string }{
	{"small-v1-full.stream", "docs.1"},
	{"small-v2-incremental.stream", "docs.2"},
}

const fixtureDir = "../testdata/streams"

var updateStreams = flag.Bool("update-streams", false, "regenerate the stream fixtures in "+fixtureDir)

// TestFixtures regenerates the committed streams when asked to: a small full
// v1 stream and a v2 incremental on top of it.
func TestFixtures(t *testing.T) {
	if !*updateStreams {
		t.Skip("run with -update-streams to regenerate " + fixtureDir)
	}
	mnt, docs := fsWithHome(t, "compress=zstd", map[string]string{
		"readme.txt":    "hello\n",
		"notes/a.txt":   strings.Repeat("note ", 200),
		"notes/b.txt":   "b\n",
		"empty/.keep":   "",
		"compress.data": strings.Repeat("z", 8192),
	})
	if err := os.Symlink("readme.txt", filepath.Join(docs, "link")); err != nil {
		t.Fatal(err)
	}
	s1 := snapshot(t, docs, filepath.Join(mnt, fixtures[0].name))
	writeFiles(t, docs, map[string]string{"readme.txt": "changed\n", "new.txt": strings.Repeat("y", 5000)})
	if err := os.Rename(filepath.Join(docs, "notes/b.txt"), filepath.Join(docs, "b-moved.txt")); err != nil {
		t.Fatal(err)
	}
	s2 := snapshot(t, docs, filepath.Join(mnt, fixtures[1].name))
	streams := [][]byte{
		send(t, s1, btrfs.SendOptions{}),
		send(t, s2, btrfs.SendOptions{Parent: s1, Proto2Compressed: true}),
	}
	if err := os.MkdirAll(fixtureDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, fx := range fixtures {
		if len(streams[i]) > 32<<10 {
			t.Fatalf("%s: %d bytes, keep fixtures small", fx.file, len(streams[i]))
		}
		if err := os.WriteFile(filepath.Join(fixtureDir, fx.file), streams[i], 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func withBytes(b []byte, off int, set ...byte) []byte {
	b = bytes.Clone(b)
	copy(b[off:], set)
	return b
}
