package config

import (
	"path/filepath"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/manifest"
)

// Backup returns the subvolume called name as the backup package takes it,
// with its snapper config (if any) resolved to the directory it manages.
func (c *Config) Backup(name string) (backup.Subvolume, error) {
	sv, err := c.Subvolume(name)
	if err != nil {
		return backup.Subvolume{}, err
	}
	var snapper string
	if sv.SnapperConfig != "" {
		if snapper, err = snapperDir(sv.SnapperConfig); err != nil {
			return backup.Subvolume{}, err
		}
		if managed := filepath.Dir(snapper); filepath.Clean(sv.Path) != managed {
			return backup.Subvolume{}, errs.Userf("subvolume %s: snapper_config %q manages %s, not path %s: give the snapper config of %s ('snapper list-configs')",
				sv.Name, sv.SnapperConfig, managed, sv.Path, sv.Path)
		}
	}
	return backup.Subvolume{
		SnapperDir:  snapper,
		Name:        sv.Name,
		Path:        sv.Path,
		SnapshotDir: sv.SnapshotDir,
		Parents:     sv.parents(),
		KeepLocal:   sv.KeepLocal,
		Retention:   sv.Retention,
	}, nil
}

// parents is the subvolume's parent policy, as manifest.ChooseParent
// applies it and manifest.ParentPolicy.Validate checks it.
func (sv *Subvolume) parents() manifest.ParentPolicy {
	return manifest.ParentPolicy{Mode: sv.Parents, FullEvery: sv.FullEvery, MaxChain: sv.MaxChain, Tiers: sv.Tiers}
}
