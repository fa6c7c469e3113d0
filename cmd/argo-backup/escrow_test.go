package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/remote"
)

// passphraseFile writes pass to a private file and makes it the one
// argo-backup reads its passphrase from.
func passphraseFile(t *testing.T, pass string, mode os.FileMode) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "passphrase")
	if err := os.WriteFile(file, []byte(pass+"\n"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, mode); err != nil {
		t.Fatal(err)
	}
	t.Setenv(PassphraseFileEnv, file)
	return file
}

// After a house fire, the passphrase and the remote are enough: keygen
// --escrow stores the identity on the remote, and restore --escrow and
// list --escrow use it with no identity file on the machine.
func TestEscrowRoundTrip(t *testing.T) {
	m := newMachine(t)
	m.config = m.customConfig("escrow.yaml", []string{m.recipient()}, m.identity)
	m.grow(0)
	m.run(0, "push")
	snapshot := m.requireCommittedWhole()[0].Snapshot
	secret, err := os.ReadFile(m.identity)
	if err != nil {
		t.Fatal(err)
	}

	passphraseFile(t, "short", 0o600)
	if _, stderr := m.run(2, "keygen", "--escrow"); !strings.Contains(stderr, "shorter than") {
		t.Errorf("a short passphrase should be refused, got %q", stderr)
	}
	const pass = "correct horse battery staple"
	passphraseFile(t, pass, 0o600)
	stdout, _ := m.run(0, "keygen", "--escrow")
	if !strings.Contains(stdout, "escrowed") {
		t.Errorf("keygen --escrow did not say it escrowed: %s", stdout)
	}
	escrowed, err := os.ReadFile(filepath.Join(m.remoteDir(), remote.EscrowName("testhost")))
	if err != nil {
		t.Fatalf("no escrowed identity on the remote: %v", err)
	}
	if strings.Contains(string(escrowed), "AGE-SECRET-KEY") {
		t.Fatal("the escrowed identity is stored in the clear")
	}
	_, stderr := m.run(2, "keygen", "--escrow")
	if !strings.Contains(stderr, "already escrowed") {
		t.Errorf("a second escrow should be refused, got %q", stderr)
	}

	// The disaster: the identity file is gone.
	if err := os.Rename(m.identity, m.identity+".lost"); err != nil {
		t.Fatal(err)
	}
	listed, _ := m.run(0, "list", "--escrow")
	if !strings.Contains(listed, snapshot) {
		t.Errorf("list --escrow does not show %s:\n%s", snapshot, listed)
	}
	verified, _ := m.run(0, "verify", "--quick", "--escrow")
	if !strings.Contains(verified, "ok "+snapshot) {
		t.Errorf("verify --quick --escrow does not show %s verified:\n%s", snapshot, verified)
	}
	target := btrfstest.NewFS(t, 1<<30, "")
	_, stderr = m.run(0, "restore", "--escrow", "--to", target, "home")
	m.requireIdentical(filepath.Join(m.fs, "snapshots", snapshot), filepath.Join(target, snapshot))
	for _, leak := range []string{pass, strings.TrimSpace(string(secret))} {
		if strings.Contains(stderr+stdout+listed, leak) {
			t.Errorf("a secret reached the output")
		}
	}

	cases := []struct {
		name string
		mode os.FileMode
		pass string
		args []string
		want string
	}{
		{"wrong passphrase", 0o600, "not the passphrase", []string{"restore", "--escrow", "--to", target, "home"}, "wrong passphrase"},
		{"passphrase file readable by others", 0o644, pass, []string{"list", "--escrow"}, "readable by group or others"},
		{"escrow and identity", 0o600, pass, []string{"list", "--escrow", "--identity", m.identity + ".lost"}, "not both"},
		{"no escrow for host", 0o600, pass, []string{"list", "--escrow", "--host", "desktop"}, `no escrowed identity of host "desktop"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			passphraseFile(t, c.pass, c.mode)
			_, stderr := m.run(2, c.args...)
			if lines := strings.Count(strings.TrimSpace(stderr), "\n") + 1; lines != 1 {
				t.Errorf("want one line on stderr, got %d:\n%s", lines, stderr)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr %q does not say %q", stderr, c.want)
			}
		})
	}
}
