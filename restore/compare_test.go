package restore

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

// stampTime is the mtime every path of a fixture gets, so that two trees
// built one after the other compare equal.
var stampTime = time.Date(2026, 11, 26, 0, 42, 0, 123456789, time.UTC)

// buildFixture creates a tree with one of each thing CompareTrees checks.
func buildFixture(t *testing.T, dir string) {
	t.Helper()
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, d := range []string{"etc", "home/u", "tmp", "dev", "bin"} {
		must(t, os.MkdirAll(p(d), 0o755))
	}
	must(t, writeMode(dir, "etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0o644))
	must(t, writeMode(dir, "bin/su", "#!/bin/sh\n", 0o4755))
	must(t, writeMode(dir, "home/u/notes", "private\n", 0o600))
	must(t, writeMode(dir, "h1", "linked\n", 0o644))
	must(t, os.Link(p("h1"), p("h2")))
	must(t, writeMode(dir, "a1", "same\n", 0o644))
	must(t, writeMode(dir, "a2", "same\n", 0o644))
	must(t, unix.Chmod(p("tmp"), 0o1777))
	must(t, os.Chown(p("home/u/notes"), 1000, 1000))
	must(t, os.Symlink("etc/passwd", p("lnk")))
	must(t, unix.Mknod(p("dev/null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))))
	must(t, unix.Mkfifo(p("fifo"), 0o600))
	must(t, unix.Setxattr(p("etc/passwd"), "user.origin", []byte("debian"), 0))
}

// writeMode writes a file and sets its mode exactly, setuid included (the
// umask and os.FileMode would not).
func writeMode(dir, name, content string, mode uint32) error {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		return err
	}
	return unix.Chmod(p, mode)
}

// stamp sets the mtime of every path under dir, symlinks included.
func stamp(t *testing.T, dir string) {
	t.Helper()
	setMtime(t, dir, stampTime)
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		setMtime(t, p, stampTime)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func setMtime(t *testing.T, p string, mtime time.Time) {
	t.Helper()
	ts := unix.NsecToTimespec(mtime.UnixNano())
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		t.Fatal(err)
	}
}

func TestCompareTrees(t *testing.T) {
	if os.Geteuid() != 0 {
		btrfstest.Unmet(t, "needs root for chown and mknod")
	}
	later := stampTime.Add(time.Nanosecond)
	tests := []struct {
		name   string
		ignore []string
		change func(t *testing.T, got string) // before the trees are stamped
		after  func(t *testing.T, got string) // after
		want   []Difference                   // Want/Got left empty are not checked
	}{
		{name: "identical"},
		{
			name: "content",
			change: func(t *testing.T, got string) {
				must(t, writeMode(got, "etc/passwd", "root:x:0:0::/root:/bin/zz\n", 0o644))
			},
			want: []Difference{{Path: "etc/passwd", What: "content"}},
		},
		{
			name:   "size",
			change: func(t *testing.T, got string) { must(t, writeMode(got, "home/u/notes", "private!\n", 0o600)) },
			want:   []Difference{{"home/u/notes", "size", "8", "9"}},
		},
		{
			name:   "mode",
			change: func(t *testing.T, got string) { must(t, os.Chmod(filepath.Join(got, "etc/passwd"), 0o600)) },
			want:   []Difference{{"etc/passwd", "mode", "0644", "0600"}},
		},
		{
			name:   "setuid lost",
			change: func(t *testing.T, got string) { must(t, os.Chmod(filepath.Join(got, "bin/su"), 0o755)) },
			want:   []Difference{{"bin/su", "mode", "4755", "0755"}},
		},
		{
			name:   "sticky lost",
			change: func(t *testing.T, got string) { must(t, os.Chmod(filepath.Join(got, "tmp"), 0o777)) },
			want:   []Difference{{"tmp", "mode", "1777", "0777"}},
		},
		{
			name:   "owner",
			change: func(t *testing.T, got string) { must(t, os.Lchown(filepath.Join(got, "home/u/notes"), 0, 1000)) },
			want:   []Difference{{"home/u/notes", "owner", "1000:1000", "0:1000"}},
		},
		{
			name: "symlink target",
			change: func(t *testing.T, got string) {
				must(t, os.Remove(filepath.Join(got, "lnk")))
				must(t, os.Symlink("/etc/passwd", filepath.Join(got, "lnk")))
			},
			want: []Difference{{"lnk", "target", "etc/passwd", "/etc/passwd"}},
		},
		{
			name: "xattrs",
			change: func(t *testing.T, got string) {
				must(t, unix.Setxattr(filepath.Join(got, "etc/passwd"), "user.origin", []byte("ubuntu"), 0))
				must(t, unix.Setxattr(filepath.Join(got, "bin/su"), "user.added", []byte{0, 1}, 0))
			},
			want: []Difference{
				{"bin/su", "xattr user.added", "absent", `"\x00\x01"`},
				{"etc/passwd", "xattr user.origin", `"debian"`, `"ubuntu"`},
			},
		},
		{
			name: "xattr removed",
			change: func(t *testing.T, got string) {
				must(t, unix.Removexattr(filepath.Join(got, "etc/passwd"), "user.origin"))
			},
			want: []Difference{{"etc/passwd", "xattr user.origin", `"debian"`, "absent"}},
		},
		{
			name:   "missing file",
			change: func(t *testing.T, got string) { must(t, os.Remove(filepath.Join(got, "etc/passwd"))) },
			want:   []Difference{{"etc/passwd", "missing", "regular file", "nothing"}},
		},
		{
			name:   "missing directory reported once",
			change: func(t *testing.T, got string) { must(t, os.RemoveAll(filepath.Join(got, "home"))) },
			want:   []Difference{{"home", "missing", "directory", "nothing"}},
		},
		{
			name:   "extra",
			change: func(t *testing.T, got string) { must(t, os.Mkdir(filepath.Join(got, "etc/new"), 0o755)) },
			want:   []Difference{{"etc/new", "extra", "nothing", "directory"}},
		},
		{
			name: "type",
			change: func(t *testing.T, got string) {
				must(t, os.Remove(filepath.Join(got, "fifo")))
				must(t, writeMode(got, "fifo", "", 0o600))
			},
			want: []Difference{{"fifo", "type", "fifo", "regular file"}},
		},
		{
			name: "device number",
			change: func(t *testing.T, got string) {
				must(t, os.Remove(filepath.Join(got, "dev/null")))
				must(t, unix.Mknod(filepath.Join(got, "dev/null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 5))))
			},
			want: []Difference{{"dev/null", "rdev", "1:3", "1:5"}},
		},
		{
			name: "hardlink split",
			change: func(t *testing.T, got string) {
				must(t, os.Remove(filepath.Join(got, "h2")))
				must(t, writeMode(got, "h2", "linked\n", 0o644))
			},
			want: []Difference{{"h2", "hardlink", "linked to h1", "not linked to h1"}},
		},
		{
			name: "hardlink joined",
			change: func(t *testing.T, got string) {
				must(t, os.Remove(filepath.Join(got, "a2")))
				must(t, os.Link(filepath.Join(got, "a1"), filepath.Join(got, "a2")))
			},
			want: []Difference{{"a2", "hardlink", "not linked to a1", "linked to a1"}},
		},
		{
			name: "mtime of file, directory and symlink",
			after: func(t *testing.T, got string) {
				for _, p := range []string{"etc/passwd", "etc", "lnk"} {
					setMtime(t, filepath.Join(got, p), later)
				}
			},
			want: []Difference{
				{"etc", "mtime", "2026-11-26T00:42:00.123456789Z", "2026-11-26T00:42:00.12345679Z"},
				{"etc/passwd", "mtime", "", ""},
				{"lnk", "mtime", "", ""},
			},
		},
		{
			name:   "root mode",
			change: func(t *testing.T, got string) { must(t, os.Chmod(got, 0o700)) },
			want:   []Difference{{".", "mode", "0755", "0700"}},
		},
		{
			name:   "ignored paths",
			ignore: []string{".snapshots", "/home/u"},
			change: func(t *testing.T, got string) {
				must(t, os.MkdirAll(filepath.Join(got, ".snapshots/1"), 0o755))
				must(t, os.Remove(filepath.Join(got, "home/u/notes")))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, got := t.TempDir(), t.TempDir()
			must(t, os.Chmod(want, 0o755))
			must(t, os.Chmod(got, 0o755))
			buildFixture(t, want)
			buildFixture(t, got)
			if tt.change != nil {
				tt.change(t, got)
			}
			stamp(t, want)
			stamp(t, got)
			if tt.after != nil {
				tt.after(t, got)
			}
			diffs, err := CompareTrees(want, got, tt.ignore...)
			if err != nil {
				t.Fatal(err)
			}
			checkDiffs(t, diffs, tt.want)
		})
	}
}

// checkDiffs compares path and kind of every difference, and the values
// where the test gives them.
func checkDiffs(t *testing.T, got, want []Difference) {
	t.Helper()
	match := len(got) == len(want)
	for i := 0; match && i < len(want); i++ {
		g, w := got[i], want[i]
		match = g.Path == w.Path && g.What == w.What &&
			(w.Want == "" || g.Want == w.Want) && (w.Got == "" || g.Got == w.Got)
	}
	if !match {
		t.Errorf("differences:\n%s\nwant:\n%s", formatDiffs(got), formatDiffs(want))
	}
}

func formatDiffs(ds []Difference) string {
	lines := []string{}
	for _, d := range ds {
		lines = append(lines, "\t"+d.String())
	}
	return strings.Join(lines, "\n")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestDifferenceString(t *testing.T) {
	d := Difference{Path: "etc/passwd", What: "mode", Want: "0644", Got: "0600"}
	if s := d.String(); s != "etc/passwd: mode: want 0644, got 0600" {
		t.Errorf("String() = %q", s)
	}
}

func TestCompareTreesSorted(t *testing.T) {
	want, got := t.TempDir(), t.TempDir()
	for _, p := range []string{"b/x", "a.txt", "a/z", "c"} {
		must(t, os.MkdirAll(filepath.Join(want, filepath.Dir(p)), 0o755))
		must(t, os.WriteFile(filepath.Join(want, p), nil, 0o644))
	}
	must(t, os.Mkdir(filepath.Join(got, "a"), 0o755))
	must(t, os.Mkdir(filepath.Join(got, "b"), 0o755))
	stamp(t, want)
	stamp(t, got)
	diffs, err := CompareTrees(want, got)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, d := range diffs {
		paths = append(paths, d.Path)
	}
	if !slices.IsSorted(paths) || len(paths) != 4 {
		t.Errorf("paths %q: want the 4 missing files, sorted", paths)
	}
}

func TestCompareTreesNotDirectories(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	must(t, os.WriteFile(file, nil, 0o644))
	if _, err := CompareTrees(file, dir); err == nil {
		t.Error("comparing a file with a directory: no error")
	}
	if _, err := CompareTrees(filepath.Join(dir, "missing"), dir); err == nil {
		t.Error("comparing a missing tree: no error")
	}
}

// TestCompareTreesSkipsNestedSubvolumes compares a snapshot, where a nested
// subvolume shows as an empty placeholder directory (inode 2), with its
// source, where the nested subvolume is live (inode 256) and has files. A
// send carries neither, so neither may count as a difference.
func TestCompareTreesSkipsNestedSubvolumes(t *testing.T) {
	btrfstest.NoLeftovers(t)
	fs := btrfstest.NewFS(t, 256<<20, "")
	src := btrfstest.Subvolume(t, fs, "src")
	must(t, writeMode(src, "file", "data\n", 0o644))
	nested := btrfstest.Subvolume(t, src, "nested")
	must(t, writeMode(nested, "inside", "data\n", 0o644))
	snap := filepath.Join(fs, "snap")
	must(t, btrfs.Snapshot(context.Background(), src, snap))

	diffs, err := CompareTrees(snap, src)
	if err != nil {
		t.Fatal(err)
	}
	checkDiffs(t, diffs, nil)
}
