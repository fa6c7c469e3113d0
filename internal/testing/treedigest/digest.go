// Package treedigest describes a directory tree the way a restore must
// reproduce it, so that tests can judge a restore without trusting the
// production comparer (restore.CompareTrees) or the code that wrote the
// tree. It is written on its own, with plain syscalls: a bug shared with
// the code under test would hide a bug in it.
package treedigest

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// A Digest maps each path, relative to the root ("." is the root), to one
// line: type and permission bits, owner, mtime, xattrs and, by type, size
// and content hash, symlink target or device number, and the hardlink
// group. ctime, atime and inode numbers are left out: no restore can keep
// them.
type Digest map[string]string

// Options change what a digest holds.
type Options struct {
	// Layout adds where each regular file's data lies (SEEK_DATA and
	// SEEK_HOLE, in 4 KiB blocks), for tests that judge sparse writes.
	Layout bool
	// Ignore lists paths, relative to the root, left out with everything
	// below them (such as ".snapshots").
	Ignore []string
}

// Of digests the tree at root. Nested subvolumes and mount points are left
// out: a btrfs send does not carry them.
func Of(t testing.TB, root string, o Options) Digest {
	t.Helper()
	w := walker{t: t, opts: o, d: Digest{}, groups: map[[2]uint64][]string{}}
	var rootSt unix.Stat_t
	if err := unix.Lstat(root, &rootSt); err != nil {
		t.Fatalf("digest %s: %v", root, err)
	}
	w.dev = rootSt.Dev
	if err := filepath.WalkDir(root, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		return w.visit(path, rel)
	}); err != nil {
		t.Fatalf("digest %s: %v", root, err)
	}
	w.addLinks()
	return w.d
}

type walker struct {
	t      testing.TB
	opts   Options
	dev    uint64 // the root's device: another one is a subvolume or mount
	d      Digest
	groups map[[2]uint64][]string // paths per (device, inode) of regular files
}

func (w *walker) visit(path, rel string) error {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return err
	}
	if rel != "." && (slices.Contains(w.opts.Ignore, rel) || w.boundary(path, &st)) {
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			return filepath.SkipDir
		}
		return nil
	}
	line := fmt.Sprintf("mode=%o uid=%d gid=%d mtime=%d.%09d xattrs=%s",
		st.Mode, st.Uid, st.Gid, st.Mtim.Sec, st.Mtim.Nsec, w.xattrs(path))
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		line += fmt.Sprintf(" size=%d sha256=%s", st.Size, w.hash(path))
		if w.opts.Layout {
			line += " data=" + w.layout(path, st.Size)
		}
		key := [2]uint64{st.Dev, st.Ino}
		w.groups[key] = append(w.groups[key], rel)
	case unix.S_IFLNK:
		target, err := os.Readlink(path)
		if err != nil {
			return err
		}
		line += fmt.Sprintf(" target=%q", target)
	case unix.S_IFCHR, unix.S_IFBLK:
		line += fmt.Sprintf(" rdev=%d:%d", unix.Major(st.Rdev), unix.Minor(st.Rdev))
	}
	w.d[rel] = line
	return nil
}

// boundary reports whether a directory is not part of the tree's own
// subvolume: a mount point or nested subvolume (another st_dev; btrfs
// gives each subvolume its own), or the empty placeholder directory that
// stands for a nested subvolume inside a btrfs snapshot (inode 2, which
// btrfs never gives to a real file: those start at 256).
func (w *walker) boundary(path string, st *unix.Stat_t) bool {
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return false
	}
	if st.Dev != w.dev {
		return true
	}
	var sfs unix.Statfs_t
	return st.Ino == 2 && unix.Statfs(path, &sfs) == nil && sfs.Type == unix.BTRFS_SUPER_MAGIC
}

// addLinks names, on each path of a hardlink group, all the group's paths.
func (w *walker) addLinks() {
	for _, paths := range w.groups {
		if len(paths) > 1 {
			slices.Sort(paths)
			for _, p := range paths {
				w.d[p] += fmt.Sprintf(" links=%q", paths)
			}
		}
	}
}

func (w *walker) hash(path string) string {
	f, err := os.Open(path)
	if err != nil {
		w.t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		w.t.Fatalf("hash %s: %v", path, err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))[:16]
}

// layout lists the data segments of a file, in 4 KiB blocks.
func (w *walker) layout(path string, size int64) string {
	f, err := os.Open(path)
	if err != nil {
		w.t.Fatal(err)
	}
	defer f.Close()
	var segs []string
	for pos := int64(0); pos < size; {
		data, err := unix.Seek(int(f.Fd()), pos, unix.SEEK_DATA)
		if err != nil {
			break // ENXIO: a hole to the end
		}
		hole, err := unix.Seek(int(f.Fd()), data, unix.SEEK_HOLE)
		if err != nil {
			w.t.Fatalf("seek hole in %s: %v", path, err)
		}
		segs = append(segs, fmt.Sprintf("%d-%d", data/4096, (hole+4095)/4096))
		pos = hole
	}
	return strings.Join(segs, ",")
}

// xattrs lists a path's extended attributes (not its symlink target's),
// sorted by name, values in hex. A filesystem without them has none.
func (w *walker) xattrs(path string) string {
	buf := make([]byte, 64<<10)
	n, err := unix.Llistxattr(path, buf)
	if errors.Is(err, unix.ENOTSUP) {
		return "[]"
	}
	if err != nil {
		w.t.Fatalf("listxattr %s: %v", path, err)
	}
	var names []string
	for _, name := range strings.Split(string(buf[:n]), "\x00") {
		if name != "" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var out []string
	for _, name := range names {
		v := make([]byte, 64<<10)
		m, err := unix.Lgetxattr(path, name, v)
		if err != nil {
			w.t.Fatalf("getxattr %s %s: %v", path, name, err)
		}
		out = append(out, fmt.Sprintf("%s=%x", name, v[:m]))
	}
	return "[" + strings.Join(out, " ") + "]"
}
