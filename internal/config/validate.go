package config

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/remote"
)

func (c *Config) validate() error {
	if err := remote.CheckName("host", c.Host); err != nil {
		return err
	}
	if c.CompressionLevel < 1 || c.CompressionLevel > 22 {
		return fmt.Errorf("compression_level %d: must be between 1 and 22 (3 is a good default)", c.CompressionLevel)
	}
	if c.PartSize < 1<<20 || c.PartSize > 4<<30 {
		return fmt.Errorf("part_size %s: must be between 1MiB and 4GiB (32MiB is a good default)", c.PartSize)
	}
	if err := ValidTransfers("transfers", c.Transfers); err != nil {
		return err
	}
	if _, err := ParseBwLimit("bwlimit", c.BwLimit); err != nil {
		return err
	}
	if c.Identity != "" && !filepath.IsAbs(c.Identity) {
		return fmt.Errorf("identity %q: must be an absolute path", c.Identity)
	}
	if !filepath.IsAbs(c.SigningKey) {
		return fmt.Errorf("signing_key %q: must be an absolute path", c.SigningKey)
	}
	if !filepath.IsAbs(c.StateDir) {
		return fmt.Errorf("state_dir %q: must be an absolute path", c.StateDir)
	}
	if err := c.validateTasks(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, sv := range c.Subvolumes {
		if err := sv.validate(i); err != nil {
			return err
		}
		if seen[sv.Name] {
			return fmt.Errorf("subvolumes: name %q is used twice: names must be unique", sv.Name)
		}
		seen[sv.Name] = true
	}
	return nil
}

func (sv *Subvolume) validate(i int) error {
	if sv.Name == "" {
		return fmt.Errorf("subvolumes[%d]: name is missing: give each subvolume a short name such as root or home", i)
	}
	if err := remote.CheckName(fmt.Sprintf("subvolumes[%d].name", i), sv.Name); err != nil {
		return err
	}
	if !filepath.IsAbs(sv.Path) {
		return fmt.Errorf("subvolume %s: path %q must be an absolute path", sv.Name, sv.Path)
	}
	if sv.SnapshotDir == "" {
		return fmt.Errorf("subvolume %s: snapshot_dir is missing: set it to a directory on the same btrfs, e.g. %s", sv.Name, filepath.Join(sv.Path, ".snapshots", "argo-backup"))
	}
	if !filepath.IsAbs(sv.SnapshotDir) {
		return fmt.Errorf("subvolume %s: snapshot_dir %q must be an absolute path", sv.Name, sv.SnapshotDir)
	}
	if len(sv.Tiers) > 0 && sv.Parents != "tiered" {
		return fmt.Errorf("subvolume %s: tiers apply to parents: tiered: set parents: tiered, or remove tiers", sv.Name)
	}
	if err := sv.parents().Validate(); err != nil {
		return fmt.Errorf("subvolume %s: %w", sv.Name, err)
	}
	if err := checkSchedule(sv.Schedule); err != nil {
		return fmt.Errorf("subvolume %s: %v", sv.Name, err)
	}
	if sv.KeepLocal < 0 {
		return fmt.Errorf("subvolume %s: keep_local %d is negative: keep at least 0 snapshots", sv.Name, sv.KeepLocal)
	}
	return nil
}

// Subvolume returns the subvolume with the given name.
func (c *Config) Subvolume(name string) (*Subvolume, error) {
	var names []string
	for i := range c.Subvolumes {
		if c.Subvolumes[i].Name == name {
			return &c.Subvolumes[i], nil
		}
		names = append(names, c.Subvolumes[i].Name)
	}
	return nil, errs.Userf("unknown subvolume %q: the config has %s", name, strings.Join(quoteAll(names), ", "))
}

func quoteAll(ss []string) []string {
	if len(ss) == 0 {
		return []string{"none"}
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
