package main

import (
	"crypto/ed25519"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/crypto"
)

// Backups pushed before signing existed are endorsed by the host's first
// signed push (made by the upgraded binary, which makes its key itself) (its expected list names their record hashes), so the chain
// goes on without a new full. Until then they are listed as unsigned and
// restored only with --trust-unsigned --snapshot NAME.
func TestTrustFirstFormatEndorsed(t *testing.T) {
	m := newMachine(t)
	m.config = m.customConfig("trust.yaml", []string{m.recipient()}, m.identity)
	m.grow(0)
	m.run(0, "push")
	first := m.newestSnapshotDir()
	m.unsign(m.remoteDir(), first) // as the first format stored it

	listed, _ := m.run(0, "list", "home")
	requireSays(t, "list", listed, "UNTRUSTED "+first, "unsigned")
	target := btrfstest.NewFS(t, 1<<30, "")
	_, stderr := m.run(2, "restore", "--to", target, "home")
	requireSays(t, "restore of the newest", stderr, "no trusted backups")
	_, stderr = m.run(2, "restore", "--to", target, "--trust-unsigned", "home")
	requireSays(t, "--trust-unsigned without --snapshot", stderr, "needs --snapshot")
	stdout, _ := m.run(0, "restore", "--to", target, "--trust-unsigned", "--snapshot", first)
	requireSays(t, "restore --trust-unsigned", stdout, "restored "+first)
	m.requireIdentical(filepath.Join(m.fs, "snapshots", first), filepath.Join(target, first))

	// The upgrade: a host with its identity and no signing key yet.
	must(t, os.Remove(filepath.Join(m.dir, "signing.key")))
	must(t, os.Remove(filepath.Join(m.dir, "signing.cert")))
	m.grow(1)
	m.run(0, "push")
	second := m.newestSnapshotDir()
	listed, _ = m.run(0, "list", "home")
	requireSays(t, "list after the first signed push", listed, "endorsed by "+second, "incremental")
	if strings.Contains(listed, "UNTRUSTED") {
		t.Errorf("the endorsed backup is still untrusted:\n%s", listed)
	}
	into := filepath.Join(target, "after")
	must(t, os.Mkdir(into, 0o700))
	stdout, _ = m.run(0, "restore", "--to", into, "home")
	requireSays(t, "restore of the newest", stdout, "restored "+second)
	m.requireIdentical(filepath.Join(m.fs, "snapshots", second), filepath.Join(into, second))
	_, stderr = m.run(2, "restore", "--to", into, "--trust-unsigned", "--snapshot", first)
	requireSays(t, "--trust-unsigned with nothing unsigned", stderr, "no unsigned backups")

	// An attacker plants an unsigned backup dated after the first signed
	// one: no host of this fleet wrote it, and vouching cannot make it so.
	planted := attacker{t: t, m: m, remoteDir: m.remoteDir()}.plant(time.Now().Add(time.Hour))
	plantedInto := filepath.Join(target, "planted")
	must(t, os.Mkdir(plantedInto, 0o700))
	_, stderr = m.run(2, "restore", "--to", plantedInto, "--trust-unsigned", "--snapshot", planted)
	requireSays(t, "--trust-unsigned of a plant newer than the first signed backup", stderr, planted, "did not write this one")
	requireNotRestored(t, plantedInto)
}

// A laptop is stolen: its host gets a new key, certified with --revoke of
// the old one from the day of the theft. What the thief signs with the old
// key afterwards is refused; what the old key signed before stays trusted.
func TestTrustRevokedKey(t *testing.T) {
	m := newMachine(t)
	m.config = m.customConfig("trust.yaml", []string{m.recipient()}, m.identity)
	m.grow(0)
	m.run(0, "push")
	before := m.newestSnapshotDir()
	// The revocation must fall after before+1s, the forged record's time
	// below, and the next push after it: snapshot names have seconds, and
	// a push can take well under one.
	waitUntil(mustSnapshotTime(t, before).Add(2 * time.Second))
	oldKey := filepath.Join(m.dir, "signing.key")
	thief := stolenSigner(t, oldKey, "testhost")

	newKey := filepath.Join(m.dir, "new", "signing.key")
	stdout, _ := m.run(0, "keygen", "--signing-only", "-o", newKey)
	pub := regexp.MustCompile(`ed25519:[A-Za-z0-9+/=]{44}`).FindString(stdout)
	m.run(0, "certify", "--host", "testhost", pub, "--revoke", crypto.FormatPublicKey(thief.Public()),
		"--revoke-from", time.Now().UTC().Format(time.RFC3339), "-o", crypto.CertificatePath(newKey))
	writeFile(t, m.config, readFile(t, m.config)+"signing_key: "+newKey+"\n")
	m.grow(1)
	m.run(0, "push")
	after := m.newestSnapshotDir()

	forged := attacker{t: t, m: m, remoteDir: m.remoteDir(), signer: thief}.plant(time.Now().Add(time.Hour))
	// Backdated to before the revocation: not named by the new key's push.
	backdated := attacker{t: t, m: m, remoteDir: m.remoteDir(), signer: thief}.plant(mustSnapshotTime(t, before).Add(time.Second))
	fresh := m.freshConfig("fresh", m.remoteDir(), m.identity)
	listed, _ := m.runWith(fresh, 0, "list", "home")
	requireSays(t, "list", listed, "UNTRUSTED "+forged, "revoked from", "UNTRUSTED "+backdated, "does not name it", before+" ", after+" ")
	target := btrfstest.NewFS(t, 1<<30, "")
	stdout, stderr := m.runWith(fresh, 0, "restore", "--to", target, "home")
	requireSays(t, "restore", stdout, "restored "+after)
	requireSays(t, "restore's warnings", stderr, "skipped "+forged, "revoked")
	requireNotRestored(t, target)
}

// A push-only host of a fleet has no identity: it makes its key, push
// refuses with the one command that certifies it, the identity holder
// runs that command on their machine, and the next push signs.
func TestTrustPushOnlyHost(t *testing.T) {
	m := newMachine(t)
	holder := m.customConfig("holder.yaml", []string{m.recipient()}, m.identity)
	key := filepath.Join(m.dir, "pushonly", "signing.key")
	m.config = m.customConfig("pushonly.yaml", []string{m.recipient()}, filepath.Join(m.dir, "no-identity.txt"))
	writeFile(t, m.config, readFile(t, m.config)+"signing_key: "+key+"\n")
	m.grow(0)

	refuse := func(want ...string) {
		t.Helper()
		before := snapshotCount(t, m.fs)
		_, stderr := m.run(2, "push")
		requireSays(t, "push", stderr, want...)
		if lines := strings.Count(strings.TrimSpace(stderr), "\n") + 1; lines != 1 {
			t.Errorf("want one line on stderr, got %d:\n%s", lines, stderr)
		}
		if snapshotCount(t, m.fs) != before {
			t.Error("a refused push took a snapshot")
		}
	}
	refuse("signing key "+key+" does not exist", "argo-backup keygen --signing-only")
	stdout, _ := m.run(0, "keygen", "--signing-only")
	command := regexp.MustCompile(`argo-backup certify --host testhost ed25519:\S+`).FindString(stdout)
	if command == "" {
		t.Fatalf("keygen --signing-only does not print the certify command:\n%s", stdout)
	}
	must(t, os.Chmod(key, 0o644))
	refuse("readable by group or others", "chmod 600")
	must(t, os.Chmod(key, 0o600))
	refuse("is not certified for host testhost", command)

	m.runWith(holder, 0, strings.Fields(command)[1:]...)
	m.run(0, "push")
	listed, _ := m.runWith(m.freshConfig("fresh", m.remoteDir(), m.identity), 0, "list", "home")
	requireSays(t, "list", listed, m.newestSnapshotDir()+" ", "signed")
}

// An ssh-ed25519 key works as the identity: it certifies the host's key,
// and a fresh machine with only that ssh key trusts what was pushed.
func TestTrustSSHIdentity(t *testing.T) {
	m := newMachine(t)
	sshKey := filepath.Join(m.dir, "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", sshKey).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	pub := strings.TrimSpace(readFile(t, sshKey+".pub"))
	m.config = m.customConfig("ssh.yaml", []string{pub}, sshKey)
	writeFile(t, m.config, readFile(t, m.config)+"signing_key: "+filepath.Join(m.dir, "ssh", "signing.key")+"\n")
	stdout, _ := m.run(0, "keygen", "--signing-only")
	requireSays(t, "keygen --signing-only", stdout, "certified for host testhost")
	m.grow(0)
	m.run(0, "push")
	snapshot := m.newestSnapshotDir()
	fresh := m.freshConfig("fresh", m.remoteDir(), sshKey)
	listed, _ := m.runWith(fresh, 0, "list", "home")
	requireSays(t, "list", listed, snapshot+" ", "signed")
	target := btrfstest.NewFS(t, 1<<30, "")
	m.runWith(fresh, 0, "restore", "--to", target, "home")
	m.requireIdentical(filepath.Join(m.fs, "snapshots", snapshot), filepath.Join(target, snapshot))
}

// doctor --identity proves a copy of the identity (the paper line here)
// verifies and decrypts the newest backup, and warns when a cloned machine
// got certified with the key of another host.
func TestTrustDoctorIdentity(t *testing.T) {
	m := newMachine(t)
	m.grow(0)
	m.run(0, "push")
	newest := m.newestSnapshotDir()
	paper := filepath.Join(m.dir, "paper.txt")
	for _, line := range strings.Split(readFile(t, m.identity), "\n") {
		if strings.HasPrefix(line, "AGE-SECRET-KEY-1") {
			must(t, os.WriteFile(paper, []byte(line+"\n"), 0o600))
		}
	}
	stdout, _ := m.run(0, "doctor", "--identity", paper)
	requireSays(t, "doctor", stdout, "OK    identity "+paper+" verifies and decrypts "+newest, "OK    signing key")

	key, err := crypto.LoadSigningKey(filepath.Join(m.dir, "signing.key"))
	must(t, err)
	m.run(0, "certify", "--host", "clone", crypto.FormatPublicKey(key.Public().(ed25519.PublicKey)))
	stdout, _ = m.run(0, "doctor", "--identity", paper)
	requireSays(t, "doctor", stdout, "WARN  hosts clone, testhost are certified for one signing key")

	other := filepath.Join(m.dir, "other.txt")
	m.runWith("", 0, "keygen", "-o", other)
	stdout, _ = m.run(1, "doctor", "--identity", other)
	requireSays(t, "doctor with another identity", stdout, "FAIL", other)
}

func TestHowOld(t *testing.T) {
	for d, want := range map[time.Duration]string{
		10 * time.Second:    "under a minute",
		time.Minute:         "1 minute",
		59 * time.Minute:    "59 minutes",
		time.Hour:           "1 hour",
		47 * time.Hour:      "47 hours",
		48 * time.Hour:      "2 days",
		30 * 24 * time.Hour: "30 days",
	} {
		if got := howOld(d); got != want {
			t.Errorf("howOld(%v) = %q, want %q", d, got, want)
		}
	}
}
