package backup

import (
	"slices"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// A dry run says of every folder, planted ones included, exactly what the
// real prune then does: the same verdicts, and the real prune deletes
// what the dry run said it would and nothing else.
func TestPruneDryRunSaysWhatPruneDoes(t *testing.T) {
	h := newHistory(t, remotetest.Local(t), manifest.Retention{Last: 1})
	names := h.daily("F F")
	// Planted by someone with write access: a complete-looking backup
	// (record and parts) state_dir never heard of, old and young; parts
	// alone under a snapshot name; and a folder that is no snapshot name.
	plantedOld := testRecord(pruneNow.AddDate(0, 0, -30), nil).Snapshot
	plantedNew := testRecord(pruneNow.Add(-time.Hour), nil).Snapshot
	for _, name := range []string{plantedOld, plantedNew} {
		h.putParts(name, 2)
		h.put(remote.RecordName("desk", "home", name))
	}
	partsOnly := h.abandon(pruneNow.AddDate(0, 0, -10))
	h.put("desk/home/evil/payload")

	dry := h.mustPrune(true)
	real := h.mustPrune(false)
	if got, want := verdicts(dry), verdicts(real); !slices.Equal(got, want) {
		t.Errorf("backups: dry run %q, prune %q", got, want)
	}
	want := map[string]bool{plantedOld: false, plantedNew: false, partsOnly: true, "evil": false}
	if len(dry.Leftovers) != len(want) || len(real.Leftovers) != len(want) {
		t.Errorf("leftovers: dry run %+v, prune %+v; want %d each", dry.Leftovers, real.Leftovers, len(want))
	}
	for i, d := range dry.Leftovers {
		if i >= len(real.Leftovers) {
			break
		}
		r := real.Leftovers[i]
		del, ok := want[d.Snapshot]
		switch {
		case !ok:
			t.Errorf("unexpected leftover %s", d.Snapshot)
		case d.Snapshot != r.Snapshot || d.Delete != r.Delete || d.Why != r.Why || d.Objects != r.Objects:
			t.Errorf("leftover: dry run %+v, prune %+v", d, r)
		case d.Delete != del || r.Deleted != del || d.Deleted:
			t.Errorf("leftover %s: dry run delete=%v, prune deleted=%v, want %v", d.Snapshot, d.Delete, r.Deleted, del)
		}
		if left := len(h.objects(d.Snapshot)); del == (left > 0) {
			t.Errorf("leftover %s: %d objects on the remote after the prune, want deleted=%v", d.Snapshot, left, del)
		}
	}
	h.requireGone(names[0])
	h.requireWhole(names[1])
}
