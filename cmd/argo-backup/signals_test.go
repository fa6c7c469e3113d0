package main

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/remote"
)

// The daemon as a service manager runs it: a process of its own, stopped
// and reloaded by real signals. SIGHUP with a broken config keeps the
// running one, SIGHUP with a good one reloads, SIGTERM stops it with exit
// status 0 and no remote lock left behind.
func TestDaemonProcessSignals(t *testing.T) {
	m := newStation(t, "@daily")
	p := startArgo(t, "--config", m.config, "daemon")
	p.waitLine(`"msg":"daemon started"`)

	must(t, os.WriteFile(m.config, []byte("subvolumes: [\n"), 0o600))
	p.signal(syscall.SIGHUP)
	p.waitLine("config reload refused, keeping the running config")
	m.writeConfig()
	p.signal(syscall.SIGHUP)
	p.waitLine(`"msg":"config reloaded"`)

	p.signal(syscall.SIGTERM)
	if code := p.wait(); code != 0 {
		t.Fatalf("daemon exited %d after SIGTERM, want 0:\n%s", code, p.output())
	}
	if _, err := os.Stat(filepath.Join(m.remote, remote.LockName("testhost", "home"))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the remote lock is still there after SIGTERM: %v", err)
	}
}

// Ctrl-C (SIGINT) ends a command with exit status 130 and one line, and
// nothing is committed: here a push waiting for the daemon's local lock.
func TestInterruptExits130(t *testing.T) {
	m := newStation(t, "@daily")
	held, err := m.state.LockLocal(context.Background(), "home", backup.LockOptions{Command: "daemon"}, nil)
	must(t, err)
	defer held.Unlock()
	p := startArgo(t, "--config", m.config, "push", "home")
	p.waitLine("waiting for the local lock")
	p.signal(syscall.SIGINT)
	if code := p.wait(); code != exitInterrupted {
		t.Fatalf("push exited %d after SIGINT, want %d:\n%s", code, exitInterrupted, p.output())
	}
	if n := strings.Count(p.output(), "argo-backup: "); n != 1 {
		t.Errorf("want one argo-backup: line after SIGINT, got %d:\n%s", n, p.output())
	}
	if recs := m.records(); len(recs) != 0 {
		t.Errorf("an interrupted push committed %d backups", len(recs))
	}
}

// A restore that meets a missing part fails with exit status 1 (a failed
// job, not bad input), names the snapshot and the object, and leaves no
// half-received subvolume.
func TestRestoreMissingPartExits1(t *testing.T) {
	m := newMachine(t)
	m.grow(0)
	m.run(0, "push")
	rec := m.remoteRecords()[0]
	part := remote.PartName("testhost", "home", rec.Snapshot, 0)
	must(t, os.Remove(filepath.Join(m.remoteDir(), part)))
	target := btrfstest.NewFS(t, 1<<30, "")
	_, stderr := m.run(1, "restore", "--to", target, "home")
	if !strings.Contains(stderr, "snapshot "+rec.Snapshot+", "+part+": missing from the remote") {
		t.Errorf("restore with a missing part says %q", stderr)
	}
	if _, err := os.Lstat(filepath.Join(target, rec.Snapshot)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the failed restore left %s: %v", rec.Snapshot, err)
	}
}

// argoProcess is argo-backup running as a process of its own; its stderr
// is read line by line, so tests wait on what it says.
type argoProcess struct {
	t     *testing.T
	cmd   *exec.Cmd
	out   syncBuffer
	lines chan string
	done  chan struct{}
}

func startArgo(t *testing.T, args ...string) *argoProcess {
	t.Helper()
	p := &argoProcess{t: t, cmd: exec.Command(argoBinary(t), args...), lines: make(chan string, 1024), done: make(chan struct{})}
	pipe, err := p.cmd.StderrPipe()
	must(t, err)
	p.cmd.Stdout = &p.out
	must(t, p.cmd.Start())
	go func() {
		defer close(p.done)
		s := bufio.NewScanner(pipe)
		for s.Scan() {
			p.out.Write([]byte(s.Text() + "\n"))
			select {
			case p.lines <- s.Text():
			default: // nobody waits for lines that many
			}
		}
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
	})
	return p
}

// waitLine waits until the process writes a line containing want.
func (p *argoProcess) waitLine(want string) {
	p.t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case line := <-p.lines:
			if strings.Contains(line, want) {
				return
			}
		case <-p.done:
			p.t.Fatalf("argo-backup ended before saying %q:\n%s", want, p.output())
		case <-timeout:
			p.t.Fatalf("argo-backup did not say %q within a minute:\n%s", want, p.output())
		}
	}
}

func (p *argoProcess) signal(sig os.Signal) {
	p.t.Helper()
	must(p.t, p.cmd.Process.Signal(sig))
}

// wait returns the exit status, failing if the process runs on for 15 s.
func (p *argoProcess) wait() int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.t.Fatalf("argo-backup still runs 15s after the signal:\n%s", p.output())
	}
	err := p.cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	must(p.t, err)
	return 0
}

func (p *argoProcess) output() string { return p.out.String() }
