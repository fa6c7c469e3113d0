package main

import (
	"os"
	"os/exec"
	"regexp"
	"testing"

	"github.com/creack/pty"
)

// A terminal that reports no size (0 columns: script(1) run without a
// terminal of its own, some serial consoles) still gets the bar. mpb drew
// nothing at all on one: trial14 watched a whole push with no progress.
func TestPushBarOnATerminalWithoutSize(t *testing.T) {
	m := newMachine(t)
	m.grow(0)
	cmd := exec.Command(argoBinary(t), "--config", m.config, "push")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "RCLONE_CONFIG=", "TERM=xterm", "NO_COLOR=1")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 0, Cols: 0})
	if err != nil {
		t.Fatal(err)
	}
	term := &terminal{t: t, cmd: cmd, pty: f, changed: make(chan struct{}, 1), done: make(chan struct{})}
	go term.read()
	t.Cleanup(func() {
		cmd.Process.Kill()
		term.wait()
	})
	if code := term.wait(); code != 0 {
		t.Fatalf("push exited %d:\n%s", code, term.output())
	}
	lastFrame := regexp.MustCompile(`home\.\d{8}T\d{6}Z +\d+(\.\d)? MiB +\d+(\.\d)? [KMG]iB/s in `)
	if !lastFrame.MatchString(term.output()) {
		t.Errorf("no bar on a terminal without a size:\n%q", term.output())
	}
}
