package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// proposedSnapshotDir is where init puts a subvolume's snapshots: in
// /.snapshots/argo-backup when that is on the same filesystem (the usual
// flat layout, and the docs' example), never inside a subvolume that is
// itself backed up or inside snapper's .snapshots of that subvolume;
// elsewhere beside the data, out of snapper's way.
func proposedSnapshotDir(path string, snapper map[string]string) string {
	if src := mountOf(path).Source; src != "" && src == mountOf("/.snapshots").Source {
		return "/.snapshots/argo-backup"
	}
	if path == "/" {
		return "/.snapshots/argo-backup"
	}
	if _, managed := snapper[filepath.Clean(path)]; managed {
		return filepath.Join(path, ".argo-backup")
	}
	return filepath.Join(path, ".snapshots", "argo-backup")
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
