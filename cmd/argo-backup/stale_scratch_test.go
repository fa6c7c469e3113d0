package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs"
)

// A verify killed with SIGKILL while its scratch filesystem is mounted
// leaves a mount, a loop device, a mount directory and a sparse image in
// state_dir. doctor lists them; the next verify, or the next daemon start,
// removes all of them, and nothing else: not a live process's scratch, not
// a directory it did not make, not a scratch of unknown owner.
func TestKilledVerifyLeavesNothingAfterTheNextRun(t *testing.T) {
	m := newMachine(t)
	m.run(0, "push")
	state := filepath.Join(m.dir, "state")
	live, err := btrfs.NewLoopFS(context.Background(), state, 256<<20, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { live.Close() })
	others := []string{filepath.Join(state, "restore-staging"), filepath.Join(state, "argo-mnt-123456")}
	for _, d := range others {
		must(t, os.Mkdir(d, 0o700))
	}

	for _, next := range []string{"verify", "daemon"} {
		t.Run("then "+next, func(t *testing.T) {
			m.t = t
			p := m.startPaused(verifyMounted, "verify")
			p.waitPause(verifyMounted)
			p.kill()
			requireStaleKinds(t, state, "mount", "loop device", "directory", "image")
			if out := m.doctor(); !strings.Contains(out, "left by a killed verify: mount "+state+"/argo-mnt-") {
				t.Errorf("doctor does not list the killed verify's mount:\n%s", out)
			}

			var log string
			if next == "verify" {
				_, log = m.run(0, "verify")
			} else {
				log = m.daemonStartAndStop()
			}
			if !strings.Contains(log, "removed what a killed verify left") {
				t.Errorf("%s did not say what it removed:\n%s", next, log)
			}
			requireStaleKinds(t, state) // the legacy directory stays, listed, not removable
			if left, _ := btrfs.Leftovers(state); len(left) != 2 || !slices.Contains(left, "mount "+live.Dir) {
				t.Errorf("after %s, want only the live filesystem's loop device and mount, got %v", next, left)
			}
			for _, d := range append(others, live.Dir, live.Image) {
				if _, err := os.Stat(d); err != nil {
					t.Errorf("%s removed %s, which is not a dead verify's: %v", next, d, err)
				}
			}
		})
	}
	m.t = t
}

// requireStaleKinds checks that the removable remains in dir are exactly of
// kinds, and that the scratch of unknown owner is listed but not removable.
func requireStaleKinds(t *testing.T, dir string, kinds ...string) {
	t.Helper()
	stale, err := btrfs.FindStale(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	unknown := 0
	for _, s := range stale {
		if s.Remove {
			got = append(got, s.Kind)
		} else {
			unknown++
		}
	}
	slices.Sort(got)
	slices.Sort(kinds)
	if !slices.Equal(got, kinds) || unknown != 1 {
		t.Errorf("stale in %s: %v, want removable %v and one of unknown owner", dir, stale, kinds)
	}
}

// doctor runs doctor and returns its report, whatever its exit status.
func (m *machine) doctor() string {
	var out bytes.Buffer
	execute(context.Background(), []string{"--config", m.config, "doctor"}, &out, &out)
	return out.String()
}

// daemonStartAndStop starts the daemon, waits until it says it started,
// stops it and returns its log.
func (m *machine) daemonStartAndStop() string {
	m.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	started := make(chan struct{})
	w := &watchWriter{w: out, want: "daemon started", seen: started}
	done := make(chan int, 1)
	go func() { done <- execute(ctx, []string{"--config", m.config, "--log-format", "text", "daemon"}, w, w) }()
	select {
	case <-started:
	case code := <-done:
		cancel()
		m.t.Fatalf("daemon exited %d before it started:\n%s", code, out)
	}
	cancel()
	if code := <-done; code != 0 {
		m.t.Errorf("daemon exited %d after stop:\n%s", code, out)
	}
	return out.String()
}

// watchWriter closes seen the first time a write holds want.
type watchWriter struct {
	w    *syncBuffer
	want string
	seen chan struct{}
	once sync.Once
}

func (w *watchWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	if strings.Contains(w.w.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}
