package btrfs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Stale is what one dead process's throw-away filesystem left in a scratch
// directory: a mount, a loop device, an image or a mount directory.
type Stale struct {
	Kind   string // "mount", "loop device", "image" or "directory"
	Path   string // the mount point, the device, or the file
	Owner  string // the process that made it, as boot.pid.start; "" when unknown
	Remove bool   // its owner is known to be gone, so it may be removed
}

func (s Stale) String() string {
	who := "its process " + s.Owner + " is gone"
	if !s.Remove {
		who = "made by an earlier version, owner unknown"
	}
	return fmt.Sprintf("%s %s (%s)", s.Kind, s.Path, who)
}

// FindStale lists the remains of LoopFS filesystems in dir whose process
// is gone (Remove set), and those named by earlier versions, whose owner
// cannot be told (Remove unset). Scratch of a live process is never listed.
// It looks only at dir's own entries named argo-loop-* and argo-mnt-*, so
// anything else in dir (a restore's staging, state files) is never touched.
func FindStale(dir string) ([]Stale, error) {
	dir = filepath.Clean(dir)
	var found []Stale
	mounts, err := mountsUnder(dir)
	if err != nil {
		return nil, fmt.Errorf("listing mounts under %s: %w", dir, err)
	}
	for _, m := range mounts {
		found = appendStale(found, dir, "mount", strings.TrimPrefix(m, "mount "), "")
	}
	loops, err := loopBackings()
	if err != nil {
		return nil, fmt.Errorf("listing loop devices: %w", err)
	}
	for dev, backing := range loops {
		found = appendStale(found, dir, "loop device", dev, backing)
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("listing %s: %w", dir, err)
	}
	for _, e := range entries {
		kind := "image"
		if e.IsDir() {
			kind = "directory"
		}
		found = appendStale(found, dir, kind, filepath.Join(dir, e.Name()), "")
	}
	sort.SliceStable(found, func(i, j int) bool { return kindOrder(found[i].Kind) < kindOrder(found[j].Kind) })
	return found, nil
}

// appendStale adds path (or, for a loop device, its backing file named by
// named) if it is a LoopFS entry directly in dir whose owner is not alive.
func appendStale(found []Stale, dir, kind, path, named string) []Stale {
	if named == "" {
		named = path
	}
	if filepath.Dir(named) != dir {
		return found
	}
	o, known, ok := parseOwner(filepath.Base(named))
	if !ok || (known && o.alive()) {
		return found
	}
	s := Stale{Kind: kind, Path: path, Remove: known}
	if known {
		s.Owner = o.String()
	}
	return append(found, s)
}

// kindOrder is the order of removal: unmount, then detach, then delete.
func kindOrder(kind string) int {
	return map[string]int{"mount": 0, "loop device": 1, "directory": 2, "image": 3}[kind]
}

// RemoveStale removes, in order, the remains FindStale marks removable and
// returns what it removed. Entries of unknown owner are left alone.
func RemoveStale(ctx context.Context, dir string) (removed []Stale, err error) {
	found, err := FindStale(dir)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, s := range found {
		if !s.Remove {
			continue
		}
		if err := removeStale(ctx, s); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, s)
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("removing what a killed verify left in %s: %w", dir, err)
	}
	return removed, nil
}

func removeStale(ctx context.Context, s Stale) error {
	switch s.Kind {
	case "mount":
		return unmount(s.Path)
	case "loop device":
		return run(ctx, "losetup", "-d", s.Path)
	}
	if err := os.Remove(s.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// loopBackings maps each loop device to its backing file (sysfs has full
// paths; a deleted file's " (deleted)" suffix is dropped).
func loopBackings() (map[string]string, error) {
	files, err := filepath.Glob("/sys/block/loop*/loop/backing_file")
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // detached meanwhile
		}
		dev := "/dev/" + filepath.Base(filepath.Dir(filepath.Dir(f)))
		m[dev] = strings.TrimSuffix(strings.TrimSpace(string(b)), " (deleted)")
	}
	return m, nil
}
