package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

// keep_local (default 2, which every other end-to-end test raises): after
// four pushes the snapshot directory holds the two newest snapshots only,
// and each push after the first was incremental on the one before, whose
// snapshot was still there.
func TestKeepLocal(t *testing.T) {
	m := newMachine(t)
	for round := range 4 {
		m.grow(round)
		m.run(0, "push")
	}
	recs := m.remoteRecords()
	if len(recs) != 4 {
		t.Fatalf("%d backups committed, want 4", len(recs))
	}
	for i, r := range recs[1:] {
		if r.Parent != recs[i].Snapshot {
			t.Errorf("%s is built on %q, want %s", r.Snapshot, r.Parent, recs[i].Snapshot)
		}
	}
	entries, err := os.ReadDir(filepath.Join(m.fs, "snapshots"))
	must(t, err)
	var local []string
	for _, e := range entries {
		local = append(local, e.Name())
	}
	if want := []string{recs[2].Snapshot, recs[3].Snapshot}; !slices.Equal(local, want) {
		t.Errorf("local snapshots after 4 pushes with keep_local 2: %v, want %v", local, want)
	}
}

// restore never touches what it did not make: a DIR/<writable> that exists,
// or a foreign subvolume named like a stage of the chain, is refused with
// exit 2 and left as it was.
func TestRestoreRefusesWhatIsInTheWay(t *testing.T) {
	m := newMachine(t)
	m.grow(0)
	m.run(0, "push")
	m.grow(1)
	m.run(0, "push")
	recs := m.remoteRecords()

	target := btrfstest.NewFS(t, 1<<30, "")
	writable := filepath.Join(target, "@home")
	must(t, os.Mkdir(writable, 0o755))
	writeFile(t, filepath.Join(writable, "mine"), "keep me")
	_, stderr := m.run(2, "restore", "--to", target, "home", "--writable", "@home")
	if !strings.Contains(stderr, "@home already exists") {
		t.Errorf("restore over an existing --writable says %q", stderr)
	}
	if entries, _ := os.ReadDir(target); len(entries) != 1 || readFile(t, filepath.Join(writable, "mine")) != "keep me" {
		t.Errorf("a refused restore changed %s: %v", target, entries)
	}

	other := btrfstest.NewFS(t, 1<<30, "")
	foreign := btrfstest.Subvolume(t, other, recs[0].Snapshot) // named like the chain's full
	writeFile(t, filepath.Join(foreign, "mine"), "keep me")
	_, stderr = m.run(2, "restore", "--to", other, "--snapshot", recs[1].Snapshot)
	if !strings.Contains(stderr, "already exists and is not the received backup "+recs[0].Snapshot) {
		t.Errorf("restore through a foreign subvolume says %q", stderr)
	}
	if readFile(t, filepath.Join(foreign, "mine")) != "keep me" {
		t.Error("the foreign subvolume was changed")
	}
	if _, err := os.Lstat(filepath.Join(other, recs[1].Snapshot)); err == nil {
		t.Errorf("%s was received although the chain was refused", recs[1].Snapshot)
	}
}
