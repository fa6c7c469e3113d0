package restore_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/restore"
)

// The budgeted verify reads each backup's file index back in the same
// rotation as its parts (counted with them), and names a damaged one.
func TestBudgetChecksIndexes(t *testing.T) {
	spec := remotetest.Local(t)
	c := newChain(t, spec, spec)
	counting := &countingStore{Store: c.restorer.Store}
	r := *c.restorer
	r.Store = counting
	v := &restore.Verifier{Restorer: r, Scratch: t.TempDir()}
	run := func() *restore.BudgetReport {
		t.Helper()
		rep, err := v.VerifyBudget(c.ctx, host, []string{"home"}, restore.BudgetOptions{Budget: restore.Budget{Bytes: 1 << 40}})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := run()
	parts := len(c.full.Parts) + len(c.incr1.Parts) + len(c.incr2.Parts)
	if !rep.OK() || rep.Parts != parts+3 || rep.CheckedParts != parts+3 {
		t.Errorf("intact chain: ok %v, %d objects, %d checked; want ok, %d parts and 3 indexes all checked: %v",
			rep.OK(), rep.Parts, rep.CheckedParts, parts, rep.Problems)
	}
	indexes := 0
	for _, name := range counting.take() {
		if name == filepath.Base(c.index(c.full)) {
			indexes++
		}
	}
	if indexes != 3 {
		t.Errorf("the run read %d indexes, want 3", indexes)
	}
	flipByte(t, c.index(c.incr1))
	rep = run()
	var seen []string
	for _, p := range rep.Problems {
		if p.Snapshot == c.incr1.Snapshot && filepath.Join(c.dir, filepath.FromSlash(p.Object)) == c.index(c.incr1) &&
			strings.Contains(p.What, "not the one its record names") {
			return
		}
		seen = append(seen, p.String())
	}
	t.Errorf("a flipped byte in %s's index was not named; problems: %v", c.incr1.Snapshot, seen)
}
