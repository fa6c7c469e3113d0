package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/internal/config"
	"github.com/argo-backup/argo-backup/manifest"
)

// init --non-interactive writes the starter config docs/cli.md describes
// (the values below are the doc's, written out), a push with it commits,
// and a second init never overwrites it.
func TestInitNonInteractive(t *testing.T) {
	m := newMachine(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	runCLI(t, path, 0, "init", "--non-interactive", "--recipient", m.recipient(),
		"--remote", filepath.Join(dir, "remote"), "--subvolume", "home="+m.home,
		"--identity", m.identity, "--state-dir", filepath.Join(dir, "state"))
	cfg, err := config.Load(path)
	must(t, err)
	if cfg.Remote != filepath.Join(dir, "remote") || cfg.Identity != m.identity || cfg.StateDir != filepath.Join(dir, "state") ||
		len(cfg.Recipients) != 1 || cfg.Recipients[0] != m.recipient() || len(cfg.Subvolumes) != 1 {
		t.Fatalf("init wrote %+v", cfg)
	}
	sv := cfg.Subvolumes[0]
	type starter struct { // the keys docs/cli.md names
		Name, Path, SnapshotDir, Schedule, Parents string
		Tiers                                      string
		KeepLocal                                  int
		Retention                                  manifest.Retention
	}
	got := starter{sv.Name, sv.Path, sv.SnapshotDir, sv.Schedule, sv.Parents, strings.Join(sv.Tiers, ","), sv.KeepLocal, sv.Retention}
	// The machine's btrfs has its top level mounted and no @snapshots: a
	// folder of the top level, never inside @home (TestProposedSnapshotDir).
	want := starter{"home", m.home, m.fs + "/argo-backup-snapshots", "@daily", "tiered", "quarter,month,week", 2,
		manifest.Retention{Last: 7, Daily: 14, Weekly: 8, Monthly: 12}}
	if got != want {
		t.Errorf("the starter subvolume is\n%+v\nwant (docs/cli.md)\n%+v", got, want)
	}
	if cfg.Verify.Schedule != "@daily" || cfg.Prune.Schedule != "@daily" {
		t.Errorf("starter verify %q, prune %q; want both @daily", cfg.Verify.Schedule, cfg.Prune.Schedule)
	}
	if out, _ := m.runWith(path, 0, "push"); !strings.Contains(out, "home: committed home.") {
		t.Errorf("push with the starter config says:\n%s", out)
	}
	before := readFile(t, path)
	if stderr := runCLI(t, path, 2, "init", "--non-interactive", "--recipient", m.recipient()); !strings.Contains(stderr, path) {
		t.Errorf("a second init says %q, want it to name the existing %s", stderr, path)
	}
	if readFile(t, path) != before {
		t.Error("a second init changed the config")
	}
}
