package restore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/internal/errs"
)

// StagingPaths is the name, in DIR, under which restore --path builds
// DIR/<snapshot>'s new paths before renaming them into place.
func StagingPaths(snapshot string) string { return ".argo-restore-" + snapshot + "-paths" }

// Paths restores each of paths (inside the subvolume) and all beneath it
// to Into/<Name>/PATH, and refuses a path that is there already (the
// user's). It builds them in Into/StagingPaths(Name)/tree and then renames
// each unit, the topmost path the result does not have yet, into place,
// noting the unit in the staging's "placed" journal first; each unit gets
// its mode, owner and times once in place. A run that fails leaves its
// work in the staging only; the next run redoes it, takes the units the
// journal says were placed as done, and finishes them again (the failed
// run may have stopped between a rename and the finish).
func (x *Extract) Paths(ctx context.Context, paths []string) error {
	x.links, x.units, x.made = map[uint64]string{}, map[string]*index.Node{}, nil
	stage := StagingPaths(x.Name)
	if err := x.ownStaging(stage, true); err != nil {
		return err
	}
	placed, err := x.placed(stage)
	if err != nil {
		return err
	}
	var todo []string
	for _, top := range tops(paths) {
		if !x.exists(top) {
			todo = append(todo, top)
			continue
		}
		i := slices.IndexFunc(placed, func(u string) bool { return within(top, u) })
		if i < 0 {
			return errs.Userf("%s already exists in %s: restore --path writes only new paths, choose another --to",
				path.Join("/", top), path.Join(x.Into.Name(), x.Name))
		}
		if err := x.addUnit(placed[i]); err != nil {
			return err
		}
	}
	if len(todo) > 0 {
		if err := x.stage(ctx, stage, todo); err != nil {
			return err
		}
	}
	if err := x.finishUnits(ctx); err != nil {
		return err
	}
	if err := x.Into.RemoveAll(stage); err != nil {
		return fmt.Errorf("remove the finished staging %s: %w", stage, err)
	}
	return nil
}

func (x *Extract) addUnit(u string) error {
	n, err := x.Tree.Lookup("/" + u)
	if err != nil {
		return err
	}
	x.units[u] = n
	return nil
}

// stage builds todo in a fresh staging tree and renames it into place.
func (x *Extract) stage(ctx context.Context, stage string, todo []string) error {
	tree := path.Join(stage, "tree")
	if err := x.Into.RemoveAll(tree); err != nil { // an earlier run's half
		return fmt.Errorf("clear the staging %s: %w", tree, err)
	}
	if err := x.Into.MkdirAll(tree, 0o700); err != nil {
		return fmt.Errorf("make the staging %s: %w", tree, err)
	}
	var fresh []string
	for _, top := range todo {
		u := x.unit(top)
		if err := x.addUnit(u); err != nil {
			return err
		}
		fresh = append(fresh, u)
	}
	root, err := x.Into.OpenRoot(tree)
	if err != nil {
		return fmt.Errorf("open the staging %s: %w", tree, err)
	}
	defer root.Close()
	x.Root = root
	for _, top := range todo {
		if err := x.build(ctx, "/"+top); err != nil {
			return err
		}
	}
	if err := x.finishAll(ctx, x.made); err != nil {
		return err
	}
	slices.Sort(fresh)
	for _, u := range slices.Compact(fresh) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := x.note(stage, u); err != nil {
			return err
		}
		if err := x.rename(path.Join(tree, u), path.Join(x.Name, u)); err != nil {
			return fmt.Errorf("move /%s into place: %w", u, err)
		}
	}
	return nil
}

// finishUnits gives each unit in DIR/<Name> its mode, owner and times:
// after the rename, because renaming a directory to another parent needs
// write access to it. Inner units first, so that a directory's mtime is
// set after what is renamed into it.
func (x *Extract) finishUnits(ctx context.Context) error {
	if len(x.units) == 0 {
		return nil
	}
	root, err := x.Into.OpenRoot(x.Name)
	if err != nil {
		return fmt.Errorf("open %s: %w", x.Name, err)
	}
	defer root.Close()
	x.Root = root
	units := slices.Sorted(maps.Keys(x.units))
	for _, u := range slices.Backward(units) {
		if err := x.finish(ctx, u, x.units[u]); err != nil {
			return fmt.Errorf("restore /%s: %w", u, err)
		}
	}
	return nil
}

// unit returns the topmost directory above top (or top itself) that
// DIR/<Name> does not have: what is renamed into place whole.
func (x *Extract) unit(top string) string {
	u := top
	for u != "." && !x.exists(path.Dir(u)) {
		u = path.Dir(u)
	}
	return u
}

// exists says whether DIR/<Name>/rel is there.
func (x *Extract) exists(rel string) bool {
	_, err := x.Into.Lstat(path.Join(x.Name, rel))
	return err == nil
}

// placed reads the units an earlier run of this restore noted as renamed
// into place and returns those it did rename: gone from the staging and
// there in the result as the very inode it staged. The journal counts only
// if this user made it and no one else can write it: a local user who
// plants a staging, a journal and a file of their own where root restores
// would otherwise have root "finish" that file with the backup's owner
// and mode (a set-user-ID root binary of their choosing).
func (x *Extract) placed(stage string) ([]string, error) {
	journal := path.Join(stage, "placed")
	if err := x.ownStaging(journal, false); err != nil {
		return nil, err
	}
	b, err := x.Into.ReadFile(journal)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read what an earlier restore --path placed: %w", err)
	}
	fields := strings.Split(string(b), "\x00")
	var done []string
	for i := 0; i+1 < len(fields); i += 2 {
		u, ino := fields[i], fields[i+1]
		_, err := x.Into.Lstat(path.Join(stage, "tree", u))
		if u != "" && errors.Is(err, fs.ErrNotExist) && x.inode(path.Join(x.Name, u)) == ino {
			done = append(done, u)
		}
	}
	return done, nil
}

// ownStaging refuses a staging entry (the directory, or its journal) that
// is not this user's own, or that others can write; a missing one is fine.
func (x *Extract) ownStaging(name string, dir bool) error {
	fi, err := x.Into.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check %s: %w", name, err)
	}
	want := fs.FileMode(0)
	if dir {
		want = fs.ModeDir
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || fi.Mode().Type() != want || int(st.Uid) != os.Geteuid() || fi.Mode().Perm()&0o022 != 0 {
		return errs.Userf("%s in %s was not made by this user's restore --path (another owner, another type, or writable by others): remove it and run again",
			name, x.Into.Name())
	}
	return nil
}

// inode returns "DEV:INO" of rel in Into, or "" if it is not there.
func (x *Extract) inode(rel string) string {
	fi, err := x.Into.Lstat(rel)
	if err != nil {
		return ""
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
}

// note adds u, with the inode it is staged as (a rename keeps it), to the
// staging's journal of placed units, on disk before u is renamed.
func (x *Extract) note(stage, u string) error {
	ino := x.inode(path.Join(stage, "tree", u))
	if ino == "" {
		return fmt.Errorf("note /%s as placed: it is not in the staging", u)
	}
	f, err := x.Into.OpenFile(path.Join(stage, "placed"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("note /%s as placed: %w", u, err)
	}
	_, err = f.Write([]byte(u + "\x00" + ino + "\x00"))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("note /%s as placed: %w", u, err)
	}
	return nil
}

// rename moves from to to (both in Into) and never replaces what is
// there: RENAME_NOREPLACE where the filesystem has it.
func (x *Extract) rename(from, to string) error {
	src, err := x.Into.Open(path.Dir(from))
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := x.Into.Open(path.Dir(to))
	if err != nil {
		return err
	}
	defer dst.Close()
	err = unix.Renameat2(int(src.Fd()), path.Base(from), int(dst.Fd()), path.Base(to), unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		if _, err := x.Into.Lstat(to); err == nil {
			return fs.ErrExist
		}
		err = unix.Renameat(int(src.Fd()), path.Base(from), int(dst.Fd()), path.Base(to))
	}
	return err
}

// tops returns the paths as clean relative names ("." for the root),
// without those beneath another one given.
func tops(paths []string) []string {
	var out []string
	for _, p := range paths {
		top := path.Join(index.SplitPath(p)...)
		if top == "" {
			top = "."
		}
		out = append(out, top)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	return slices.DeleteFunc(slices.Clone(out), func(p string) bool {
		return slices.ContainsFunc(out, func(q string) bool { return q != p && within(p, q) })
	})
}

// within says whether p is u or beneath it.
func within(p, u string) bool {
	return u == "." || p == u || strings.HasPrefix(p, u+"/")
}
