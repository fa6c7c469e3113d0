package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// doctor on a healthy machine says OK for every check that matters, and on
// a broken one names the broken thing with FAIL and exits 1.
func TestDoctor(t *testing.T) {
	m := newMachine(t)
	out, _ := m.run(0, "doctor")
	if !strings.Contains(out, "WARN  remote "+m.remoteDir()+" does not exist yet") {
		t.Errorf("doctor before the first push does not say the remote is not there yet:\n%s", out)
	}
	if _, err := os.Stat(m.remoteDir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("doctor created the local remote %s: %v", m.remoteDir(), err)
	}
	m.run(0, "push")
	out, _ = m.run(0, "doctor")
	for _, want := range []string{"OK    running as root", "OK    subvolume home", "same filesystem", "matches a recipient", "reachable and writable"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "FAIL") {
		t.Errorf("doctor fails a healthy machine:\n%s", out)
	}

	// The recipient in recipients_file instead of recipients: no false WARN.
	recipients := filepath.Join(m.dir, "recipients.txt")
	if err := os.WriteFile(recipients, []byte("# this machine\n"+m.recipient()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(readFile(t, m.config), fmt.Sprintf("recipients: [%q]", m.recipient()), "recipients_file: "+recipients, 1)
	fromFile := filepath.Join(m.dir, "recipients-file.yaml")
	writeFile(t, fromFile, cfg)
	out, _ = m.runWith(fromFile, 0, "doctor")
	if !strings.Contains(out, "OK    identity "+m.identity+" is private and matches a recipient") || strings.Contains(out, "WARN  identity") {
		t.Errorf("doctor with recipients_file says:\n%s", out)
	}

	// A machine that only pushes keeps no identity: a warning, not a failure.
	if err := os.Rename(m.identity, m.identity+".away"); err != nil {
		t.Fatal(err)
	}
	out, _ = m.run(0, "doctor")
	if !strings.Contains(out, "WARN  identity") {
		t.Errorf("doctor without an identity says:\n%s", out)
	}
	os.Rename(m.identity+".away", m.identity)

	plain := filepath.Join(m.fs, "plain")
	if err := os.Mkdir(plain, 0o755); err != nil {
		t.Fatal(err)
	}
	out, _ = m.runWith(m.writeConfig("broken.yaml", plain, ""), 1, "doctor")
	if !strings.Contains(out, "FAIL  subvolume home: "+plain) {
		t.Errorf("doctor does not name the broken subvolume:\n%s", out)
	}
}

// doctor checks snapper_config: the config exists, it manages this
// subvolume's path, and snapper has snapshots there.
func TestDoctorChecksSnapperConfig(t *testing.T) {
	m := newMachine(t)
	snapperConf := func(name, subvolume string) string {
		path := filepath.Join(m.dir, name)
		must(t, os.WriteFile(path, []byte("# snapper config\nFSTYPE=\"btrfs\"\nSUBVOLUME=\""+subvolume+"\"\n"), 0o644))
		return path
	}
	withSnapper := func(name, snapperConfig string) string {
		file := m.writeConfig(name, m.home, "")
		cfg, err := os.ReadFile(file)
		must(t, err)
		cfg = []byte(strings.Replace(string(cfg), "/snapshots}", "/snapshots, snapper_config: "+snapperConfig+"}", 1))
		must(t, os.WriteFile(file, cfg, 0o600))
		return file
	}
	home, other := snapperConf("snapper-home", m.home), snapperConf("snapper-root", m.fs)
	cases := []struct {
		name, snapperConfig string
		snapshots           bool
		exit                int
		want                string
	}{
		{"no such config", filepath.Join(m.dir, "snapper-typo"), false, 1, "FAIL  snapper_config"},
		{"another subvolume's config", other, false, 1, "manages " + m.fs + ", not path " + m.home},
		{"no snapshots yet", home, false, 1, "has no snapshots in " + m.home + "/.snapshots"},
		{"snapshots", home, true, 0, "OK    subvolume home: snapper_config " + home + ", 1 snapper snapshot(s)"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.snapshots {
				must(t, os.MkdirAll(filepath.Join(m.home, ".snapshots", "1"), 0o750))
				must(t, os.WriteFile(filepath.Join(m.home, ".snapshots", "1", "info.xml"), []byte("<snapshot/>"), 0o644))
			}
			m.t = t
			out, _ := m.runWith(withSnapper(fmt.Sprintf("snapper%d.yaml", i), c.snapperConfig), c.exit, "doctor")
			if !strings.Contains(out, c.want) {
				t.Errorf("doctor says:\n%s\nwant %q", out, c.want)
			}
		})
	}
	m.t = t
}
