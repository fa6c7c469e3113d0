package restore

import (
	"os"
	"path/filepath"
	"testing"
)

// A layout path that leads through a restored symlink out of the new disk
// is refused before anything is made there.
func TestMkdirBeneath(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "inner"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("inner", filepath.Join(dir, "relative")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sub string
		ok  bool
	}{
		{"@snapshots/argo-backup", true},
		{"relative/x", true}, // a symlink that stays inside
		{"escape/argo-backup", false},
		{"escape", false},
	} {
		err := mkdirBeneath(dir, filepath.Join(dir, tc.sub), 0o700)
		if (err == nil) != tc.ok {
			t.Errorf("mkdirBeneath(%s): %v, want ok=%v", tc.sub, err, tc.ok)
		}
	}
	if entries, _ := os.ReadDir(outside); len(entries) > 0 {
		t.Errorf("made %s outside the target", entries[0].Name())
	}
}
