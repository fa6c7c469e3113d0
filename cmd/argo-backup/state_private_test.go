package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A state_dir other users can write is refused with one line naming it
// and the fix, before anything in it is read or written (the trial: a
// user made records/ with mode 0777 in a state_dir of mode 1777, and
// root pushed into it).
func TestStateDirWritableByOthersIsRefused(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup func(state string) error
		want  string // "" for accepted
	}{
		{"private", func(string) error { return nil }, ""},
		{"mode 1777", func(state string) error { return os.Chmod(state, 0o1777) }, "is writable by other users"},
		{"records 0777", func(state string) error {
			records := filepath.Join(state, "records")
			if err := os.Mkdir(records, 0o700); err != nil {
				return err
			}
			return os.Chmod(records, 0o777)
		}, "records is writable by other users"},
		{"inprogress 0777", func(state string) error {
			journals := filepath.Join(state, "inprogress")
			if err := os.Mkdir(journals, 0o700); err != nil {
				return err
			}
			return os.Chmod(journals, 0o777)
		}, "inprogress is writable by other users"},
		{"group-writable", func(state string) error { return os.Chmod(state, 0o770) }, "chmod go-w"},
		{"not made yet", func(state string) error { return os.Remove(state) }, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state")
			if err := os.Mkdir(state, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := c.setup(state); err != nil {
				t.Fatal(err)
			}
			err := checkStateDir(state)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}
