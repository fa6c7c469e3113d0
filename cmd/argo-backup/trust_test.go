package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// Someone with write access to the remote and the public recipient (and in
// some cases a key of their own, or of another host) plants, replaces or
// relocates backups. list, verify and restore on a fresh machine, with only
// the identity, name each forgery with its reason; verify exits 3; restore
// takes the newest genuine backup, says so and how old it is, and never
// receives a forged byte.
func TestTrustAttacks(t *testing.T) {
	m := newMachine(t)
	m.config = m.customConfig("trust.yaml", []string{m.recipient()}, m.identity)
	var genuine []string
	for round := range 2 {
		m.grow(round)
		m.run(0, "push")
		genuine = append(genuine, m.newestSnapshotDir())
	}
	older, newest := genuine[0], genuine[1]
	newestTime := mustSnapshotTime(t, newest)

	// A second host of the fleet, sharing the recovery identity: its
	// genuine backup and its own (stolen) signing key are attack material.
	// The other host's backup must not share the newest one's second: it
	// is relocated next to it under its own name below.
	waitUntil(newestTime.Add(time.Second))
	other := m.otherHost("otherhost")
	later := time.Now().Add(time.Hour)

	attacks := []struct {
		name     string
		attack   func(t *testing.T, a attacker) string // returns the snapshot it forged
		reason   string
		restores string // what a restore of the newest gives
	}{
		{"forged newest, unsigned", func(t *testing.T, a attacker) string { return a.plant(later) }, "unsigned", newest},
		{"forged newest, signed by another identity", func(t *testing.T, a attacker) string {
			a.signer = ownSigner(t, "testhost")
			return a.plant(later)
		}, "unknown signer", newest},
		{"newest replaced in place", func(t *testing.T, a attacker) string { return a.plant(newestTime) }, "unsigned", older},
		{"another host signs as this one", func(t *testing.T, a attacker) string {
			a.signer = stolenSigner(t, other.key, "otherhost")
			return a.plant(later)
		}, `signed with the key of host "otherhost"`, newest},
		{"genuine record of another host relocated", func(t *testing.T, a attacker) string {
			from := filepath.Join(a.remoteDir, "otherhost", "home", other.snapshot)
			to := filepath.Join(a.remoteDir, "testhost", "home", other.snapshot)
			if err := os.Rename(from, to); err != nil {
				t.Fatal(err)
			}
			return other.snapshot
		}, "wrong place", newest},
		{"undecryptable record", func(t *testing.T, a attacker) string {
			snap := manifest.SnapshotName("home", later)
			name := filepath.Join(a.remoteDir, remote.RecordName("testhost", "home", snap))
			must(t, os.MkdirAll(filepath.Dir(name), 0o755))
			must(t, os.WriteFile(name, []byte("age-encryption.org/v1\ngarbage"), 0o644))
			return snap
		}, "does not decrypt", newest},
	}
	target := btrfstest.NewFS(t, 1<<30, "")
	for _, tt := range attacks {
		t.Run(tt.name, func(t *testing.T) {
			fork := m.forkRemote(strings.ReplaceAll(tt.name, " ", "-"))
			forged := tt.attack(t, attacker{t: t, m: m, remoteDir: fork})
			fresh := m.freshConfig(strings.ReplaceAll(tt.name, " ", "-"), fork, m.identity)

			listed, _ := m.runWith(fresh, 0, "list", "home")
			requireSays(t, "list", listed, "UNTRUSTED "+forged, tt.reason, tt.restores)
			verified, verr := m.runWith(fresh, 3, "verify", "--quick", "home")
			requireSays(t, "verify --quick", verified+verr, "UNTRUSTED "+forged, tt.reason)
			_, catErr := m.runWith(fresh, 3, "cat", forged, "planted.txt")
			requireSays(t, "cat of the forged backup", catErr, forged, "not trusted", tt.reason)

			into := filepath.Join(target, strings.ReplaceAll(tt.name, " ", "-"))
			must(t, os.Mkdir(into, 0o700))
			stdout, stderr := m.runWith(fresh, 0, "restore", "--to", into, "home")
			requireSays(t, "restore", stdout, "restored "+tt.restores, "old")
			requireSays(t, "restore's warnings", stderr, "skipped "+forged, tt.reason)
			m.requireIdentical(filepath.Join(m.fs, "snapshots", tt.restores), filepath.Join(into, tt.restores))
			requireNotRestored(t, into)
		})
	}

	t.Run("verify in restore mode refuses too", func(t *testing.T) {
		fork := m.forkRemote("verify-restore")
		forged := attacker{t: t, m: m, remoteDir: fork}.plant(later)
		verified, _ := m.runWith(m.freshConfig("verify-restore", fork, m.identity), 3, "verify", "--all", "home")
		requireSays(t, "verify --all", verified, "UNTRUSTED "+forged, "unsigned", "ok "+older, "ok "+newest)
	})

	t.Run("injected subvolume", func(t *testing.T) {
		fork := m.forkRemote("injected")
		forged := attacker{t: t, m: m, remoteDir: fork, subvol: "evil"}.plant(later)
		fresh := m.freshConfig("injected", fork, m.identity)
		listed, _ := m.runWith(fresh, 0, "list")
		requireSays(t, "list", listed, "UNTRUSTED "+forged, "unsigned", newest)
		verified, _ := m.runWith(fresh, 3, "verify", "--quick", "evil")
		requireSays(t, "verify --quick evil", verified, "UNTRUSTED "+forged)
		into := filepath.Join(target, "injected")
		must(t, os.Mkdir(into, 0o700))
		stdout, stderr := m.runWith(fresh, 0, "restore", "--to", into)
		requireSays(t, "restore", stdout, "restored "+newest)
		requireSays(t, "restore's warnings", stderr, "evil: skipped", "no trusted backups")
		requireNotRestored(t, into)
	})

	t.Run("older backup deleted", func(t *testing.T) {
		fork := m.forkRemote("deleted")
		must(t, os.RemoveAll(filepath.Join(fork, remote.SnapshotDir("testhost", "home", older))))
		fresh := m.freshConfig("deleted", fork, m.identity)
		listed, _ := m.runWith(fresh, 0, "list", "home")
		requireSays(t, "list", listed, "MISSING "+older+": expected by "+newest)
		verified, _ := m.runWith(fresh, 3, "verify", "--quick", "home")
		requireSays(t, "verify --quick", verified, "missing: "+newest+" expected "+older)
	})

	t.Run("recovery from an escrow of the identity", func(t *testing.T) {
		fork := m.forkRemote("escrow")
		sealed, err := crypto.EscrowSeal(readFile(t, m.identity), "correct horse battery staple")
		must(t, err)
		must(t, os.MkdirAll(filepath.Join(fork, "keys"), 0o755))
		must(t, os.WriteFile(filepath.Join(fork, remote.EscrowName("testhost")), sealed, 0o644))
		passphraseFile(t, "correct horse battery staple", 0o600)
		listed, _ := m.runWith(m.freshConfig("escrow", fork, filepath.Join(m.dir, "no-identity.txt")), 0, "list", "--escrow", "home")
		requireSays(t, "list --escrow", listed, older+" ", newest+" ", "signed")
		if strings.Contains(listed, "UNTRUSTED") {
			t.Errorf("genuine backups untrusted with the escrow:\n%s", listed)
		}
	})

	t.Run("recovery from the bare secret key line", func(t *testing.T) {
		bare := filepath.Join(m.dir, "paper.txt")
		for _, line := range strings.Split(readFile(t, m.identity), "\n") {
			if strings.HasPrefix(line, "AGE-SECRET-KEY-1") {
				must(t, os.WriteFile(bare, []byte(line+"\n"), 0o600))
			}
		}
		listed, _ := m.runWith(m.freshConfig("paper", m.remoteDir(), bare), 0, "list", "home")
		requireSays(t, "list", listed, older+" ", newest+" ", "signed")
		if strings.Contains(listed, "UNTRUSTED") {
			t.Errorf("genuine backups untrusted with the paper copy:\n%s", listed)
		}
	})
}

// otherHost is a second host pushing the same subvolume to the same remote
// with the same recipient, with a signing key of its own.
type otherHostInfo struct {
	key      string // its signing key file
	snapshot string // its one backup
}

func (m *machine) otherHost(host string) otherHostInfo {
	m.t.Helper()
	dir := filepath.Join(m.dir, host)
	must(m.t, os.MkdirAll(dir, 0o700))
	key := filepath.Join(dir, "signing.key")
	cfg := strings.NewReplacer("host: testhost", "host: "+host, m.dir+"/state", dir+"/state",
		m.fs+"/snapshots", m.fs+"/snapshots-"+host).Replace(readFile(m.t, m.config)) + "signing_key: " + key + "\n"
	config := filepath.Join(dir, "config.yaml")
	writeFile(m.t, config, cfg)
	m.runWith(config, 0, "keygen", "--signing-only")
	m.runWith(config, 0, "push")
	dirs, _ := filepath.Glob(filepath.Join(m.remoteDir(), host, "home", "home.*"))
	if len(dirs) != 1 {
		m.t.Fatalf("%s pushed %d backups", host, len(dirs))
	}
	return otherHostInfo{key: key, snapshot: filepath.Base(dirs[0])}
}

// waitUntil returns once the wall clock has passed at: snapshot names
// carry the time to the second, and some stories need two backups apart.
func waitUntil(at time.Time) {
	time.Sleep(time.Until(at))
}

func mustSnapshotTime(t *testing.T, name string) time.Time {
	t.Helper()
	_, at, err := manifest.ParseSnapshotName(name)
	if err != nil {
		t.Fatal(err)
	}
	return at
}
