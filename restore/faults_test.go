package restore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/rclone/rclone/fs/fshttp"

	"github.com/argo-backup/argo-backup/internal/testing/drivefake"
	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/restore"
)

// flakyNetwork fails about one in ten of the HTTP requests rclone sends,
// with a 500, a 503 or a reset connection, as a seeded generator picks:
// the same faults in the same order on every run.
type flakyNetwork struct {
	mu       sync.Mutex
	rng      *rand.Rand
	requests int
	failed   int
}

// injectFlakyNetwork makes every rclone HTTP transport of the process
// flaky until the test ends.
func injectFlakyNetwork(t *testing.T) *flakyNetwork {
	t.Helper()
	n := &flakyNetwork{rng: rand.New(rand.NewPCG(5, 10))}
	fshttp.SetFaultInjector(n.fault)
	t.Cleanup(func() { fshttp.SetFaultInjector(nil) })
	return n
}

func (n *flakyNetwork) fault(*http.Request) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.requests++
	if n.rng.IntN(10) != 0 {
		return 0, nil
	}
	n.failed++
	switch n.rng.IntN(3) {
	case 0:
		return http.StatusInternalServerError, nil
	case 1:
		return http.StatusServiceUnavailable, nil
	default:
		return 0, fmt.Errorf("injected fault: %w", syscall.ECONNRESET)
	}
}

// failures returns how many requests failed since the last call.
func (n *flakyNetwork) failures() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	f := n.failed
	n.failed = 0
	return f
}

// The network remotes, each in a fresh, empty state.
var networkRemotes = []struct {
	name string
	spec func(t *testing.T) string
}{
	{"s3", func(t *testing.T) string { return remotetest.S3(t) }},
	{"webdav", func(t *testing.T) string { return remotetest.WebDAV(t) }},
	{"drive", func(t *testing.T) string { return drivefake.Start(t).RemoteSpec(driveRoot) }},
}

// With one HTTP request in ten failing, a full and an incremental push
// still complete, and both restore identical: every failure is retried.
func TestFaultFlakyNetwork(t *testing.T) {
	for _, r := range networkRemotes {
		t.Run(r.name, func(t *testing.T) {
			w := newWorld(t, r.spec(t))
			network := injectFlakyNetwork(t)
			fillTree(t, w.source)
			full := w.push(false)
			changeTree(t, w.source)
			incr := w.push(false)
			failed := network.failures()
			if failed == 0 {
				t.Fatal("no request of the pushes failed: the test proves nothing")
			}
			t.Logf("pushes survived %d failed requests", failed)

			w.restore(incr.Snapshot)
			w.requireSameTree(incr.Snapshot)
			w.restore(full.Snapshot)
			w.requireSameTree(full.Snapshot)
			failed = network.failures()
			if failed == 0 {
				t.Fatal("no request of the restores failed: the test proves nothing")
			}
			t.Logf("restores survived %d failed requests", failed)
		})
	}
}

// cancelling is a restore's progress that cancels the restore once it
// has written some of the stream of one snapshot to btrfs receive, and
// notes which snapshots it started to receive.
type cancelling struct {
	at      string // snapshot to cancel while receiving; "" never
	cancel  context.CancelFunc
	current string
	started []string
}

func (c *cancelling) Start(name string, _ int64) {
	c.current = name
	c.started = append(c.started, name)
}

func (c *cancelling) Add(int64) {
	if c.current == c.at {
		c.cancel()
	}
}

func (c *cancelling) Finish() {}

// topLevel lists the entries of dir.
func topLevel(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	must(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// A restore cancelled while it receives leaves no half-received
// subvolume, only the complete stages before it; the next restore reuses
// those and completes.
func TestFaultRestoreInterrupted(t *testing.T) {
	w := newWorld(t, remotetest.Local(t))
	fillTree(t, w.source)
	full := w.push(false)
	changeTree(t, w.source)
	incr := w.push(false)

	for _, tc := range []struct {
		name        string
		cancelAt    string
		wantLeft    []string // in the target after the cancelled restore
		wantResumed []string // stages the next restore receives
	}{
		{"during the full", full.Snapshot, nil, []string{full.Snapshot, incr.Snapshot}},
		{"during the incremental", incr.Snapshot, []string{full.Snapshot}, []string{incr.Snapshot}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := filepath.Join(w.target, strings.ReplaceAll(tc.name, " ", "-"))
			must(t, os.Mkdir(target, 0o755))

			ctx, cancel := context.WithCancel(w.ctx)
			defer cancel()
			progress := &cancelling{at: tc.cancelAt, cancel: cancel}
			w.restorer.Progress = progress
			defer func() { w.restorer.Progress = nil }()
			_, err := w.restorer.Restore(ctx, host, "home", restore.Target{Snapshot: incr.Snapshot}, target, restore.Options{})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled restore = %v, want context.Canceled", err)
			}
			if got := topLevel(t, target); !slices.Equal(got, tc.wantLeft) {
				t.Fatalf("a cancelled restore left %q in the target, want %q", got, tc.wantLeft)
			}

			progress = &cancelling{}
			w.restorer.Progress = progress
			if _, err := w.restorer.Restore(w.ctx, host, "home", restore.Target{Snapshot: incr.Snapshot}, target, restore.Options{}); err != nil {
				t.Fatalf("restore after the cancelled one: %v", err)
			}
			if !slices.Equal(progress.started, tc.wantResumed) {
				t.Errorf("the next restore received %q, want %q", progress.started, tc.wantResumed)
			}
			requireRestored(t, "restored tree", filepath.Join(w.snapDir, incr.Snapshot), filepath.Join(target, incr.Snapshot))
		})
	}
}
