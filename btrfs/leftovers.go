package btrfs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/sys/mountinfo"
)

// Leftovers lists the loop devices whose backing file is under root and the
// mounts under root: what a torn-down LoopFS in root must not leave behind.
// Tests use it to prove their cleanup works, verify to report what a crashed
// run left.
func Leftovers(root string) ([]string, error) {
	root = filepath.Clean(root)
	loops, err := loopDevicesUnder(root)
	if err != nil {
		return nil, err
	}
	mounts, err := mountsUnder(root)
	if err != nil {
		return nil, err
	}
	return append(loops, mounts...), nil
}

// loopDevicesUnder reads backing files from sysfs, which has full paths
// (losetup -a may cut them at 64 characters).
func loopDevicesUnder(root string) ([]string, error) {
	files, err := filepath.Glob("/sys/block/loop*/loop/backing_file")
	if err != nil {
		return nil, err
	}
	var found []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // detached meanwhile
		}
		backing := strings.TrimSuffix(strings.TrimSpace(string(b)), " (deleted)")
		if isUnder(backing, root) {
			dev := "/dev/" + filepath.Base(filepath.Dir(filepath.Dir(f)))
			found = append(found, fmt.Sprintf("loop device %s -> %s", dev, backing))
		}
	}
	return found, nil
}

func mountsUnder(root string) ([]string, error) {
	mounts, err := mountinfo.GetMounts(func(m *mountinfo.Info) (skip, stop bool) {
		return !isUnder(m.Mountpoint, root), false
	})
	if err != nil {
		return nil, err
	}
	var found []string
	for _, m := range mounts {
		found = append(found, "mount "+m.Mountpoint)
	}
	return found, nil
}

func isUnder(path, root string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && filepath.IsAbs(path)
}
