// Package randhist makes random file-system histories for end-to-end
// tests: each call of Ops changes a tree the way users and programs do
// (new, grown, truncated, sparse and reflinked files, renames, hardlinks,
// symlinks, deletions, special files, modes, owners, xattrs), so that the
// snapshots between calls exercise every kind of btrfs send command.
//
// It is a copy of the generator of index/ops_test.go (the "Restore
// anywhere" issue's), exported so that tests outside package index can
// share it.
package randhist

import (
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/sys/unix"
)

// Ops applies n random operations to the tree at root: new, grown,
// overwritten, truncated, sparse and reflinked files, renames of files and
// directories, hardlinks, symlinks, deletions, fifos, device nodes, modes,
// owners and xattrs. Operations that make no sense for what they picked
// fail and are skipped, as they would for a user.
func Ops(root string, rng *rand.Rand, n int) {
	names := []string{"a", "b", "c", "d", "Straße", "sp ace", "nl\nx", "bad\xff"}
	pick := func(dirs bool) string { return PickEntry(root, rng, dirs) }
	fresh := func() string { return filepath.Join(pick(true), names[rng.IntN(len(names))]) }
	p := func(rel string) string { return filepath.Join(root, rel) }
	for range n {
		switch rng.IntN(16) {
		case 0, 1:
			writeNew(p(fresh()), Content(rng, rng.IntN(200<<10)))
		case 2:
			if f := pick(false); f != "" {
				writeAt(p(f), Content(rng, rng.IntN(40<<10)), rng.Int64N(300<<10))
			}
		case 3:
			if f := pick(false); f != "" {
				os.Truncate(p(f), rng.Int64N(150<<10))
			}
		case 4:
			if f := pick(rng.IntN(2) == 0); f != "" && f != "." {
				os.Rename(p(f), p(fresh()))
			}
		case 5:
			os.Mkdir(p(fresh()), 0o755)
		case 6:
			if f := pick(rng.IntN(6) == 0); f != "" && f != "." && rng.IntN(2) == 0 {
				os.RemoveAll(p(f))
			}
		case 7:
			if f := pick(false); f != "" {
				os.Link(p(f), p(fresh()))
			}
		case 8:
			os.Symlink(names[rng.IntN(len(names))]+"/../target", p(fresh()))
		case 9:
			if f := pick(false); f != "" {
				reflink(p(f), p(fresh()), rng)
			}
		case 10:
			if f := pick(rng.IntN(2) == 0); f != "" {
				unix.Lsetxattr(p(f), "user."+names[rng.IntN(3)], Content(rng, rng.IntN(100)), 0)
			}
		case 11:
			if f := pick(false); f != "" {
				unix.Lremovexattr(p(f), "user."+names[rng.IntN(3)])
			}
		case 12:
			if f := pick(rng.IntN(2) == 0); f != "" {
				os.Chmod(p(f), fs.FileMode(rng.IntN(0o1000))|0o600)
			}
		case 13:
			if f := pick(rng.IntN(2) == 0); f != "" {
				os.Lchown(p(f), rng.IntN(3)*1000, rng.IntN(3)*1000)
			}
		case 14:
			if rng.IntN(2) == 0 {
				unix.Mkfifo(p(fresh()), 0o640)
			} else {
				unix.Mknod(p(fresh()), unix.S_IFCHR|0o600, int(unix.Mkdev(1, 3)))
			}
		case 15:
			if f := pick(false); f != "" {
				writeAt(p(f), Content(rng, 5000), 1<<20+rng.Int64N(1<<20)) // a hole before
			}
		}
	}
}

// Content is compressible or random bytes.
func Content(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	if rng.IntN(2) == 0 {
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	c := byte('a' + rng.IntN(26))
	for i := range b {
		b[i] = c + byte(i%7)
	}
	return b
}

// writeNew makes a new file (never opening a fifo, which would block).
func writeNew(path string, b []byte) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	f.Write(b)
}

func writeAt(path string, b []byte, off int64) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return
	}
	defer f.Close()
	f.WriteAt(b, off)
}

// reflink clones a random range of src into dst (a new file) or the whole.
func reflink(src, dst string, rng *rand.Rand) {
	s, err := os.Open(src)
	if err != nil {
		return
	}
	defer s.Close()
	d, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return
	}
	defer d.Close()
	st, _ := s.Stat()
	blocks := st.Size() / 4096
	if blocks == 0 || rng.IntN(2) == 0 {
		unix.IoctlFileClone(int(d.Fd()), int(s.Fd()))
		return
	}
	off := rng.Int64N(blocks) * 4096
	unix.IoctlFileCloneRange(int(d.Fd()), &unix.FileCloneRange{Src_fd: int64(s.Fd()), Src_offset: uint64(off),
		Src_length: uint64(min(blocks*4096-off, 8192)), Dest_offset: uint64(rng.IntN(4) * 4096)})
}

// PickEntry returns a random path relative to root: a directory ("." for
// root) when dirs, else a regular file ("" when there is none).
func PickEntry(root string, rng *rand.Rand, dirs bool) string {
	var found []string
	if dirs {
		found = append(found, ".")
	}
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == root {
			return nil
		}
		if (dirs && d.IsDir()) || (!dirs && d.Type().IsRegular()) {
			rel, _ := filepath.Rel(root, path)
			found = append(found, rel)
		}
		return nil
	})
	sort.Strings(found)
	if len(found) == 0 {
		return ""
	}
	return found[rng.IntN(len(found))]
}
