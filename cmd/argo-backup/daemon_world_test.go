package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/manifest"
)

// station is a host with a btrfs holding @home, a config, a state_dir and
// a local-directory remote: what the daemon's end-to-end stories run on.
type station struct {
	t         *testing.T
	dir       string // scratch: config, identity, state, remote
	fs        string // the btrfs mount
	home      string // the @home subvolume
	config    string
	recipient string
	state     backup.State
	remote    string
	hookOut   string // where the test's on_failure command writes
	metrics   string
	schedule  string
}

func newStation(t *testing.T, schedule string) *station {
	t.Helper()
	btrfstest.RequireRoot(t)
	btrfstest.NoLeftovers(t)
	old := daemonCatchUpDelay
	daemonCatchUpDelay = func() time.Duration { return 0 }
	t.Cleanup(func() { daemonCatchUpDelay = old })
	m := &station{t: t, dir: t.TempDir(), fs: btrfstest.NewFS(t, 1<<30, "noatime"), schedule: schedule}
	m.home = btrfstest.Subvolume(t, m.fs, "@home")
	m.state = backup.State{Dir: filepath.Join(m.dir, "state")}
	m.remote = filepath.Join(m.dir, "remote")
	m.hookOut = filepath.Join(m.dir, "hook.out")
	m.metrics = filepath.Join(m.dir, "metrics", "argo.prom")
	m.config = filepath.Join(m.dir, "config.yaml")
	recipient, err := crypto.WriteIdentity(filepath.Join(m.dir, "identity.txt"))
	must(t, err)
	_, _, err = makeSigningKey(filepath.Join(m.dir, "signing.key"), "testhost", filepath.Join(m.dir, "identity.txt"))
	must(t, err)
	m.recipient = recipient
	m.writeConfig()
	m.write("notes.txt", []byte("day one\n"))
	return m
}

// writeConfig writes a config with subvolume home on m's schedule, and
// "broken", whose path is a plain directory, so every run of it fails.
func (m *station) writeConfig(extra ...string) {
	must(m.t, os.MkdirAll(filepath.Join(m.fs, "plain"), 0o755))
	cfg := fmt.Sprintf(`host: testhost
remote: %q
recipients: [%q]
identity: %s/identity.txt
state_dir: %s
part_size: 1MiB
parallel: 2
on_failure: 'printf "%%s|%%s|%%s\n" "$ARGO_BACKUP_SUBVOLUME" "$ARGO_BACKUP_HOST" "$ARGO_BACKUP_ERROR" >> %s'
metrics_file: %s
prune: {schedule: ""}
verify: {schedule: ""}
subvolumes:
  - name: home
    path: %s
    snapshot_dir: %s/@snapshots
    schedule: %q
    keep_local: 10
`, m.remote, m.recipient, m.dir, m.state.Dir, m.hookOut, m.metrics, m.home, m.fs, m.schedule)
	for _, e := range extra {
		cfg += e
	}
	must(m.t, os.WriteFile(m.config, []byte(cfg), 0o600))
}

const brokenSubvolume = `  - name: broken
    path: %s/plain
    snapshot_dir: %s/@snapshots
    schedule: "@every 1s"
`

// write puts a file into the backed-up subvolume atomically (a rename), so
// that a snapshot the daemon takes meanwhile holds all of it or none.
func (m *station) write(name string, data []byte) {
	m.t.Helper()
	tmp := filepath.Join(m.home, "."+name+".tmp")
	must(m.t, os.WriteFile(tmp, data, 0o644))
	must(m.t, os.Rename(tmp, filepath.Join(m.home, name)))
}

// cli runs argo-backup with m's config and returns its exit status and output.
func (m *station) cli(ctx context.Context, args ...string) (int, string) {
	var out syncBuffer
	code := execute(ctx, append([]string{"--config", m.config}, args...), &out, &out)
	return code, out.String()
}

// daemon is a running `argo-backup daemon`.
type daemon struct {
	cancel context.CancelFunc
	done   chan int
	out    *syncBuffer
}

func (m *station) startDaemon() *daemon {
	ctx, cancel := context.WithCancel(context.Background())
	d := &daemon{cancel: cancel, done: make(chan int, 1), out: &syncBuffer{}}
	go func() { d.done <- execute(ctx, []string{"--config", m.config, "daemon"}, d.out, d.out) }()
	m.t.Cleanup(func() { m.stop(d) })
	return d
}

// stop stops the daemon as SIGTERM does, and requires exit status 0 within
// seconds.
func (m *station) stop(d *daemon) {
	m.t.Helper()
	if d.cancel == nil {
		return
	}
	d.cancel()
	d.cancel = nil
	select {
	case code := <-d.done:
		if code != 0 {
			m.t.Errorf("daemon exited %d after SIGTERM, want 0; output:\n%s", code, d.out)
		}
	case <-time.After(15 * time.Second):
		m.t.Fatalf("daemon did not stop within 15s; output:\n%s", d.out)
	}
}

// records are home's committed backups according to state_dir.
func (m *station) records() []*manifest.Record {
	recs, err := m.state.Records("testhost", "home")
	must(m.t, err)
	return recs
}

// eventually polls cond until it holds, failing after a minute.
func (m *station) eventually(what string, cond func() bool) {
	m.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			m.t.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// restoreNewest restores home's newest backup into a fresh btrfs and
// returns the restored snapshot's path.
func (m *station) restoreNewest() string {
	m.t.Helper()
	target := btrfstest.NewFS(m.t, 1<<30, "")
	code, out := m.cli(context.Background(), "restore", "--to", target, "home")
	if code != 0 {
		m.t.Fatalf("restore exited %d:\n%s", code, out)
	}
	recs := m.records()
	return filepath.Join(target, recs[len(recs)-1].Snapshot)
}

func (m *station) statusJSON() *backup.Status {
	m.t.Helper()
	code, out := m.cli(context.Background(), "status", "--json")
	if code != 0 {
		m.t.Fatalf("status --json exited %d:\n%s", code, out)
	}
	var st backup.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		m.t.Fatalf("status --json is not JSON: %v\n%s", err, out)
	}
	return &st
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	_, err := rand.Read(b)
	must(t, err)
	return b
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
