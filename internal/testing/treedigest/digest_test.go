package treedigest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fixture builds a small tree with one of each thing a digest describes,
// with fixed times, so that two calls build equal trees.
func fixture(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	mk := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	mk(os.Mkdir(filepath.Join(root, "dir"), 0o750))
	mk(os.WriteFile(filepath.Join(root, "dir", "file"), []byte("hello\n"), 0o640))
	mk(os.WriteFile(filepath.Join(root, "linked"), []byte("shared\n"), 0o644))
	mk(os.Link(filepath.Join(root, "linked"), filepath.Join(root, "dir", "link")))
	mk(os.WriteFile(filepath.Join(root, "other"), []byte("shared\n"), 0o644))
	mk(os.Symlink("dir/file", filepath.Join(root, "sym")))
	mk(unix.Setxattr(filepath.Join(root, "dir", "file"), "user.note", []byte("v1"), 0))
	mk(os.WriteFile(filepath.Join(root, "sparse"), nil, 0o600))
	mk(os.Truncate(filepath.Join(root, "sparse"), 1<<20))
	stamp(t, root)
	return root
}

// stamp sets every mtime in the fixture to one fixed time.
func stamp(t *testing.T, root string) {
	t.Helper()
	at := []unix.Timespec{unix.NsecToTimespec(1e18), unix.NsecToTimespec(1e18)}
	for _, p := range []string{"dir/file", "linked", "other", "sym", "sparse", "dir", "."} {
		err := unix.UtimesNanoAt(unix.AT_FDCWD, filepath.Join(root, p), at, unix.AT_SYMLINK_NOFOLLOW)
		if err != nil && !errors.Is(err, unix.ENOENT) { // a test case may have removed it
			t.Fatal(err)
		}
	}
}

func TestDiff(t *testing.T) {
	for _, tt := range []struct {
		name    string
		change  func(t *testing.T, root string) error
		options Options
		want    string // the path that must differ; "" for none
	}{
		{"same", func(*testing.T, string) error { return nil }, Options{}, ""},
		{"mode", func(_ *testing.T, r string) error { return os.Chmod(filepath.Join(r, "other"), 0o600) }, Options{}, "other"},
		{"setuid", func(_ *testing.T, r string) error { return unix.Chmod(filepath.Join(r, "other"), 0o4644) }, Options{}, "other"},
		{"content", func(_ *testing.T, r string) error {
			return os.WriteFile(filepath.Join(r, "other"), []byte("SHARED\n"), 0o644)
		}, Options{}, "other"},
		{"size", func(_ *testing.T, r string) error { return os.Truncate(filepath.Join(r, "other"), 3) }, Options{}, "other"},
		{"mtime", func(_ *testing.T, r string) error {
			return os.Chtimes(filepath.Join(r, "dir"), time.Time{}, time.Unix(1, 0))
		}, Options{}, "dir"},
		{"target", func(_ *testing.T, r string) error {
			os.Remove(filepath.Join(r, "sym"))
			return os.Symlink("dir/link", filepath.Join(r, "sym"))
		}, Options{}, "sym"},
		{"xattr", func(_ *testing.T, r string) error {
			return unix.Setxattr(filepath.Join(r, "dir", "file"), "user.note", []byte("v2"), 0)
		}, Options{}, "dir/file"},
		{"hardlink", func(_ *testing.T, r string) error {
			os.Remove(filepath.Join(r, "other"))
			return os.Link(filepath.Join(r, "linked"), filepath.Join(r, "other"))
		}, Options{}, "other"},
		{"missing", func(_ *testing.T, r string) error { return os.Remove(filepath.Join(r, "sym")) }, Options{}, "missing \"sym\""},
		{"extra", func(_ *testing.T, r string) error {
			return os.WriteFile(filepath.Join(r, "new"), nil, 0o644)
		}, Options{}, "extra \"new\""},
		{"ignored", func(_ *testing.T, r string) error {
			return os.WriteFile(filepath.Join(r, "dir", "new"), nil, 0o644)
		}, Options{Ignore: []string{"dir"}}, ""},
		{"data where a hole was", func(_ *testing.T, r string) error {
			return writeAt(filepath.Join(r, "sparse"), 8192, []byte{0})
		}, Options{Layout: true}, "sparse"},
		{"layout not asked for", func(_ *testing.T, r string) error {
			return writeAt(filepath.Join(r, "sparse"), 8192, []byte{0})
		}, Options{}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want, got := fixture(t), fixture(t)
			if err := tt.change(t, got); err != nil {
				t.Fatal(err)
			}
			if tt.name != "mtime" {
				stamp(t, got)
			}
			diffs := Diff(Of(t, want, tt.options), Of(t, got, tt.options))
			switch {
			case tt.want == "" && len(diffs) > 0:
				t.Errorf("equal trees differ:\n%s", strings.Join(diffs, "\n"))
			case tt.want != "" && (len(diffs) == 0 || !strings.Contains(diffs[0], tt.want)):
				t.Errorf("differences %q, want one for %q", diffs, tt.want)
			}
		})
	}
}

// A hole where the wanted tree has data is fine (btrfs keeps some zeroed
// blocks as data); data where it has a hole is not.
func TestDiffLayoutIsOneWay(t *testing.T) {
	want, got := fixture(t), fixture(t)
	if err := writeAt(filepath.Join(want, "sparse"), 8192, []byte{0}); err != nil {
		t.Fatal(err)
	}
	stamp(t, want)
	o := Options{Layout: true}
	if diffs := Diff(Of(t, want, o), Of(t, got, o)); len(diffs) > 0 {
		t.Errorf("a hole where data was zeros is reported:\n%s", strings.Join(diffs, "\n"))
	}
}

func writeAt(path string, off int64, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteAt(b, off)
	return err
}
