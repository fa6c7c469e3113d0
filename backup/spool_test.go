package backup

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// openSpoolFiles counts this process's open files in dir, named or not:
// an unlinked file's /proc/self/fd link still names its directory.
func openSpoolFiles(t *testing.T, dir string) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(target, dir+"/") {
			n++
		}
	}
	return n
}

// requireNoSpoolNames fails unless dir is empty: spool files have no name.
func requireNoSpoolNames(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("%s holds %s: spool files must have no name", dir, e.Name())
	}
}

// requireNoSpoolFiles fails if a push left anything in its spool: a name,
// or a file still open.
func requireNoSpoolFiles(t *testing.T, dir string) {
	t.Helper()
	requireNoSpoolNames(t, dir)
	if n := openSpoolFiles(t, dir); n > 0 {
		t.Errorf("%d spool files still open in %s after the push", n, dir)
	}
}

// openSpool makes the spool directory private, removes the files a push
// killed between creating and unlinking one left, and keeps everything
// else; its files have no name and hold what is written to them.
func TestSpool(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		leftovers []string
		kept      []string
		mode      os.FileMode // of an existing directory
	}{
		{"new directory", nil, nil, 0},
		{"a killed push's files", []string{".part-123", ".part-x"}, nil, 0o755},
		{"other files kept", []string{".part-1"}, []string{"notes", "part-1"}, 0o700},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "spool")
			if tc.mode != 0 {
				if err := os.Mkdir(dir, tc.mode); err != nil {
					t.Fatal(err)
				}
			}
			for _, name := range append(tc.leftovers, tc.kept...) {
				if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			sp, err := openSpool(dir)
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(dir)
			if err != nil || fi.Mode().Perm() != 0o700 {
				t.Errorf("spool directory: %v, %v; want mode 0700", fi.Mode(), err)
			}
			for _, name := range tc.leftovers {
				if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
					t.Errorf("%s left behind: %v", name, err)
				}
			}
			for _, name := range tc.kept {
				if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
					t.Errorf("%s removed: %v", name, err)
				}
			}

			f, err := sp.create()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteString("sealed bytes"); err != nil {
				t.Fatal(err)
			}
			part := &sealedPart{f: f, size: 12}
			got, err := io.ReadAll(io.NewSectionReader(part, 0, part.Size()))
			if err != nil || string(got) != "sealed bytes" {
				t.Errorf("spool file reads %q, %v", got, err)
			}
			if n := openSpoolFiles(t, dir); n != 1 {
				t.Errorf("%d spool files open, want 1", n)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != len(tc.kept) {
				t.Errorf("spool directory lists %d entries, want the %d kept: the spool file has a name", len(entries), len(tc.kept))
			}
			part.close()
			if n := openSpoolFiles(t, dir); n != 0 {
				t.Errorf("%d spool files open after close, want 0", n)
			}
		})
	}
}
