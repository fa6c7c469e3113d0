package config

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"

	"github.com/argo-backup/argo-backup/internal/errs"
)

// snapperConfigDir is where snapper keeps its configs.
const snapperConfigDir = "/etc/snapper/configs"

// snapperDir resolves a snapper_config value (a config name such as "home",
// or the path of a config file) to the .snapshots directory it manages.
func snapperDir(config string) (string, error) {
	path := config
	if !filepath.IsAbs(path) {
		path = filepath.Join(snapperConfigDir, config)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", errs.Userf("snapper_config %q: %v: name a config listed by 'snapper list-configs'", config, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if ok && key == "SUBVOLUME" {
			subvol := strings.Trim(value, `"'`)
			return filepath.Join(subvol, ".snapshots"), nil
		}
	}
	return "", errs.Userf("snapper_config %q: %s has no SUBVOLUME= line", config, path)
}
