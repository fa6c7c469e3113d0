package btrfs

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var found []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 5 {
			continue
		}
		if mnt := unescapeMountinfo(fields[4]); isUnder(mnt, root) {
			found = append(found, "mount "+mnt)
		}
	}
	return found, s.Err()
}

// unescapeMountinfo undoes the octal escapes (\040 for space) of mountinfo.
func unescapeMountinfo(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if c, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(c))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isUnder(path, root string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && filepath.IsAbs(path)
}
