package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/crypto"
)

// A backup encrypted to several recipients (the machine's key, an offline
// recovery key and an ssh-ed25519 key) restores with each identity alone,
// once each identity has certified the host's signing key (the machine's
// own identity does so by itself).
func TestSeveralRecipients(t *testing.T) {
	m := newMachine(t)
	recovery := filepath.Join(m.dir, "recovery.txt")
	m.runWith("", 0, "keygen", "-o", recovery)
	sshKey, sshPub := sshEd25519Key(t, m.dir)
	machineKey := m.recipient()
	m.config = m.customConfig("recipients.yaml",
		[]string{machineKey, m.recipientOf(recovery), sshPub}, m.identity)
	key, err := crypto.LoadSigningKey(filepath.Join(m.dir, "signing.key"))
	if err != nil {
		t.Fatal(err)
	}
	for _, identity := range []string{recovery, sshKey} {
		m.run(0, "certify", "--identity", identity, "--host", "testhost", crypto.FormatPublicKey(key.Public().(ed25519.PublicKey)))
	}
	m.grow(0)
	m.run(0, "push")
	snapshot := m.requireCommittedWhole()[0].Snapshot

	target := btrfstest.NewFS(t, 1<<30, "")
	for name, identity := range map[string]string{"machine": m.identity, "recovery": recovery, "ssh": sshKey} {
		t.Run(name, func(sub *testing.T) {
			m.t = sub
			defer func() { m.t = t }()
			into := filepath.Join(target, name)
			if err := os.Mkdir(into, 0o700); err != nil {
				sub.Fatal(err)
			}
			m.run(0, "restore", "--identity", identity, "--to", into, "home")
			m.requireIdentical(filepath.Join(m.fs, "snapshots", snapshot), filepath.Join(into, snapshot))
		})
	}
}

// sshEd25519Key writes a new unencrypted OpenSSH ed25519 private key
// (mode 0600) into dir and returns its path and its authorized_keys line.
func sshEd25519Key(t *testing.T, dir string) (path, pub string) {
	t.Helper()
	pk, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(sk, "recovery@example")
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pk)
	if err != nil {
		t.Fatal(err)
	}
	return path, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub)))
}
