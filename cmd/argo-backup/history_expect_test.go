package main

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/argo-backup/argo-backup/internal/testing/treedigest"
)

// What TestRandomHistoryBrowse expects, computed from the source
// snapshots with plain syscalls: never from the code under test.

// srcEntry is one path of a source snapshot, as ls -l and diff see it.
type srcEntry struct {
	kind, content, target, xattrs string
	mode, uid, gid                uint32
	size, mtimeNs                 int64
	rdev                          uint64
}

// lsLine is what ls -l shows of a path: the size only of regular files (a
// directory's size is the filesystem's business), the target of symlinks.
func (e srcEntry) lsLine() string {
	size := int64(0)
	if e.kind == "f" {
		size = e.size
	}
	return fmt.Sprintf("%s %04o %d:%d size=%d mtime=%d target=%q", e.kind, e.mode, e.uid, e.gid, size, e.mtimeNs, e.target)
}

// lsLongLine is the line ls -l prints of path: as coreutils' ls -l but for
// the size of a symlink or directory, which the index does not keep (0).
func (e srcEntry) lsLongLine(path string) string {
	size, target := int64(0), ""
	if e.kind == "f" {
		size = e.size
	}
	if e.kind == "l" {
		target = " -> " + e.target
	}
	mtime := time.Unix(0, e.mtimeNs).UTC().Format("2006-01-02 15:04:05")
	return fmt.Sprintf("%s %5d %5d %12d %s %s%s", lsMode(e.kind, e.mode), e.uid, e.gid, size, mtime, path, target)
}

// lsMode is ls -l's mode column: drwxr-xr-x, -rwsr-S---, drwxrwxrwt.
func lsMode(kind string, mode uint32) string {
	b := []byte(strings.Replace(kind, "f", "-", 1) + "rwxrwxrwx")
	for i := range 9 {
		if mode&(1<<(8-i)) == 0 {
			b[1+i] = '-'
		}
	}
	for _, sp := range []struct {
		bit     uint32
		at      int
		x, notX byte
	}{{0o4000, 3, 's', 'S'}, {0o2000, 6, 's', 'S'}, {0o1000, 9, 't', 'T'}} {
		if mode&sp.bit != 0 {
			if b[sp.at] == 'x' {
				b[sp.at] = sp.x
			} else {
				b[sp.at] = sp.notX
			}
		}
	}
	return string(b)
}

// differs names what differs, in the order diff names it: type alone, or
// content, mode, owner, xattrs, target (device numbers count as target).
func (e srcEntry) differs(y srcEntry) []string {
	if e.kind != y.kind {
		return []string{"type"}
	}
	var how []string
	if e.content != y.content {
		how = append(how, "content")
	}
	if e.mode != y.mode && e.kind != "l" {
		how = append(how, "mode")
	}
	if e.uid != y.uid || e.gid != y.gid {
		how = append(how, "owner")
	}
	if e.xattrs != y.xattrs {
		how = append(how, "xattrs")
	}
	if e.target != y.target || e.rdev != y.rdev {
		how = append(how, "target")
	}
	return how
}

// sourceState walks a snapshot: every path ("/" is the root) to its entry.
func sourceState(t *testing.T, root string) map[string]srcEntry {
	t.Helper()
	m := map[string]srcEntry{}
	err := filepath.WalkDir(root, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil {
			return err
		}
		e := srcEntry{kind: kindLetter(st.Mode), mode: st.Mode & 0o7777, uid: st.Uid, gid: st.Gid,
			size: st.Size, mtimeNs: st.Mtim.Nano(), xattrs: xattrSums(t, path)}
		switch e.kind {
		case "f":
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			e.content = fmt.Sprintf("%x", sha256.Sum256(b))
		case "l":
			e.target, _ = os.Readlink(path)
		case "c", "b":
			e.rdev = st.Rdev
		}
		m["/"+strings.TrimPrefix(strings.TrimPrefix(path, root), "/")] = e
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	return m
}

// kindLetter is the type letter of ls -l (and of ls --json's "type").
func kindLetter(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return "d"
	case unix.S_IFLNK:
		return "l"
	case unix.S_IFIFO:
		return "p"
	case unix.S_IFCHR:
		return "c"
	case unix.S_IFBLK:
		return "b"
	case unix.S_IFSOCK:
		return "s"
	}
	return "f"
}

// xattrSums lists a path's xattrs, sorted, with the sha256 of each value.
func xattrSums(t *testing.T, path string) string {
	t.Helper()
	buf := make([]byte, 64<<10)
	n, err := unix.Llistxattr(path, buf)
	if err != nil {
		t.Fatalf("listxattr %s: %v", path, err)
	}
	names := strings.FieldsFunc(string(buf[:n]), func(r rune) bool { return r == 0 })
	sort.Strings(names)
	var out []string
	for _, name := range names {
		v := make([]byte, 64<<10)
		k, err := unix.Lgetxattr(path, name, v)
		if err != nil {
			t.Fatalf("getxattr %s %s: %v", path, name, err)
		}
		out = append(out, fmt.Sprintf("%s=%x", name, sha256.Sum256(v[:k])))
	}
	return strings.Join(out, ",")
}

// wantDiff is the difference of two source snapshots, one line a path.
func wantDiff(a, b map[string]srcEntry) []string {
	var want []string
	for p, x := range a {
		y, ok := b[p]
		switch {
		case !ok:
			want = append(want, diffLine("removed", p, nil))
		case len(x.differs(y)) > 0:
			want = append(want, diffLine("changed", p, x.differs(y)))
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			want = append(want, diffLine("added", p, nil))
		}
	}
	sort.Strings(want)
	return want
}

func diffLine(what, path string, how []string) string {
	return fmt.Sprintf("%s %q %v", what, path, how)
}

var (
	xattrField = regexp.MustCompile(` xattrs=\[[^\]]*\]`)
	linksField = regexp.MustCompile(` links=.*$`)
)

// mountView is what the read-only mount shows of a digest: everything but
// xattrs (it serves none) and hardlink groups (each path is its own inode
// there, with one link).
func mountView(d treedigest.Digest) treedigest.Digest {
	out := treedigest.Digest{}
	for p, line := range d {
		out[p] = linksField.ReplaceAllString(xattrField.ReplaceAllString(line, ""), "")
	}
	return out
}

// lineDiff shows the lines only want has (-) and only got has (+).
func lineDiff(want, got []string) string {
	in := func(list []string) map[string]bool {
		m := map[string]bool{}
		for _, s := range list {
			m[s] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var b strings.Builder
	for _, s := range want {
		if !g[s] {
			fmt.Fprintf(&b, "- %s\n", s)
		}
	}
	for _, s := range got {
		if !w[s] {
			fmt.Fprintf(&b, "+ %s\n", s)
		}
	}
	return b.String()
}
