package main

import (
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/moby/sys/mountinfo"
)

// proposal is a subvolume init offers to back up.
type proposal struct {
	Name   string // config name: "root" for @, "home" for @home
	Path   string // where it is mounted
	Subvol string // btrfs subvolume path, e.g. /@home
}

// skipped are subvolumes not worth backing up in the openSUSE/Gentoo
// layouts: snapshots of other subvolumes, caches, temporary files, swap.
var skipped = []string{"@snapshots", ".snapshots", "@var-cache", "@var-tmp", "@tmp", "@swap", "@var-lib-docker", "@var-lib-machines"}

// proposeSubvolumes reads /proc/self/mountinfo and proposes each mounted
// btrfs subvolume worth a backup, once per filesystem and subvolume (the
// first mount point wins), each with a name of its own. Names are given in
// mount point order, so / is named first: another filesystem's top level
// never takes "root" from it.
func proposeSubvolumes(r io.Reader) []proposal {
	mounts, err := mountinfo.GetMountsFromReader(r, mountinfo.FSTypeFilter("btrfs"))
	if err != nil {
		return nil // proposals are a convenience: the user can still type paths
	}
	seen := map[string]bool{}
	var out []proposal
	for _, m := range mounts {
		subvol := superOption(m.VFSOptions, "subvol")
		if subvol == "" || seen[m.Source+subvol] || isSkipped(subvol) {
			continue
		}
		seen[m.Source+subvol] = true
		out = append(out, proposal{Path: m.Mountpoint, Subvol: subvol})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	names := map[string]int{}
	for i := range out {
		name := configName(out[i].Subvol, out[i].Path)
		if names[name]++; names[name] > 1 {
			name = fmt.Sprintf("%s-%d", name, names[name])
		}
		out[i].Name = name
	}
	return out
}

func superOption(opts, key string) string {
	for _, o := range strings.Split(opts, ",") {
		if v, ok := strings.CutPrefix(o, key+"="); ok {
			return v
		}
	}
	return ""
}

func isSkipped(subvol string) bool {
	base := filepath.Base(subvol)
	for _, s := range skipped {
		if base == s || strings.Contains(subvol, "/.snapshots/") {
			return true
		}
	}
	return false
}

// configName is a short config name for a subvolume: its own name without
// the "@" (/@home -> home, /@var-log -> var-log, /@/home -> home), or, for
// a filesystem's top level or "@", its mount point (/ -> root, /data ->
// data, /mnt/backup -> mnt-backup).
func configName(subvol, mountpoint string) string {
	if name := strings.TrimPrefix(filepath.Base(subvol), "@"); name != "" && name != "/" {
		return name
	}
	if name := unsafeNameChars.ReplaceAllString(strings.Trim(mountpoint, "/"), "-"); name != "" {
		return name
	}
	return "root"
}

var unsafeNameChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)
