package restore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/internal/errs"
)

// Extract writes chosen paths of a backup, from its file index and the
// parts that hold their bytes, into a plain directory on any filesystem:
// restore --path. Every path is created beneath a directory through an
// os.Root, so no name or symlink in the backup can reach outside it.
//
// Paths builds the result in a staging tree beside it and renames it into
// place at the end (extract_stage.go): a failed or interrupted run leaves
// nothing under a real name that looks restored, and the same command
// run again finishes the job.
type Extract struct {
	Tree    *index.Tree
	Streams index.Streams
	Into    *os.Root // DIR (--to): the result goes to DIR/<Name>
	Name    string   // the snapshot
	// AsRoot restores owners and device nodes (they need root); without it
	// they are left out and listed in Skipped.
	AsRoot  bool
	Skipped []string
	// OwnersLeft counts the paths whose owners were not restored (not
	// root); their setuid and setgid bits are cleared, as chmod would.
	OwnersLeft int
	Root       *os.Root          // set by Paths: the tree being written (staging, then DIR/<Name>)
	links      map[uint64]string // the first path written of each inode (hardlinks)
	units      map[string]*index.Node
	made       []placed // parents made, finished after everything beneath them
}

type placed struct {
	rel string
	n   *index.Node
}

// build writes the file or directory at p (inside the subvolume) and all
// beneath it into the staging tree at the same relative path. The units
// (the topmost new paths, renamed into place later) are finished only
// after the rename.
func (x *Extract) build(ctx context.Context, p string) error {
	names := index.SplitPath(p)
	top := path.Join(names...)
	if top == "" {
		top = "."
	}
	if top != "." {
		made, err := x.parents(path.Dir(top))
		if err != nil {
			return fmt.Errorf("restore %s: %w", p, err)
		}
		x.made = append(x.made, made...)
	}
	var all []placed
	var bad error
	err := x.Tree.Walk(p, func(q string, n *index.Node) bool {
		rel := strings.TrimPrefix(q, "/")
		if rel == "" {
			rel = "."
		}
		if base := path.Base(rel); strings.ContainsRune(base, 0) || base == ".." {
			bad = errs.Damagef("the index names %q: refused", q)
			return false
		}
		all = append(all, placed{rel, n})
		return true
	})
	if err != nil {
		return err
	}
	if bad != nil {
		return bad
	}
	for _, e := range all {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := x.create(ctx, e.rel, e.n); err != nil {
			return fmt.Errorf("restore /%s: %w", e.rel, err)
		}
	}
	return x.finishAll(ctx, all) // directories' times after their contents
}

// finishAll finishes es in reverse order (contents before their
// directories), except the units, which are finished once in place.
func (x *Extract) finishAll(ctx context.Context, es []placed) error {
	for _, e := range slices.Backward(es) {
		if _, unit := x.units[e.rel]; unit {
			continue
		}
		if err := x.finish(ctx, e.rel, e.n); err != nil {
			return fmt.Errorf("restore /%s: %w", e.rel, err)
		}
	}
	return nil
}

// parents makes the directories above a restored path that are not in the
// staging tree yet, outermost first, and returns them with their nodes so
// that they get the backup's modes, owners and times (a 0750 home
// directory stays 0750, not root's 0755). Those that exist in the result
// already are only a way through: they stay as they are there.
func (x *Extract) parents(dir string) ([]placed, error) {
	if dir == "." || dir == "/" || dir == "" {
		return nil, nil
	}
	if _, err := x.Root.Lstat(dir); err == nil {
		return nil, nil
	}
	made, err := x.parents(path.Dir(dir))
	if err != nil {
		return nil, err
	}
	if err := x.Root.Mkdir(dir, 0o700); err != nil {
		return nil, err
	}
	if x.exists(dir) {
		return made, nil
	}
	if n, err := x.Tree.Lookup("/" + dir); err == nil && n.Kind == index.KindDir {
		made = append(made, placed{dir, n})
	}
	return made, nil
}

// create makes one path with its content.
func (x *Extract) create(ctx context.Context, rel string, n *index.Node) error {
	if first, ok := x.links[n.Ino]; ok && n.Kind != index.KindDir {
		return x.Root.Link(first, rel)
	}
	x.links[n.Ino] = rel
	switch n.Kind {
	case index.KindDir:
		if rel == "." {
			return nil
		}
		return x.Root.Mkdir(rel, 0o700)
	case index.KindFile:
		f, err := x.Root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		err = x.Tree.WriteFileAt(ctx, n, x.Streams, f) // holes stay holes
		if err == nil {
			err = f.Truncate(n.Size)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	case index.KindSymlink:
		return x.Root.Symlink(string(n.Target), rel)
	case index.KindFifo:
		return x.at(rel, func(fd int, name string) error { return unix.Mkfifoat(fd, name, 0o600) })
	case index.KindSocket:
		return x.at(rel, func(fd int, name string) error { return unix.Mknodat(fd, name, unix.S_IFSOCK|0o600, 0) })
	case index.KindChar, index.KindBlock:
		if !x.AsRoot {
			x.Skipped = append(x.Skipped, path.Join("/", rel)+" (a device node: needs root)")
			return nil
		}
		mode := uint32(unix.S_IFCHR)
		if n.Kind == index.KindBlock {
			mode = unix.S_IFBLK
		}
		return x.at(rel, func(fd int, name string) error { return unix.Mknodat(fd, name, mode|0o600, int(n.Rdev)) })
	}
	return fmt.Errorf("unknown type %q", n.Kind)
}

// finish sets owner, xattrs, mode and mtime, in that order (chown clears
// setuid bits).
func (x *Extract) finish(ctx context.Context, rel string, n *index.Node) error {
	if _, err := x.Root.Lstat(rel); errors.Is(err, fs.ErrNotExist) {
		return nil // a skipped device node
	}
	if x.AsRoot {
		if err := x.Root.Lchown(rel, int(n.UID), int(n.GID)); err != nil {
			return err
		}
	}
	if err := x.xattrs(ctx, rel, n); err != nil {
		return err
	}
	mode := n.Mode
	if !x.AsRoot && (int(n.UID) != os.Geteuid() || int(n.GID) != os.Getegid()) {
		x.OwnersLeft++
		mode &^= 0o6000 // not set-user-ID or set-group-ID as its new owner (cp -p does the same)
	}
	if n.Kind != index.KindSymlink {
		if err := x.Root.Chmod(rel, fs.FileMode(mode&0o777)|modeBits(mode)); err != nil {
			return err
		}
	}
	ts := []unix.Timespec{unix.NsecToTimespec(n.MtimeNs), unix.NsecToTimespec(n.MtimeNs)}
	return x.at(rel, func(fd int, name string) error {
		return unix.UtimesNanoAt(fd, name, ts, unix.AT_SYMLINK_NOFOLLOW)
	})
}

func modeBits(m uint32) fs.FileMode {
	var out fs.FileMode
	if m&0o4000 != 0 {
		out |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		out |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		out |= fs.ModeSticky
	}
	return out
}

// xattrs sets n's extended attributes on rel with lsetxattr through its
// directory's descriptor, never following rel: symlinks, fifos and
// sockets keep theirs too (trusted.* and security.* ones; Linux allows
// user.* only on files and directories), as the native applier does.
func (x *Extract) xattrs(ctx context.Context, rel string, n *index.Node) error {
	for _, a := range n.Xattrs {
		v, err := x.Tree.XattrValue(ctx, a, x.Streams)
		if err != nil {
			return err
		}
		err = x.at(rel, func(fd int, name string) error {
			return unix.Lsetxattr(fmt.Sprintf("/proc/self/fd/%d/%s", fd, name), string(a.Name), v, 0)
		})
		if err != nil {
			if !x.AsRoot || errors.Is(err, unix.EOPNOTSUPP) {
				x.Skipped = append(x.Skipped, fmt.Sprintf("%s (xattr %s: %v)", path.Join("/", rel), a.Name, err)) // the root is "/", not "/."
				continue
			}
			return fmt.Errorf("xattr %s: %w", a.Name, err)
		}
	}
	return nil
}

// at calls fn with the directory holding rel (opened beneath Root) and
// rel's last name.
func (x *Extract) at(rel string, fn func(dirfd int, name string) error) error {
	d, err := x.Root.Open(path.Dir(rel))
	if err != nil {
		return err
	}
	defer d.Close()
	return fn(int(d.Fd()), path.Base(rel))
}
