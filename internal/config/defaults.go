package config

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/restore"
)

// defaults are the values of keys the config file leaves out.
func defaultConfig() map[string]any {
	return map[string]any{
		"host":                    "",
		"remote":                  "",
		"rclone_config":           "",
		"recipients":              []string{},
		"recipients_file":         "",
		"identity":                DefaultIdentityPath,
		"signing_key":             "",
		"state_dir":               DefaultStateDir,
		"compression_level":       3,
		"part_size":               "32MiB",
		"send_compressed_data":    true,
		"on_failure":              "",
		"metrics_file":            "",
		"parallel":                2,
		"transfers":               DefaultTransfers,
		"bwlimit":                 "",
		"verify.schedule":         "@daily",
		"verify.restore_schedule": "@monthly",
		"verify.budget":           restore.DefaultBudget,
		"verify.healthchecks_url": "",
		"prune.schedule":          "@daily",
		"prune.healthchecks_url":  "",
		"healthchecks_url":        "",
		"webhook_url":             "",
	}
}

func subvolumeDefaults(sv *Subvolume) {
	if sv.Schedule == "" {
		sv.Schedule = "@daily"
	}
	if sv.Parents == "" {
		sv.Parents = "chain"
	}
	if sv.KeepLocal == 0 {
		sv.KeepLocal = 2
	}
	if sv.Parents == "tiered" {
		return // the tiers decide when a full is made
	}
	if sv.FullEvery == 0 {
		sv.FullEvery = 720 * time.Hour
	}
	if sv.MaxChain == 0 {
		sv.MaxChain = 30
	}
}

// tieredIgnores warns of full_every and max_chain set with parents:
// tiered, where the tiers decide when a full is made, and drops them. A
// warning, not an error, so that a config written before tiers still loads.
func (c *Config) tieredIgnores(sv *Subvolume) {
	if sv.Parents != "tiered" || (sv.FullEvery == 0 && sv.MaxChain == 0) {
		return
	}
	c.Warnings = append(c.Warnings, fmt.Sprintf("subvolume %s: full_every and max_chain do not apply with parents: tiered "+
		"(a full is made at the start of each %s of its tiers): remove them", sv.Name, firstTier(sv.Tiers)))
	sv.FullEvery, sv.MaxChain = 0, 0
}

func firstTier(tiers []string) string {
	if len(tiers) == 0 {
		return manifest.DefaultTiers[0]
	}
	return tiers[0]
}

func (c *Config) complete() error {
	if c.Host == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("host: not set and the hostname is unknown (%v): set host", err)
		}
		c.Host = h
	}
	if c.Remote == "" {
		c.Remote = filepath.Join(c.StateDir, "remote")
	}
	if c.SigningKey == "" {
		c.SigningKey = DefaultSigningKey(c.Identity)
	}
	for i := range c.Subvolumes {
		c.tieredIgnores(&c.Subvolumes[i])
		subvolumeDefaults(&c.Subvolumes[i])
	}
	return c.validate()
}

// DefaultSigningKey is where the signing key lives unless signing_key says
// otherwise: signing.key beside the identity file.
func DefaultSigningKey(identity string) string {
	if identity == "" {
		identity = DefaultIdentityPath
	}
	return filepath.Join(filepath.Dir(identity), "signing.key")
}
