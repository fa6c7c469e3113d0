package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/crypto/cryptotest"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// recordPayload is the canonical record inside a stored record object: the
// payload of its signature envelope, or the object itself when unsigned.
func recordPayload(t testing.TB, plain []byte) []byte {
	t.Helper()
	if !crypto.IsSigned(plain) {
		return plain
	}
	s, err := crypto.DecodeSigned(plain)
	if err != nil {
		t.Fatal(err)
	}
	return s.Payload
}

// forkRemote copies the machine's remote, so that each attack works on its
// own copy of the same genuine backups.
func (m *machine) forkRemote(name string) string {
	m.t.Helper()
	dir := filepath.Join(m.dir, "fork-"+name)
	if out, err := exec.Command("cp", "-a", m.remoteDir(), dir).CombinedOutput(); err != nil {
		m.t.Fatalf("copy remote: %v: %s", err, out)
	}
	return dir
}

// freshConfig is the config of a fresh machine (empty state_dir) reading
// remoteDir with identity: what disaster day looks like.
func (m *machine) freshConfig(name, remoteDir, identity string) string {
	m.t.Helper()
	cfg := "host: testhost\nremote: " + remoteDir + "\nidentity: " + identity +
		"\nstate_dir: " + filepath.Join(m.dir, "state-"+name) + "\npart_size: 1MiB\n"
	file := filepath.Join(m.dir, name+".yaml")
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		m.t.Fatal(err)
	}
	return file
}

// attacker has write access to a remote and the public recipient, no
// identity: everything in a pushing host's config. With signer set it also
// signs (with a key of its own, or one stolen from a host).
type attacker struct {
	t         *testing.T
	m         *machine
	remoteDir string
	host      string
	signer    *crypto.Signer
	subvol    string // the backup's subvolume name; "" is home
}

var plants int // numbers the attacker's subvolumes

// plant pushes a complete, well-formed backup of a subvolume of the
// attacker's own, holding planted.txt, as a backup taken at at.
func (a attacker) plant(at time.Time) string {
	t := a.t
	t.Helper()
	ctx := context.Background()
	rs, err := crypto.ParseRecipients([]string{a.m.recipient()})
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := crypto.NewSealer(rs, 3)
	if err != nil {
		t.Fatal(err)
	}
	st, err := remote.Open(ctx, a.remoteDir, remote.Options{})
	if err != nil {
		t.Fatal(err)
	}
	plants++
	name := fmt.Sprintf("evil-%d", plants)
	src := btrfstest.Subvolume(t, a.m.fs, name)
	if err := os.WriteFile(filepath.Join(src, "planted.txt"), []byte("attacker was here\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	subvol := a.subvol
	if subvol == "" {
		subvol = "home"
	}
	host := a.host
	if host == "" {
		host = "testhost"
	}
	p := &backup.Pusher{Host: host, Store: st, Sealer: sealer, Recipients: rs, Signer: a.signer,
		State: backup.State{Dir: t.TempDir()}, PartSize: 1 << 20, CompressionLevel: 3,
		Now: func() time.Time { return at }}
	sv := backup.Subvolume{Name: subvol, Path: src, SnapshotDir: filepath.Join(a.m.fs, name+"-snapshots"),
		Parents: manifest.ParentPolicy{Mode: "chain"}, KeepLocal: 10}
	rec, err := p.Push(ctx, sv, true)
	if err != nil {
		t.Fatalf("attacker's push: %v", err)
	}
	return rec.Snapshot
}

// ownSigner is a signer certified for host by an identity of the
// attacker's own making.
func ownSigner(t *testing.T, host string) *crypto.Signer {
	t.Helper()
	id, _ := cryptotest.Keys(t)
	return cryptotest.Signer(t, id, host)
}

// stolenSigner loads a host's signing key and certificate from its files.
func stolenSigner(t *testing.T, keyPath, host string) *crypto.Signer {
	t.Helper()
	key, err := crypto.LoadSigningKey(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	certs, err := crypto.ReadCertificates(crypto.CertificatePath(keyPath))
	if err != nil {
		t.Fatal(err)
	}
	s, err := crypto.NewSigner(key, certs, host)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// unsign rewrites a stored record as the first format wrote it: the bare
// canonical record, encrypted, no signature.
func (m *machine) unsign(remoteDir, snapshot string) {
	m.t.Helper()
	name := filepath.Join(remoteDir, remote.RecordName("testhost", "home", snapshot))
	sealed, err := os.ReadFile(name)
	if err != nil {
		m.t.Fatal(err)
	}
	plain, err := crypto.Decrypt(m.identities(m.identity), sealed)
	if err != nil {
		m.t.Fatal(err)
	}
	rs, _ := crypto.ParseRecipients([]string{m.recipient()})
	bare, err := crypto.Encrypt(rs, recordPayload(m.t, plain))
	if err != nil {
		m.t.Fatal(err)
	}
	if err := os.WriteFile(name, bare, 0o644); err != nil {
		m.t.Fatal(err)
	}
}

// requireSays fails unless out holds every one of wants.
func requireSays(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s does not say %q:\n%s", what, w, out)
		}
	}
}

// requireNotRestored fails if the attacker's planted file reached target.
func requireNotRestored(t *testing.T, target string) {
	t.Helper()
	_ = filepath.WalkDir(target, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "planted.txt" {
			t.Errorf("the attacker's file was restored: %s", path)
		}
		return nil
	})
}
