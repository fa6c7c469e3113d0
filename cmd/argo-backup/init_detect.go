package main

import (
	"fmt"
	"io"
	"path/filepath"
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
// first mount point wins), each with a name of its own.
func proposeSubvolumes(r io.Reader) []proposal {
	mounts, err := mountinfo.GetMountsFromReader(r, mountinfo.FSTypeFilter("btrfs"))
	if err != nil {
		return nil // proposals are a convenience: the user can still type paths
	}
	seen := map[string]bool{}
	names := map[string]int{}
	var out []proposal
	for _, m := range mounts {
		subvol := superOption(m.VFSOptions, "subvol")
		if subvol == "" || seen[m.Source+subvol] || isSkipped(subvol) {
			continue
		}
		seen[m.Source+subvol] = true
		name := configName(subvol)
		if names[name]++; names[name] > 1 {
			name = fmt.Sprintf("%s-%d", name, names[name])
		}
		out = append(out, proposal{Name: name, Path: m.Mountpoint, Subvol: subvol})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
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

// configName turns a subvolume path into a short config name:
// /@ -> root, /@home -> home, /@var-log -> var-log, /data -> data.
func configName(subvol string) string {
	name := strings.TrimPrefix(filepath.Base(subvol), "@")
	switch name {
	case "", "/":
		return "root"
	}
	return name
}
