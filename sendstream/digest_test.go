package sendstream_test

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// treeDigest describes a directory tree the way a restore must reproduce
// it: per path its type, mode, owner, size, content hash, symlink target,
// device number, xattrs, hardlink group, mtime and where its data lies
// (SEEK_DATA/SEEK_HOLE). It is written independently of the applier, with
// plain syscalls, so it can judge it. ctime, atime and inode numbers are
// left out: no restore can keep them.
func treeDigest(t testing.TB, root string) map[string]string {
	t.Helper()
	d := map[string]string{}
	groups := map[[2]uint64][]string{}
	err := filepath.Walk(root, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil {
			return err
		}
		line := fmt.Sprintf("mode=%o uid=%d gid=%d mtime=%d.%09d xattrs=%s",
			st.Mode, st.Uid, st.Gid, st.Mtim.Sec, st.Mtim.Nsec, xattrs(t, path))
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			line += fmt.Sprintf(" size=%d sha256=%s data=%s", st.Size, fileHash(t, path), dataLayout(t, path, st.Size))
			key := [2]uint64{st.Dev, st.Ino}
			groups[key] = append(groups[key], rel)
		case unix.S_IFLNK:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			line += fmt.Sprintf(" target=%q", target)
		case unix.S_IFCHR, unix.S_IFBLK:
			line += fmt.Sprintf(" rdev=%d:%d", unix.Major(st.Rdev), unix.Minor(st.Rdev))
		}
		d[rel] = line
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, paths := range groups {
		if len(paths) > 1 {
			sort.Strings(paths)
			for _, p := range paths {
				d[p] += fmt.Sprintf(" links=%q", paths)
			}
		}
	}
	return d
}

func fileHash(t testing.TB, path string) string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))[:16]
}

// dataLayout lists the data segments of a file, in 4 KiB blocks.
func dataLayout(t testing.TB, path string, size int64) string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
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
			t.Fatal(err)
		}
		segs = append(segs, fmt.Sprintf("%d-%d", data/4096, (hole+4095)/4096))
		pos = hole
	}
	return strings.Join(segs, ",")
}

func xattrs(t testing.TB, path string) string {
	buf := make([]byte, 64<<10)
	n, err := unix.Llistxattr(path, buf)
	if err != nil {
		t.Fatalf("listxattr %s: %v", path, err)
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
			t.Fatalf("getxattr %s %s: %v", path, name, err)
		}
		out = append(out, fmt.Sprintf("%s=%x", name, v[:m]))
	}
	return "[" + strings.Join(out, " ") + "]"
}

// requireSameTree fails t with the differences between two digests.
func requireSameTree(t testing.TB, what string, want, got map[string]string) {
	t.Helper()
	var diffs []string
	for p, w := range want {
		g, ok := got[p]
		wline, wdata := splitLayout(w)
		gline, gdata := splitLayout(g)
		if !ok {
			diffs = append(diffs, fmt.Sprintf("missing %q: %s", p, w))
		} else if gline != wline || !within(gdata, wdata) {
			diffs = append(diffs, fmt.Sprintf("%q:\n   want %s\n    got %s", p, w, g))
		}
	}
	for p, g := range got {
		if _, ok := want[p]; !ok {
			diffs = append(diffs, fmt.Sprintf("extra %q: %s", p, g))
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		if len(diffs) > 20 {
			diffs = append(diffs[:20], fmt.Sprintf("... and %d more", len(diffs)-20))
		}
		t.Fatalf("%s: %d paths differ:\n%s", what, len(diffs), strings.Join(diffs, "\n"))
	}
}

var layoutField = regexp.MustCompile(` data=[0-9,-]*`)

// splitLayout takes the data layout out of a digest line. Layouts are
// compared apart: where btrfs keeps a zeroed block as data (it does, for
// some punched ranges of compressed extents) another filesystem may have a
// hole; a restore must never have data where the oracle has a hole.
func splitLayout(line string) (string, []int64) {
	f := layoutField.FindString(line)
	var blocks []int64
	for _, seg := range strings.Split(strings.TrimPrefix(f, " data="), ",") {
		var a, b int64
		if _, err := fmt.Sscanf(seg, "%d-%d", &a, &b); err == nil {
			for i := a; i < b; i++ {
				blocks = append(blocks, i)
			}
		}
	}
	return layoutField.ReplaceAllString(line, ""), blocks
}

// within reports whether every block of got is a block of want.
func within(got, want []int64) bool {
	set := make(map[int64]bool, len(want))
	for _, b := range want {
		set[b] = true
	}
	for _, b := range got {
		if !set[b] {
			return false
		}
	}
	return true
}
