package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// A prune killed at any step of deleting a backup leaves a state that the
// next status and verify (RemoteLosses over state_dir's records) read as
// nothing lost, and that the next prune finishes: the end is what an
// uninterrupted prune leaves. What a kill at a step leaves is exactly the
// state_dir and remote as they are when the prune reaches it: the test
// hook copies both there, and each copy is checked on its own.
func TestPruneKilledAtEachStep(t *testing.T) {
	remoteDir := filepath.Join(t.TempDir(), "remote")
	h := newHistory(t, remoteDir, manifest.Retention{Last: 1})
	var names []string
	for i := range 3 {
		names = append(names, h.commitWhole(pruneNow.AddDate(0, 0, i-3)))
	}
	old, kept := names[:2], names[2]

	type world struct{ at, state, remote string }
	var worlds []world
	h.pruner.TestHook = func(_ context.Context, at PruneCheckpoint, snapshot string) {
		dir := t.TempDir()
		w := world{at: string(at) + " of " + snapshot, state: filepath.Join(dir, "state"), remote: filepath.Join(dir, "remote")}
		copyTree(t, h.pruner.State.Dir, w.state)
		copyTree(t, remoteDir, w.remote)
		worlds = append(worlds, w)
	}
	h.mustPrune(false)
	if want := 3 * len(old); len(worlds) != want {
		t.Fatalf("the prune passed %d checkpoints, want %d", len(worlds), want)
	}
	for _, name := range old {
		h.requireGone(name)
	}
	h.requireWhole(kept)

	for _, w := range worlds {
		t.Run(strings.ReplaceAll(w.at, " ", "_"), func(t *testing.T) {
			store, err := remote.Open(t.Context(), w.remote, remote.Options{})
			if err != nil {
				t.Fatal(err)
			}
			state := State{Dir: w.state}
			recs, err := state.Records("desk", "home")
			if err != nil {
				t.Fatal(err)
			}
			losses, err := RemoteLosses(t.Context(), store, "desk", "home", recs)
			if err != nil || len(losses) > 0 {
				t.Errorf("after a prune killed at %s, status and verify see losses %v (%v)", w.at, losses, err)
			}
			next := &Pruner{Host: "desk", Store: store, State: state, Now: h.pruner.Now, Location: time.UTC}
			rep, err := next.Prune(t.Context(), h.sv, false)
			if err != nil {
				t.Fatalf("the next prune: %v", err)
			}
			for _, l := range rep.Leftovers {
				if l.Snapshot != kept && slices.Contains(old, l.Snapshot) && !l.Deleted {
					t.Errorf("the next prune left %s (%s)", l.Snapshot, l.Why)
				}
			}
			requireOnly(t, w.remote, kept)
			recs, _ = state.Records("desk", "home")
			pruning, _ := state.Pruning("desk", "home")
			if len(recs) != 1 || recs[0].Snapshot != kept || len(pruning) != 0 {
				t.Errorf("state_dir after the next prune: records %v, pruning %v; want %s alone", snapshots(recs), snapshots(pruning), kept)
			}
		})
	}
}

// commitWhole commits a full backup whose stored parts have the sizes and
// hashes its record says, as a real push leaves them: what RemoteLosses
// checks.
func (h *history) commitWhole(created time.Time) string {
	h.t.Helper()
	r := testRecord(created, nil)
	for i := range r.Parts {
		p := &r.Parts[i]
		data := []byte(strings.Repeat(string(rune('a'+i)), int(p.StoredBytes)))
		sum := sha256.Sum256(data)
		p.StoredSHA256 = hex.EncodeToString(sum[:])
		if err := h.store.Put(h.t.Context(), remote.PartName("desk", "home", r.Snapshot, p.Index), data); err != nil {
			h.t.Fatal(err)
		}
	}
	h.put(remote.RecordName("desk", "home", r.Snapshot))
	if err := h.pruner.State.SaveRecord(r); err != nil {
		h.t.Fatal(err)
	}
	return r.Snapshot
}

// requireOnly fails unless the remote's desk/home holds the folder of
// snapshot alone.
func requireOnly(t *testing.T, remoteDir, snapshot string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(remoteDir, "desk", "home"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, []string{snapshot}) {
		t.Errorf("the remote holds %q, want %s alone", got, snapshot)
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("copy %s: %v: %s", from, err, out)
	}
}
