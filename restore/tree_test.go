package restore_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// marker is a string planted in the source tree that must never appear in
// any object on the remote: everything there is encrypted.
const marker = "PLAINTEXT-MARKER-7f3a9c1e-must-not-leak"

// fillTree writes every kind of thing a home directory holds and a backup
// tool gets wrong: hardlinks, symlinks (one dangling), xattrs, a sparse
// file, a fifo, a device node, awkward names, other owners, setuid.
func fillTree(t *testing.T, dir string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	noise := make([]byte, 3<<20)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	text := bytes.Repeat([]byte("the quick brown fox "+marker+" jumps\n"), 20000)
	must(t, os.MkdirAll(filepath.Join(dir, "docs", "deep", "er"), 0o755))
	mustWrite(t, filepath.Join(dir, "docs", "letter.txt"), text, 0o644)
	mustWrite(t, filepath.Join(dir, "docs", "deep", "er", "notes.md"), []byte("# notes\n"), 0o640)
	mustWrite(t, filepath.Join(dir, "noise.bin"), noise, 0o600)
	mustWrite(t, filepath.Join(dir, "name with spaces.txt"), []byte("spaces"), 0o644)
	mustWrite(t, filepath.Join(dir, "new\nline"), []byte("newline in the name"), 0o644)
	mustWrite(t, filepath.Join(dir, "ünïcødé-名前.txt"), []byte("unicode"), 0o644)
	must(t, os.Link(filepath.Join(dir, "docs", "letter.txt"), filepath.Join(dir, "letter-hardlink.txt")))
	must(t, os.Symlink("docs/letter.txt", filepath.Join(dir, "link-to-letter")))
	must(t, os.Symlink("/nonexistent/target", filepath.Join(dir, "dangling-link")))
	must(t, unix.Setxattr(filepath.Join(dir, "docs", "letter.txt"), "user.comment", []byte("an xattr"), 0))
	must(t, unix.Mkfifo(filepath.Join(dir, "a-fifo"), 0o644))
	must(t, unix.Mknod(filepath.Join(dir, "null-device"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))))
	mustWrite(t, filepath.Join(dir, "owned-by-1234.txt"), []byte("not root's"), 0o644)
	must(t, os.Lchown(filepath.Join(dir, "owned-by-1234.txt"), 1234, 5678))
	mustWrite(t, filepath.Join(dir, "setuid-tool"), []byte("#!/bin/sh\n"), 0o755)
	must(t, os.Chmod(filepath.Join(dir, "setuid-tool"), 0o4755))
	sparse, err := os.Create(filepath.Join(dir, "sparse.img"))
	must(t, err)
	_, err = sparse.WriteAt([]byte("end"), 200<<20)
	must(t, err)
	must(t, sparse.Close())
	mustWrite(t, filepath.Join(dir, "becomes-a-dir"), []byte("a file for now"), 0o644)
}

// changeTree is the first round of changes: modify, delete, rename,
// chmod/chown, and a file replaced by a directory.
func changeTree(t *testing.T, dir string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "docs", "letter.txt"), os.O_WRONLY|os.O_APPEND, 0)
	must(t, err)
	_, err = f.WriteString("a postscript\n")
	must(t, err)
	must(t, f.Close())
	must(t, os.Remove(filepath.Join(dir, "name with spaces.txt")))
	must(t, os.Rename(filepath.Join(dir, "docs", "deep", "er", "notes.md"), filepath.Join(dir, "notes-moved.md")))
	must(t, os.Chmod(filepath.Join(dir, "noise.bin"), 0o644))
	must(t, os.Lchown(filepath.Join(dir, "noise.bin"), 1000, 1000))
	must(t, os.Remove(filepath.Join(dir, "becomes-a-dir")))
	must(t, os.Mkdir(filepath.Join(dir, "becomes-a-dir"), 0o700))
	mustWrite(t, filepath.Join(dir, "becomes-a-dir", "inside"), []byte("now a directory"), 0o644)
}

// changeTreeAgain is the second round: new files, a removed hardlink, an
// xattr changed, a symlink retargeted.
func changeTreeAgain(t *testing.T, dir string) {
	t.Helper()
	mustWrite(t, filepath.Join(dir, "docs", "new-this-week.txt"), []byte("fresh"), 0o644)
	must(t, os.Remove(filepath.Join(dir, "letter-hardlink.txt")))
	must(t, unix.Setxattr(filepath.Join(dir, "docs", "letter.txt"), "user.comment", []byte("changed"), 0))
	must(t, os.Remove(filepath.Join(dir, "link-to-letter")))
	must(t, os.Symlink("notes-moved.md", filepath.Join(dir, "link-to-letter")))
}
