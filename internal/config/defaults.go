package config

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// defaults are the values of keys the config file leaves out.
func defaultConfig() map[string]any {
	return map[string]any{
		"host":                 "",
		"remote":               "",
		"rclone_config":        "",
		"recipients":           []string{},
		"recipients_file":      "",
		"identity":             DefaultIdentityPath,
		"state_dir":            DefaultStateDir,
		"compression_level":    3,
		"part_size":            "32MiB",
		"send_compressed_data": true,
		"on_failure":           "",
		"metrics_file":         "",
		"parallel":             2,
		"transfers":            DefaultTransfers,
		"bwlimit":              "",
		"verify.schedule":      "@weekly",
		"prune.schedule":       "@daily",
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
	if sv.FullEvery == 0 {
		sv.FullEvery = 720 * time.Hour
	}
	if sv.MaxChain == 0 {
		sv.MaxChain = 30
	}
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
	for i := range c.Subvolumes {
		subvolumeDefaults(&c.Subvolumes[i])
	}
	return c.validate()
}
