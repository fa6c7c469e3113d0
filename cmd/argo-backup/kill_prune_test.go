package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A prune killed (SIGKILL) at each step of deleting a backup: the next
// status says nothing is lost, verify finds no damage, and the next prune
// finishes, leaving the newest backup alone, as an uninterrupted prune
// would.
func TestPruneKilled(t *testing.T) {
	m := newMachine(t)
	cfg := readFile(t, m.config)
	writeFile(t, m.config, strings.Replace(cfg, "/snapshots}", "/snapshots, retention: {last: 1}}", 1))
	for _, point := range []string{"prune-marked", "prune-record-deleted", "prune-parts-deleted"} {
		m.run(0, "push", "--full")
		m.run(0, "push", "--full")
		newest := remoteSnapshots(t, m)
		newest = newest[len(newest)-1:]

		p := m.startPaused(point, "prune")
		p.waitPause(point)
		p.kill()

		status, _ := m.run(0, "status")
		if strings.Contains(status, "gone") || strings.Contains(status, "the remote holds less") {
			t.Errorf("status after a prune killed at %s reports losses:\n%s", point, status)
		}
		if !strings.Contains(status, "an interrupted prune was deleting 1 backup(s)") {
			t.Errorf("status after a prune killed at %s does not say a prune was interrupted:\n%s", point, status)
		}
		m.run(0, "verify", "--quick")
		m.run(0, "prune")
		if got := remoteSnapshots(t, m); !slices.Equal(got, newest) {
			t.Errorf("after a prune killed at %s and the next prune, the remote holds %q, want %q", point, got, newest)
		}
		status, _ = m.run(0, "status")
		if strings.Contains(status, "gone") || strings.Contains(status, "interrupted prune") {
			t.Errorf("status after the next prune reports losses or a prune to finish:\n%s", status)
		}
	}
}

// remoteSnapshots lists the snapshot folders of home on the machine's
// remote, oldest first.
func remoteSnapshots(t *testing.T, m *machine) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(m.dir, "remote", "testhost", "home"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
