package tmpfile

import (
	"os"
	"testing"
)

// A nameless file can be written and read back, is private, and leaves
// nothing in its directory.
func TestNameless(t *testing.T) {
	dir := t.TempDir()
	f, err := Nameless(dir, ".part-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte("sealed"), 0); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 6)
	if _, err := f.ReadAt(got, 0); err != nil || string(got) != "sealed" {
		t.Fatalf("read back %q, %v", got, err)
	}
	if fi, err := f.Stat(); err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("mode %v, %v: want no access for group or others", fi.Mode(), err)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("the directory holds %v (%v), want nothing", entries, err)
	}
}
