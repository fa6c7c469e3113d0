package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/argo-backup/argo-backup/internal/errs"
)

// emptyDir is the mount point rule: an existing, empty directory. Each
// refusal names the fix for what is actually wrong.
func emptyDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errs.Userf("mount point %s does not exist: make it with mkdir -p %s", dir, dir)
	case errors.Is(err, syscall.ENOTCONN):
		return errs.Userf("mount point %s is a dead FUSE mount (transport endpoint is not connected): fusermount -u %s, then run again", dir, dir)
	case err != nil:
		return errs.Userf("mount point %s must be an empty directory: %v", dir, err)
	case !fi.IsDir():
		return errs.Userf("mount point %s is a file, not a directory: give an empty directory, e.g. mkdir -p ~/backups", dir)
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, syscall.ENOTCONN) {
		return errs.Userf("mount point %s is a dead FUSE mount (transport endpoint is not connected): fusermount -u %s, then run again", dir, dir)
	}
	if err != nil {
		return errs.Userf("mount point %s must be an empty directory: %v", dir, err)
	}
	if len(entries) > 0 {
		return errs.Userf("mount point %s must be an empty directory: it holds %s (choose another, or mkdir a new one)", dir, entries[0].Name())
	}
	return nil
}

// fuseAvailable says how to get FUSE when it is missing or not this
// user's to use, before anything else is opened.
func fuseAvailable() error {
	fi, err := os.Stat("/dev/fuse")
	if err != nil {
		return errs.Userf("FUSE is not available (no /dev/fuse): load the module with 'modprobe fuse' (in a container, pass --device /dev/fuse)")
	}
	if unix.Faccessat(unix.AT_FDCWD, "/dev/fuse", unix.R_OK|unix.W_OK, unix.AT_EACCESS) != nil {
		how := "run as root, or ask the administrator for access to /dev/fuse"
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Gid != 0 && fi.Mode().Perm()&0o060 == 0o060 {
			group := strconv.Itoa(int(st.Gid))
			if g, err := user.LookupGroupId(group); err == nil {
				group = g.Name
			}
			how = fmt.Sprintf("add yourself to its group (usermod -aG %s $USER, then log in again), or run as root", group)
		}
		return errs.Userf("FUSE is not available to you (/dev/fuse is %v, not readable and writable by you): %s", fi.Mode().Perm(), how)
	}
	if _, err := exec.LookPath("fusermount3"); err != nil {
		if _, err := exec.LookPath("fusermount"); err != nil {
			return errs.Userf("FUSE is not available (no fusermount): install the fuse3 package (apt install fuse3, dnf install fuse3, emerge sys-fs/fuse)")
		}
	}
	return nil
}

// mountSubvols returns the subvolumes to show: those named, each of which
// must have trusted backups on the remote, or all that do. A subvolume
// folder whose records are all untrusted (planted by someone with write
// access to the remote) is not shown, as list does not count it a backup:
// mount says which it hides and why, once, and refuses it by name.
func mountSubvols(ctx context.Context, b *browser, names []string) ([]string, error) {
	have, err := b.cat.Subvolumes(ctx, b.host)
	if err != nil {
		return nil, err
	}
	var trusted []string
	untrusted := map[string]int{}
	for _, sv := range have {
		l, err := b.cat.List(ctx, b.host, sv)
		if err != nil {
			return nil, err
		}
		if len(l.Trusted()) > 0 {
			trusted = append(trusted, sv)
			continue
		}
		untrusted[sv] = len(l.Untrusted())
	}
	if len(names) == 0 {
		if len(trusted) == 0 && len(untrusted) > 0 {
			return nil, errs.Damagef("host %s has no trusted backup on the remote, only %d untrusted subvolume folders (see argo-backup list --host %s)", b.host, len(untrusted), b.host)
		}
		for _, sv := range slices.Sorted(maps.Keys(untrusted)) {
			b.a.log.Warn("not shown: none of its backups is trusted (see argo-backup list)", "host", b.host, "subvolume", sv, "untrusted", untrusted[sv])
		}
		return trusted, nil
	}
	for _, n := range names {
		if k, ok := untrusted[n]; ok {
			return nil, errs.Damagef("subvolume %q of %s has no trusted backup on the remote, only %d untrusted records: it is never shown (see argo-backup list %s)", n, b.host, k, n)
		}
		if !slices.Contains(trusted, n) {
			return nil, errs.Userf("unknown subvolume %q: the backups of %s on the remote are of %s", n, b.host, quoteList(trusted))
		}
	}
	return names, nil
}

func quoteList(names []string) string {
	if len(names) == 0 {
		return "none yet"
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
