package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/internal/config"
)

// The wizard, answered as a new user would (Enter for the proposals, no
// to one subvolume, a directory as remote), writes a config that works:
// doctor passes and the first push commits.
func TestInitWizard(t *testing.T) {
	m := newMachine(t)
	dir := t.TempDir()
	var out bytes.Buffer
	g := &globals{configPath: filepath.Join(dir, "config.yaml"), stdout: &out, stderr: &out}
	proposals := []proposal{
		{Name: "home", Path: m.home, Subvol: "/@home"},
		{Name: "scratch", Path: m.fs, Subvol: "/"},
	}
	answers := strings.Join([]string{
		"",                                 // back up home? yes
		"n",                                // back up scratch? no
		filepath.Join(dir, "identity.txt"), // identity file
		filepath.Join(dir, "remote"),       // remote
	}, "\n") + "\n"
	f := initFlags{identity: config.DefaultIdentityPath, stateDir: filepath.Join(dir, "state")}
	if err := runWizard(context.Background(), g, f, bufio.NewReader(strings.NewReader(answers)), proposals); err != nil {
		t.Fatalf("wizard: %v\n%s", err, out.String())
	}
	// doctor never creates a local remote: the first push does.
	for _, want := range []string{"Keep a copy elsewhere", "the first push creates it", "All set"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the wizard did not say %q:\n%s", want, out.String())
		}
	}
	fi, err := os.Stat(filepath.Join(dir, "identity.txt"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("identity: %v, mode %v", err, fi.Mode())
	}
	cfg, err := config.Load(g.configPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Subvolumes) != 1 || cfg.Subvolumes[0].Name != "home" {
		t.Fatalf("subvolumes %+v, want only home", cfg.Subvolumes)
	}
	m.runWith(g.configPath, 0, "push")
}

// An answer the config could not use is asked again, and after three
// tries nothing is written: no identity in the working directory, no config.
func TestInitWizardRefusesRelativePaths(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	var out bytes.Buffer
	g := &globals{configPath: filepath.Join(dir, "config.yaml"), stdout: &out, stderr: &out}
	answers := "n\nn\nn\n"
	f := initFlags{identity: config.DefaultIdentityPath, stateDir: filepath.Join(dir, "state"), subvolumes: []string{"home=/home"}}
	err := runWizard(context.Background(), g, f, bufio.NewReader(strings.NewReader(answers)), nil)
	if err == nil || !strings.Contains(err.Error(), "absolute path") {
		t.Fatalf("wizard with a relative identity path: %v, want a refusal", err)
	}
	for _, name := range []string{"n", "config.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s was written", name)
		}
	}
}

// Each proposal is taken under its name (Enter, y), left out (n) or
// renamed (a name); a name the config would refuse is asked again.
func TestInitWizardRenamesSubvolumes(t *testing.T) {
	proposals := []proposal{
		{Name: "root", Path: "/", Subvol: "/@"},
		{Name: "home", Path: "/home", Subvol: "/@home"},
		{Name: "var-log", Path: "/var/log", Subvol: "/@var-log"},
		{Name: "data", Path: "/data", Subvol: "/"},
	}
	var out bytes.Buffer
	w := newWizard(context.Background(), bufio.NewReader(strings.NewReader("\nn\nbad/name\nlogs\ny\n")), &out)
	got, err := w.pickSubvolumes(proposals, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"root=/", "logs=/var/log", "data=/data"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("picked %v, want %v", got, want)
	}
	if !strings.Contains(out.String(), `"bad/name": answer y, n, or a name`) {
		t.Errorf("a bad name was not explained:\n%s", out.String())
	}
}

// A subvolume snapper already snapshots is offered snapper_config; the
// config is written with mode 0600 and a local remote is called not
// off-site.
func TestInitWizardOffersSnapperConfig(t *testing.T) {
	dir := t.TempDir()
	old := snapperConfigsDir
	snapperConfigsDir = filepath.Join(dir, "snapper")
	t.Cleanup(func() { snapperConfigsDir = old })
	must(t, os.MkdirAll(snapperConfigsDir, 0o755))
	must(t, os.WriteFile(filepath.Join(snapperConfigsDir, "home"), []byte("SUBVOLUME=\"/home\"\nFSTYPE=\"btrfs\"\n"), 0o644))

	var out bytes.Buffer
	g := &globals{configPath: filepath.Join(dir, "config.yaml"), stdout: &out, stderr: &out}
	f := initFlags{identity: config.DefaultIdentityPath, stateDir: filepath.Join(dir, "state"), subvolumes: []string{"home=/home", "data=/data"}}
	answers := "\n" + filepath.Join(dir, "identity.txt") + "\n" + filepath.Join(dir, "remote") + "\n"
	if err := runWizard(context.Background(), g, f, bufio.NewReader(strings.NewReader(answers)), nil); err != nil {
		t.Fatalf("wizard: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "snapper (config home) already snapshots /home") || !strings.Contains(out.String(), "not off-site") {
		t.Errorf("the wizard did not offer snapper_config or warn about the local remote:\n%s", out.String())
	}
	cfg, err := config.Load(g.configPath)
	must(t, err)
	if cfg.Subvolumes[0].SnapperConfig != "home" || cfg.Subvolumes[1].SnapperConfig != "" {
		t.Errorf("snapper_config: %q and %q, want home and none", cfg.Subvolumes[0].SnapperConfig, cfg.Subvolumes[1].SnapperConfig)
	}
	if fi, err := os.Stat(g.configPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
}
