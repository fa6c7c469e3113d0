package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/internal/testing/treedigest"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// A push killed with SIGKILL at any point is finished by the next push:
// nothing committed half-way, no mount or loop device left behind, the
// parts already stored not uploaded again, and every committed backup
// restores identical to its snapshot.
func TestKilledPushIsFinishedByTheNext(t *testing.T) {
	m := newMachine(t)
	m.config = m.customConfig("kill.yaml", []string{m.recipient()}, m.identity)
	target := btrfstest.NewFS(t, 1<<30, "")
	baseline := m.leftovers()
	for round, point := range []string{"before-snapshot", "mid-upload", "before-record", "after-record"} {
		t.Run(point, func(t *testing.T) {
			m.t = t
			m.grow(round)
			committedBefore := m.remoteRecords()

			p := m.startPush(point)
			p.waitPause(point)
			p.kill()

			if left := m.leftovers(); !slices.Equal(left, baseline) {
				t.Errorf("after SIGKILL at %s, left behind: %v (before: %v)", point, left, baseline)
			}
			// Sealed parts are spooled to files without a name: the
			// kernel freed them with the process.
			if spooled, _ := os.ReadDir(filepath.Join(m.dir, "state", "spool")); len(spooled) > 0 {
				t.Errorf("after SIGKILL at %s, left in state_dir/spool: %v", point, spooled)
			}
			killed := m.newestSnapshotDir()
			part0 := m.partModTime(killed, 0)
			committed := hasRecord(m.requireCommittedWhole(), killed)
			switch point {
			case "mid-upload":
				if part0.IsZero() || committed {
					t.Fatalf("killed mid-upload, %s should have part 0 stored and no record", killed)
				}
			case "before-record":
				if killed == "" || committed {
					t.Fatalf("killed before the record, %s should be stored but not committed", killed)
				}
			case "after-record":
				if !committed {
					t.Fatalf("killed after the record, %s should be committed", killed)
				}
			}

			// The killed push's remote lock is still there: the next push
			// must see that its holder died and take it over.
			_, stderr := m.run(0, "push")
			if point != "before-snapshot" && !strings.Contains(stderr, "resuming interrupted backup") {
				t.Errorf("the push after a kill at %s did not resume it:\n%s", point, stderr)
			}
			if point == "mid-upload" && !m.partModTime(killed, 0).Equal(part0) {
				t.Errorf("part 0 of %s was uploaded again, though the killed push had stored it", killed)
			}
			records := m.requireCommittedWhole()
			if point != "before-snapshot" && !hasRecord(records, killed) {
				t.Errorf("the interrupted backup %s was not committed by the next push", killed)
			}
			for _, r := range records {
				if !hasRecord(committedBefore, r.Snapshot) {
					m.requireRestoresIdentical(target, r.Snapshot)
				}
			}
		})
		m.t = t
	}
}

// customConfig writes a config like the machine's, encrypting to
// recipients, reading with identity, and keeping every local snapshot so
// that each backup can be compared with its source.
func (m *machine) customConfig(name string, recipients []string, identity string) string {
	m.t.Helper()
	quoted := make([]string, len(recipients))
	for i, r := range recipients {
		quoted[i] = fmt.Sprintf("%q", r)
	}
	cfg := fmt.Sprintf(`host: testhost
remote: %s/remote
recipients: [%s]
identity: %s
state_dir: %s/state
part_size: 1MiB
subvolumes:
  - {name: home, path: %s, snapshot_dir: %s/snapshots, keep_local: 100}
`, m.dir, strings.Join(quoted, ", "), identity, m.dir, m.home, m.fs)
	file := filepath.Join(m.dir, name)
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		m.t.Fatal(err)
	}
	return file
}

// recipient is the public key of the machine's identity.
func (m *machine) recipient() string { return m.recipientOf(m.identity) }

// recipientOf is the public key of the age identity file at path.
func (m *machine) recipientOf(path string) string {
	return crypto.Recipients(m.identities(path))[0]
}

func (m *machine) identities(path string) []age.Identity {
	m.t.Helper()
	ids, err := crypto.LoadIdentities(path)
	if err != nil {
		m.t.Fatal(err)
	}
	return ids
}

// grow changes the subvolume: a new file of 3 MiB of incompressible data
// (three parts or more at part_size 1MiB), an edited file, a removed one
// and a symlink, so that every backup carries real differences.
func (m *machine) grow(round int) {
	m.t.Helper()
	data := make([]byte, 3<<20)
	rng := rand.NewChaCha8([32]byte{byte(round)})
	rng.Read(data)
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(m.home, name), data, 0o640); err != nil {
			m.t.Fatal(err)
		}
	}
	write(fmt.Sprintf("data-%d.bin", round), data)
	write("file.txt", fmt.Appendf(nil, "hello, round %d\n", round))
	os.Remove(filepath.Join(m.home, fmt.Sprintf("data-%d.bin", round-2)))
	link := filepath.Join(m.home, fmt.Sprintf("link-%d", round))
	if err := os.Symlink(fmt.Sprintf("data-%d.bin", round), link); err != nil {
		m.t.Fatal(err)
	}
}

// leftovers lists the loop devices and mounts under this test's temporary
// directories: the machine's own filesystems, and anything a command left.
func (m *machine) leftovers() []string {
	m.t.Helper()
	left, err := btrfs.Leftovers(filepath.Dir(m.dir))
	if err != nil {
		m.t.Fatal(err)
	}
	slices.Sort(left)
	return left
}

func (m *machine) remoteDir() string { return filepath.Join(m.dir, "remote") }

// remoteRecords decrypts every record on the remote.
func (m *machine) remoteRecords() []*manifest.Record {
	m.t.Helper()
	files, err := filepath.Glob(filepath.Join(m.remoteDir(), "testhost", "home", "*", "record.json.age"))
	if err != nil {
		m.t.Fatal(err)
	}
	var recs []*manifest.Record
	for _, f := range files {
		sealed, err := os.ReadFile(f)
		if err != nil {
			m.t.Fatal(err)
		}
		plain, err := crypto.Decrypt(m.identities(m.identity), sealed)
		if err != nil {
			m.t.Fatalf("record %s: %v", f, err)
		}
		r, err := manifest.DecodeRecord(recordPayload(m.t, plain))
		if err != nil {
			m.t.Fatalf("record %s: %v", f, err)
		}
		recs = append(recs, r)
	}
	return recs
}

// requireCommittedWhole checks that every record on the remote has all its
// parts, each of the recorded size and hash: a record is the commit point,
// and must never name a part that is not there. It returns the records.
func (m *machine) requireCommittedWhole() []*manifest.Record {
	m.t.Helper()
	recs := m.remoteRecords()
	for _, r := range recs {
		for _, p := range r.Parts {
			name := filepath.Join(m.remoteDir(), remote.PartName(r.Host, r.Subvolume, r.Snapshot, p.Index))
			data, err := os.ReadFile(name)
			if err != nil {
				m.t.Errorf("backup %s is committed, but its part %d is missing: %v", r.Snapshot, p.Index, err)
				continue
			}
			sum := sha256.Sum256(data)
			if int64(len(data)) != p.StoredBytes || hex.EncodeToString(sum[:]) != p.StoredSHA256 {
				m.t.Errorf("backup %s is committed, but its part %d is not the one recorded", r.Snapshot, p.Index)
			}
		}
	}
	return recs
}

func hasRecord(recs []*manifest.Record, snapshot string) bool {
	return slices.ContainsFunc(recs, func(r *manifest.Record) bool { return r.Snapshot == snapshot })
}

// newestSnapshotDir is the newest backup directory on the remote,
// committed or not, or "".
func (m *machine) newestSnapshotDir() string {
	m.t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(m.remoteDir(), "testhost", "home", "home.*"))
	if len(dirs) == 0 {
		return ""
	}
	slices.Sort(dirs)
	return filepath.Base(dirs[len(dirs)-1])
}

// partModTime is when part i of snapshot was stored, or zero.
func (m *machine) partModTime(snapshot string, i int) time.Time {
	fi, err := os.Stat(filepath.Join(m.remoteDir(), remote.PartName("testhost", "home", snapshot, i)))
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime()
}

// requireRestoresIdentical restores snapshot into a fresh directory on
// target and compares the result with the local snapshot.
func (m *machine) requireRestoresIdentical(target, snapshot string) {
	m.t.Helper()
	into := filepath.Join(target, snapshot)
	if err := os.Mkdir(into, 0o700); err != nil {
		m.t.Fatal(err)
	}
	m.run(0, "restore", "--to", into, "--snapshot", snapshot)
	m.requireIdentical(filepath.Join(m.fs, "snapshots", snapshot), filepath.Join(into, snapshot))
}

// requireIdentical fails the test for every difference between the trees,
// judged by treedigest rather than the production restore.CompareTrees.
func (m *machine) requireIdentical(want, got string) {
	m.t.Helper()
	treedigest.Require(m.t, got+" restored", treedigest.Of(m.t, want, treedigest.Options{}), treedigest.Of(m.t, got, treedigest.Options{}))
}

// process is argo-backup running as a child process, so that it can be
// killed for real.
type process struct {
	t      *testing.T
	cmd    *exec.Cmd
	paused chan string
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan struct{}
}

// startPush runs `argo-backup push` in its own process group, asking it
// to pause at point (pause_test.go).
func (m *machine) startPush(point string, args ...string) *process {
	m.t.Helper()
	return m.startPaused(point, append([]string{"push"}, args...)...)
}

// startPaused runs argo-backup with args in its own process group, asking
// it to pause at point (pause_test.go).
func (m *machine) startPaused(point string, args ...string) *process {
	m.t.Helper()
	cmd := exec.Command(argoBinary(m.t), append([]string{"--config", m.config}, args...)...)
	cmd.Env = append(os.Environ(), pauseEnv+"="+point)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pipe, err := cmd.StderrPipe()
	if err != nil {
		m.t.Fatal(err)
	}
	p := &process{t: m.t, cmd: cmd, paused: make(chan string, 1), done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		s := bufio.NewScanner(pipe)
		for s.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(s.Text() + "\n")
			p.mu.Unlock()
			if at, ok := strings.CutPrefix(s.Text(), "argo-backup: test pause at "); ok {
				p.paused <- at
			}
		}
	}()
	m.t.Cleanup(func() { p.kill() })
	return p
}

// waitPause waits until the push says it reached point.
func (p *process) waitPause(point string) {
	p.t.Helper()
	select {
	case at := <-p.paused:
		if at != point {
			p.t.Fatalf("paused at %s, want %s", at, point)
		}
	case <-p.done:
		p.cmd.Wait()
		p.t.Fatalf("push ended (%v) before pausing at %s:\n%s", p.cmd.ProcessState, point, p.output())
	case <-time.After(5 * time.Minute):
		p.t.Fatalf("push did not pause at %s:\n%s", point, p.output())
	}
}

// kill is the power cut: SIGKILL to argo-backup and its children (btrfs
// send), then wait for them to be gone.
func (p *process) kill() {
	if p.cmd.ProcessState != nil {
		return
	}
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
	p.cmd.Wait()
}

// carryOn lets a paused push continue and returns its exit status.
func (p *process) carryOn() int {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		p.t.Fatal(err)
	}
	<-p.done
	p.cmd.Wait()
	return p.cmd.ProcessState.ExitCode()
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// argoBinary is the argo-backup command: the test binary under that name,
// which TestMain (script_test.go, testscript.Main) runs as the CLI.
func argoBinary(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "argo-backup")
	if err := os.Symlink(exe, link); err != nil {
		t.Fatal(err)
	}
	return link
}
