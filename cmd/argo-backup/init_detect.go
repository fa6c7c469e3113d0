package main

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
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
func proposeSubvolumes(mountinfo io.Reader) []proposal {
	seen := map[string]bool{}
	var out []proposal
	sc := bufio.NewScanner(mountinfo)
	for sc.Scan() {
		before, after, ok := strings.Cut(sc.Text(), " - ")
		fields, tail := strings.Fields(before), strings.Fields(after)
		if !ok || len(fields) < 5 || len(tail) < 3 || tail[0] != "btrfs" {
			continue
		}
		subvol, device := superOption(tail[2], "subvol"), tail[1]
		if subvol == "" || seen[device+subvol] || isSkipped(subvol) {
			continue
		}
		seen[device+subvol] = true
		out = append(out, proposal{Path: unescapeOctal(fields[4]), Subvol: subvol})
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
