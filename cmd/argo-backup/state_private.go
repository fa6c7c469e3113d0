package main

import (
	"os"
	"path/filepath"
	"syscall"

	"github.com/argo-backup/argo-backup/internal/errs"
)

// checkStateDir refuses a state_dir that another user can change: it holds
// the record copies push trusts to build on, the journals it resumes, the
// locks and the caches, all written by root. In a directory others can
// write (a state_dir of mode 1777, or folders another user made in it), a
// local user could swap them, or plant a symlink root follows. The trial
// found root pushing into records/ a user had made with mode 0777. A
// state_dir that does not exist yet is made private by whoever makes it.
func checkStateDir(dir string) error {
	paths := []string{dir}
	for _, sub := range []string{"records", "inprogress", "locks", "index", "checks", "cache", "spool"} {
		paths = append(paths, filepath.Join(dir, sub))
	}
	for _, path := range paths {
		fi, err := os.Stat(path)
		if err != nil {
			continue // not there yet, or not ours to read: whatever uses it says so
		}
		if perm := fi.Mode().Perm(); perm&0o022 != 0 {
			return errs.Userf("state_dir: %s is writable by other users (mode %o): anyone could change what argo-backup trusts there; run chmod go-w %s", path, perm, path)
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() && st.Uid != 0 {
			return errs.Userf("state_dir: %s belongs to another user (uid %d): use a state_dir of your own, or chown it to yourself", path, st.Uid)
		}
	}
	return nil
}
