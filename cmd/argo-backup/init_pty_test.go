package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// init on a real terminal: Ctrl-C and Ctrl-D at a question leave the wizard
// with nothing written (no identity, no config), Ctrl-C with exit status
// 130, Ctrl-D with 2, and neither is taken as "accept the default".
func TestInitWizardAbortsOnCtrlCAndCtrlD(t *testing.T) {
	for _, c := range []struct {
		name string
		key  string
		exit int
	}{
		{"Ctrl-C", "\x03", 130},
		{"Ctrl-D", "\x04", 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			term := startOnTerminal(t, dir, "--config", filepath.Join(dir, "config.yaml"), "init", "--subvolume", "home=/home")
			term.waitFor("Identity file")
			term.send(filepath.Join(dir, "identity.txt") + "\r")
			term.waitFor("Remote (")
			term.send(c.key)
			if got := term.wait(); got != c.exit {
				t.Errorf("exit status %d, want %d; screen:\n%s", got, c.exit, term.output())
			}
			if !strings.Contains(term.output(), "nothing was written") {
				t.Errorf("the wizard did not say that nothing was written:\n%s", term.output())
			}
			for _, name := range []string{"identity.txt", "config.yaml"} {
				if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
					t.Errorf("%s was written though the wizard was left with %s", name, c.name)
				}
			}
		})
	}
}

// terminal is argo-backup running on a pseudo-terminal, as in a shell.
type terminal struct {
	t       *testing.T
	cmd     *exec.Cmd
	pty     *os.File
	mu      sync.Mutex
	out     bytes.Buffer
	changed chan struct{} // receives after each read from the terminal
	done    chan struct{} // closed when the terminal's output ends
}

// startOnTerminal runs argo-backup with args on a new pseudo-terminal (its
// controlling terminal, so that Ctrl-C there is SIGINT), with HOME in dir so
// that no rclone.conf of the machine is seen.
func startOnTerminal(t *testing.T, dir string, args ...string) *terminal {
	t.Helper()
	return startOnTerminalEnv(t, dir, nil, args...)
}

// startOnTerminalEnv is startOnTerminal with more environment variables.
func startOnTerminalEnv(t *testing.T, dir string, env []string, args ...string) *terminal {
	t.Helper()
	cmd := exec.Command(argoBinary(t), args...)
	cmd.Env = append(append(os.Environ(), "HOME="+dir, "RCLONE_CONFIG=", "TERM=xterm", "NO_COLOR=1"), env...)
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	term := &terminal{t: t, cmd: cmd, pty: f, changed: make(chan struct{}, 1), done: make(chan struct{})}
	go term.read()
	t.Cleanup(func() {
		cmd.Process.Kill()
		term.wait()
	})
	return term
}

func (term *terminal) read() {
	defer close(term.done)
	buf := make([]byte, 4096)
	for {
		n, err := term.pty.Read(buf)
		term.mu.Lock()
		term.out.Write(buf[:n])
		term.mu.Unlock()
		select {
		case term.changed <- struct{}{}:
		default:
		}
		if err != nil { // EIO once the process and its terminal are gone
			return
		}
	}
}

func (term *terminal) output() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.out.String()
}

// waitFor waits until the terminal has shown text.
func (term *terminal) waitFor(text string) {
	term.t.Helper()
	timeout := time.After(time.Minute)
	for !strings.Contains(term.output(), text) {
		select {
		case <-term.changed:
		case <-term.done:
			term.t.Fatalf("the terminal closed before showing %q:\n%s", text, term.output())
		case <-timeout:
			term.t.Fatalf("waited a minute for %q:\n%s", text, term.output())
		}
	}
}

// send types keys.
func (term *terminal) send(keys string) {
	term.t.Helper()
	if _, err := term.pty.Write([]byte(keys)); err != nil {
		term.t.Fatal(err)
	}
}

// wait waits for the process to end and its output to be read, and returns
// its exit status.
func (term *terminal) wait() int {
	if term.cmd.ProcessState == nil {
		term.cmd.Wait()
		<-term.done
		term.pty.Close()
	}
	return term.cmd.ProcessState.ExitCode()
}
