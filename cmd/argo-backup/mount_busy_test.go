package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
