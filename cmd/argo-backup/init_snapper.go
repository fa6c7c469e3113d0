package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/moby/sys/mountinfo"
)

// snapperConfigsDir is where snapper keeps its configs (a variable for tests).
var snapperConfigsDir = "/etc/snapper/configs"

// snapperConfigs maps each subvolume snapper manages to its config's name,
// from the SUBVOLUME= line of every file in snapperConfigsDir.
func snapperConfigs() map[string]string {
	files, _ := filepath.Glob(filepath.Join(snapperConfigsDir, "*"))
	out := map[string]string{}
	for _, file := range files {
		if sub := snapperSubvolume(file); sub != "" {
			out[filepath.Clean(sub)] = filepath.Base(file)
		}
	}
	return out
}

func snapperSubvolume(file string) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if key, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), "="); ok && key == "SUBVOLUME" {
			return strings.Trim(value, `"'`)
		}
	}
	return ""
}

// proposedSnapshotDir is where init puts a subvolume's snapshots: the
// first of snapshotDirCandidates on path's filesystem but not in path's
// own subvolume. Snapshots inside the subvolume they are taken of would
// each hold an empty folder for every older one (btrfs snapshots do not
// descend into nested subvolumes, but keep their names), which restores
// and diffs then show. inside is true when no such place is mounted, and
// the fallback below is inside the subvolume: init says so.
func proposedSnapshotDir(path string, snapper map[string]string) (dir string, inside bool) {
	mounts, _ := mountinfo.GetMounts(mountinfo.FSTypeFilter("btrfs"))
	if src := mountOf(path).Source; src != "" {
		for _, c := range snapshotDirCandidates(src, mounts) {
			if outsideSubvolume(path, c) && mountOf(c).Source == src {
				return c, false
			}
		}
	}
	switch _, managed := snapper[filepath.Clean(path)]; {
	case path == "/":
		dir = "/.snapshots/argo-backup"
	case managed: // out of snapper's .snapshots
		dir = filepath.Join(path, ".argo-backup")
	default:
		dir = filepath.Join(path, ".snapshots", "argo-backup")
	}
	return dir, !outsideSubvolume(path, dir)
}

// snapshotDirCandidates are the places snapper and btrbk users expect
// snapshots, on the btrfs filesystem of device src, best first:
// /.snapshots/argo-backup (the usual flat layout, and the docs' example);
// argo-backup in a mounted top-level @snapshots (openSUSE, Gentoo); and in
// a mounted top level (subvolid=5, as btrbk users mount it), its
// @snapshots, else a folder of its own.
func snapshotDirCandidates(src string, mounts []*mountinfo.Info) []string {
	out := []string{"/.snapshots/argo-backup"}
	var tops []string
	for _, m := range mounts {
		if m.Source != src {
			continue
		}
		switch subvol := superOption(m.VFSOptions, "subvol"); {
		case filepath.Base(subvol) == "@snapshots":
			out = append(out, filepath.Join(m.Mountpoint, "argo-backup"))
		case subvol == "/":
			tops = append(tops, m.Mountpoint)
		}
	}
	for _, top := range tops {
		if fi, err := os.Stat(filepath.Join(top, "@snapshots")); err == nil && fi.IsDir() {
			out = append(out, filepath.Join(top, "@snapshots", "argo-backup"))
		}
	}
	for _, top := range tops {
		out = append(out, filepath.Join(top, "argo-backup-snapshots"))
	}
	return out
}

// outsideSubvolume says whether dir (or, while it does not exist, its
// nearest existing parent) is in another subvolume than path. btrfs gives
// each subvolume a device number of its own, so one stat each tells.
func outsideSubvolume(path, dir string) bool {
	p, err := os.Stat(path)
	if err != nil {
		return false
	}
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil {
			return devOf(fi) != devOf(p)
		}
		if d == "/" || d == "." {
			return false
		}
	}
}

func devOf(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Dev
	}
	return 0
}

// pickSnapper offers snapper_config for each picked subvolume snapper
// already snapshots, and returns path -> config for those accepted.
func (w wizard) pickSnapper(subvolumes []string, configs map[string]string) (map[string]string, error) {
	use := map[string]string{}
	for _, s := range subvolumes {
		_, path, _ := strings.Cut(s, "=")
		name, ok := configs[filepath.Clean(path)]
		if !ok {
			continue
		}
		yes, err := w.yes(fmt.Sprintf("\nsnapper (config %s) already snapshots %s: back up snapper's snapshots instead of taking more (snapper_config: %s)?", name, path, name))
		if err != nil {
			return nil, err
		}
		if yes {
			use[filepath.Clean(path)] = name
		}
	}
	return use, nil
}
