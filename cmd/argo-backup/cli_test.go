package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

// machine is a host with a btrfs, a config and an identity, driven through
// the CLI exactly as a user would.
type machine struct {
	t        *testing.T
	dir      string // scratch: config, identity, state, remote
	fs       string // a btrfs
	home     string // a subvolume on it
	identity string
	config   string
}

func newMachine(t *testing.T) *machine {
	t.Helper()
	btrfstest.RequireRoot(t)
	btrfstest.NoLeftovers(t)
	m := &machine{t: t, dir: t.TempDir()}
	m.fs = btrfstest.NewFS(t, 1<<30, "noatime")
	m.home = btrfstest.Subvolume(t, m.fs, "@home")
	if err := os.WriteFile(filepath.Join(m.home, "file.txt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	m.identity = filepath.Join(m.dir, "identity.txt")
	m.run(0, "keygen", "-o", m.identity, "--host", "testhost")
	m.config = m.writeConfig("config.yaml", m.home, "")
	return m
}

// writeConfig writes a config backing up path; extra is appended YAML.
func (m *machine) writeConfig(name, path, extra string) string {
	return m.writeConfigRemote(name, path, m.dir+"/remote", extra)
}

func (m *machine) writeConfigRemote(name, path, remote, extra string) string {
	m.t.Helper()
	ids, err := os.ReadFile(m.identity)
	if err != nil {
		m.t.Fatal(err)
	}
	id, err := age.ParseIdentities(bytes.NewReader(ids))
	if err != nil {
		m.t.Fatal(err)
	}
	recipient := id[0].(*age.X25519Identity).Recipient().String()
	cfg := fmt.Sprintf(`host: testhost
remote: %s
recipients: [%q]
identity: %s
state_dir: %s/state
part_size: 1MiB
subvolumes:
  - {name: home, path: %s, snapshot_dir: %s/snapshots}
%s`, remote, recipient, m.identity, m.dir, path, m.fs, extra)
	file := filepath.Join(m.dir, name)
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		m.t.Fatal(err)
	}
	return file
}

// run runs argo-backup with the machine's config and checks the exit status.
func (m *machine) run(want int, args ...string) (stdout, stderr string) {
	m.t.Helper()
	return m.runWith(m.config, want, args...)
}

func (m *machine) runWith(config string, want int, args ...string) (stdout, stderr string) {
	m.t.Helper()
	var out, errOut bytes.Buffer
	if config != "" {
		args = append([]string{"--config", config}, args...)
	}
	got := execute(context.Background(), args, &out, &errOut)
	if got != want {
		m.t.Fatalf("argo-backup %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), got, want, out.String(), errOut.String())
	}
	return out.String(), errOut.String()
}

// Bad input on a real machine: one clear line, exit 2, nothing created.
func TestBadInput(t *testing.T) {
	m := newMachine(t)
	m.run(0, "push")
	plainDir := filepath.Join(m.fs, "plain-dir")
	if err := os.Mkdir(plainDir, 0o755); err != nil {
		t.Fatal(err)
	}
	notBtrfs := t.TempDir()
	target := btrfstest.NewFS(t, 1<<30, "")
	m.run(0, "restore", "--to", target, "home")
	restored, err := os.ReadDir(target)
	if err != nil || len(restored) != 1 {
		t.Fatalf("restore made %v (%v), want one snapshot", restored, err)
	}
	// A directory that has the restored snapshot's name but is not it.
	clash := filepath.Join(target, "clash")
	if err := os.MkdirAll(filepath.Join(clash, restored[0].Name()), 0o755); err != nil {
		t.Fatal(err)
	}

	looseIdentity := filepath.Join(m.dir, "loose.txt")
	data, _ := os.ReadFile(m.identity)
	os.WriteFile(looseIdentity, data, 0o644)
	os.Chmod(looseIdentity, 0o644)
	otherIdentity := filepath.Join(m.dir, "other.txt")
	m.runWith("", 0, "keygen", "-o", otherIdentity)

	cases := []struct {
		name   string
		config string
		args   []string
		want   string
	}{
		{"path not a subvolume", m.writeConfig("plain.yaml", plainDir, ""), []string{"push"}, "is not a btrfs subvolume"},
		{"path not on btrfs", m.writeConfig("tmp.yaml", notBtrfs, ""), []string{"push"}, "is not on btrfs"},
		{"unknown rclone remote", m.unknownRemoteConfig(), []string{"push"}, `unknown rclone remote "nosuch"`},
		{"restore target missing", m.config, []string{"restore", "--to", filepath.Join(notBtrfs, "nosuch"), "home"}, "does not exist"},
		{"--writable of a native restore", m.config, []string{"restore", "--to", tmpfsDir(t), "--writable", "@home", "home"}, "already a writable directory"},
		{"restore target exists", m.config, []string{"restore", "--to", clash, "home"}, "already exists"},
		{"unknown snapshot", m.config, []string{"restore", "--to", target, "--snapshot", "home.19990101T000000Z"}, "home.19990101T000000Z"},
		{"identity readable by others", m.config, []string{"list", "--identity", looseIdentity}, "readable by group or others"},
		{"wrong identity", m.config, []string{"list", "--identity", otherIdentity}, "no identity matches"},
		{"no restore target", m.config, []string{"restore", "home"}, "restore needs --to DIR"},
		{"--snapshot and --at", m.config, []string{"restore", "--to", target, "--snapshot", "x", "--at", "2026-01-01"}, "not both"},
		{"bad --at", m.config, []string{"restore", "--to", target, "--at", "yesterday"}, "is not a time"},
		{"--transfers 0", m.config, []string{"push", "--transfers", "0"}, "--transfers 0: must be between 1 and 64"},
		{"--transfers 65", m.config, []string{"restore", "--to", target, "--transfers", "65", "home"}, "--transfers 65"},
		{"bad --bwlimit", m.config, []string{"verify", "--quick", "--bwlimit", "10X"}, `--bwlimit: "10X" is not a bandwidth limit rclone accepts`},
		{"overlapping --bwlimit", m.config, []string{"push", "--bwlimit", "08:00,1M 08:00,2M"}, "overlapping times"},
		{"bad bwlimit in config", m.writeConfig("bw.yaml", m.home, "bwlimit: fast\n"), []string{"push"}, `bwlimit: "fast"`},
		{"transfers 0 in config", m.writeConfig("tr.yaml", m.home, "transfers: 0\n"), []string{"push"}, "transfers 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := snapshotCount(t, m.fs)
			_, stderr := m.runWith(c.config, 2, c.args...)
			if lines := strings.Count(strings.TrimSpace(stderr), "\n") + 1; lines != 1 {
				t.Errorf("want one line on stderr, got %d:\n%s", lines, stderr)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr %q does not say %q", stderr, c.want)
			}
			if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
				t.Errorf("stack trace reached the user: %s", stderr)
			}
			if after := snapshotCount(t, m.fs); after != before {
				t.Errorf("a failed command changed the snapshots: %d before, %d after", before, after)
			}
		})
	}
}

func snapshotCount(t *testing.T, fs string) int {
	entries, err := os.ReadDir(filepath.Join(fs, "snapshots"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return len(entries)
}

func (m *machine) unknownRemoteConfig() string {
	conf := filepath.Join(m.dir, "rclone.conf")
	if err := os.WriteFile(conf, []byte("[gdrive]\ntype = drive\n"), 0o600); err != nil {
		m.t.Fatal(err)
	}
	return m.writeConfigRemote("rc.yaml", m.home, "nosuch:backups", "rclone_config: "+conf+"\n")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}
