package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/restore"
)

// A restore killed with SIGKILL at any point leaves nothing that looks
// restored (only its staging entries, or the finished backup itself once
// it is complete), and the same command run again finishes it: the
// snapshot and its writable copy identical to the source.
func TestKilledRestoreIsFinishedByTheNext(t *testing.T) {
	m := newMachine(t)
	m.config = m.customConfig("kill.yaml", []string{m.recipient()}, m.identity)
	m.grow(1)
	m.run(0, "push")
	m.grow(2)
	m.run(0, "push")
	recs := m.requireCommittedWhole()
	slices.SortFunc(recs, func(a, b *manifest.Record) int { return a.Created.Compare(b.Created) })
	full, newest := recs[0].Snapshot, recs[len(recs)-1].Snapshot
	if len(recs) != 2 || recs[1].Parent != full || len(recs[0].Parts) < 3 {
		t.Fatalf("want a full of 3 parts or more and an incremental on it, got %d records", len(recs))
	}
	target := btrfstest.NewFS(t, 1<<30, "")
	source := filepath.Join(m.fs, "snapshots", newest)

	for _, point := range []string{"mid-receive", "between-stages", "before-promote", "after-promote"} {
		t.Run(point, func(t *testing.T) {
			m.t = t
			defer func() { m.t = t }()
			into := filepath.Join(target, point)
			if err := os.Mkdir(into, 0o700); err != nil {
				t.Fatal(err)
			}
			args := []string{"restore", "--to", into, "--snapshot", newest, "--writable", "home-rw"}
			p := m.startPaused(point, args...)
			p.waitPause(point)
			p.kill()

			left := entries(t, into)
			t.Logf("after SIGKILL at %s: %v", point, left)
			for _, name := range left {
				if restore.IsStaging(name) {
					continue
				}
				if point == "after-promote" && name == newest {
					m.requireIdentical(source, filepath.Join(into, name)) // in place only when whole
					continue
				}
				t.Errorf("after SIGKILL at %s, %s looks restored", point, name)
			}
			wantStaged := map[string]string{"mid-receive": full, "between-stages": full, "before-promote": newest}[point]
			if wantStaged != "" && !slices.Contains(left, restore.StagingName(wantStaged)) {
				t.Errorf("after SIGKILL at %s, want %s staged, found %v", point, wantStaged, left)
			}

			spools := filepath.Join(m.dir, "state", "argo-restore-spool-*")
			if left, _ := filepath.Glob(spools); point == "mid-receive" && len(left) == 0 {
				t.Errorf("after SIGKILL mid-receive, no spool directory left in the state directory (the test expects the killed restore's)")
			}

			m.run(0, args...)
			if left, _ := filepath.Glob(spools); len(left) > 0 {
				t.Errorf("after the second restore, spool directories left: %v", left)
			}
			m.requireIdentical(source, filepath.Join(into, newest))
			m.requireIdentical(source, filepath.Join(into, "home-rw"))
			if got := entries(t, into); !slices.Equal(got, []string{"home-rw", newest}) {
				t.Errorf("after the second restore the target holds %v, want only %s and home-rw", got, newest)
			}
		})
	}
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}
