package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// Ctrl-C while a program has a directory of the mount open (a shell's
// working directory) still leaves DIR unmounted and empty, says it
// unmounted lazily, and exits 0; a dead mount is never left behind.
func TestMountCtrlCWhileBusy(t *testing.T) {
	m := newMachine(t)
	m.run(0, "push")
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	exited := make(chan int, 1)
	go func() {
		exited <- execute(ctx, []string{"--config", m.config, "mount", dir}, pw, io.Discard)
		pw.Close()
	}()
	r := bufio.NewReader(pr)
	line, err := r.ReadString('\n')
	if err != nil || !strings.Contains(line, "mounted") {
		cancel()
		t.Fatalf("mount said %q (%v)", line, err)
	}
	var mu sync.Mutex
	var rest bytes.Buffer
	copied := make(chan struct{})
	go func() {
		b, _ := io.ReadAll(r)
		mu.Lock()
		rest.Write(b)
		mu.Unlock()
		close(copied)
	}()
	inside, err := os.Open(filepath.Join(dir, "home"))
	if err != nil {
		cancel()
		<-exited
		t.Fatal(err)
	}
	defer inside.Close()
	cancel()
	if code := <-exited; code != 0 {
		t.Errorf("mount exited %d after Ctrl-C while busy, want 0", code)
	}
	<-copied
	if !strings.Contains(rest.String(), "unmounted it lazily") {
		t.Errorf("mount said %q after Ctrl-C while busy, want that it unmounted lazily", rest.String())
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(mounts), " "+dir+" ") {
		t.Errorf("%s is still mounted after Ctrl-C", dir)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("after Ctrl-C the mount point holds %v (%v), want an empty directory", entries, err)
	}
}

// A mount whose process was killed is dead ("Transport endpoint is not
// connected"); mounting there again says so and names fusermount -u, not
// mkdir -p.
func TestMountOnDeadMount(t *testing.T) {
	m := newMachine(t)
	m.run(0, "push")
	dir := t.TempDir()
	cmd := exec.Command(argoBinary(t), "--config", m.config, "mount", dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		exec.Command("fusermount", "-u", dir).Run()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	cmd.Wait()
	if err != nil || !strings.Contains(line, "mounted") {
		t.Fatalf("mount said %q (%v)", line, err)
	}
	if _, err := os.ReadDir(dir); !errors.Is(err, syscall.ENOTCONN) {
		t.Fatalf("after SIGKILL the mount point reads as %v, want a dead mount", err)
	}
	_, stderr := m.run(2, "mount", dir)
	requireOneLine(t, stderr, "fusermount -u "+dir)
	if strings.Contains(stderr, "mkdir") {
		t.Errorf("mount on a dead mount says to mkdir: %s", stderr)
	}
}
