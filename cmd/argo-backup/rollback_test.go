package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/manifest"
)

// The remote deletes this host's newest backups (a rollback, or someone with
// write access): status and verify name the lost snapshots, the next push
// notices that its parent is gone and makes a full backup (saying why), that
// backup restores identical, and afterwards status still says what was lost.
func TestRemoteRollbackIsNoticed(t *testing.T) {
	m := newMachine(t)
	m.config = m.customConfig("rollback.yaml", []string{m.recipient()}, m.identity)
	for round := range 3 {
		m.grow(round)
		m.run(0, "push")
	}
	recs := m.remoteRecords()
	slices.SortFunc(recs, func(a, b *manifest.Record) int { return a.Created.Compare(b.Created) })
	if len(recs) != 3 || recs[2].Depth != 2 {
		t.Fatalf("want a full and two incrementals, got %d records", len(recs))
	}
	gone := []string{recs[1].Snapshot, recs[2].Snapshot}
	for _, s := range gone {
		if err := os.RemoveAll(filepath.Join(m.remoteDir(), "testhost", "home", s)); err != nil {
			t.Fatal(err)
		}
	}

	stdout, _ := m.run(0, "status")
	requireAll(t, "status", stdout, append([]string{"the remote holds less than this host pushed"}, gone...)...)
	if strings.Contains(stdout, recs[0].Snapshot) {
		t.Errorf("status names %s, which the remote still holds:\n%s", recs[0].Snapshot, stdout)
	}
	stdout, _ = m.run(0, "status", "--json")
	var st struct {
		Subvolumes map[string]struct {
			RemoteLost []struct{ Snapshot string } `json:"remote_lost"`
		} `json:"subvolumes"`
	}
	if err := json.Unmarshal([]byte(stdout), &st); err != nil {
		t.Fatal(err)
	}
	if got := st.Subvolumes["home"].RemoteLost; len(got) != 2 || got[0].Snapshot != gone[0] || got[1].Snapshot != gone[1] {
		t.Errorf("status --json remote_lost = %v, want %v", got, gone)
	}
	stdout, _ = m.run(3, "verify", "--quick")
	requireAll(t, "verify --quick", stdout, append([]string{"LOST"}, gone...)...)
	stdout, _ = m.run(3, "verify")
	requireAll(t, "verify", stdout, append([]string{"LOST"}, gone...)...)

	m.grow(3)
	_, stderr := m.run(0, "push")
	requireAll(t, "push", stderr, "the remote lost the parent", recs[2].Snapshot)
	after := m.remoteRecords()
	slices.SortFunc(after, func(a, b *manifest.Record) int { return a.Created.Compare(b.Created) })
	newest := after[len(after)-1]
	if len(after) != 2 || !newest.IsFull() {
		t.Fatalf("after the push: %d records, newest depth %d; want the old full and a new full", len(after), newest.Depth)
	}
	m.requireRestoresIdentical(btrfstest.NewFS(t, 1<<30, ""), newest.Snapshot)

	// Forgotten by the push, remembered for status; verify is clean again.
	stdout, _ = m.run(0, "status")
	requireAll(t, "status after the push", stdout, append([]string{"a push found 2 backup(s)"}, gone...)...)
	if strings.Contains(stdout, "the remote holds less") {
		t.Errorf("status after the push still reports a current loss:\n%s", stdout)
	}
	m.run(0, "verify", "--quick")
}

func requireAll(t *testing.T, what, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("%s does not say %q:\n%s", what, w, out)
		}
	}
}

// An interrupted incremental whose parent the remote lost meanwhile is not
// finished (it could never be restored): the next push discards it, says
// why, and makes a full backup that restores identical.
func TestInterruptedPushOnLostParent(t *testing.T) {
	m := newMachine(t)
	m.config = m.customConfig("lostparent.yaml", []string{m.recipient()}, m.identity)
	m.grow(0)
	m.run(0, "push")
	parent := m.remoteRecords()[0].Snapshot
	m.grow(1)
	p := m.startPush("mid-upload")
	p.waitPause("mid-upload")
	p.kill()
	if err := os.RemoveAll(filepath.Join(m.remoteDir(), "testhost", "home", parent)); err != nil {
		t.Fatal(err)
	}

	_, stderr := m.run(0, "push")
	requireAll(t, "push", stderr, "discarding unfinished backup", "cannot be restored from the remote", "the remote lost the parent")
	recs := m.remoteRecords()
	if len(recs) != 1 || !recs[0].IsFull() {
		t.Fatalf("after the push: %d records, want one new full", len(recs))
	}
	m.requireRestoresIdentical(btrfstest.NewFS(t, 1<<30, ""), recs[0].Snapshot)
}
