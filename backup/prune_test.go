package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rclone/rclone/fs/fshttp"

	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// pruneNow is the clock of every prune test: noon on Friday 2026-11-20.
var pruneNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// history is a host's backups of "home" as prune sees them: record copies
// in state_dir and objects on a remote, made without btrfs. Objects are
// opaque bytes: prune never opens them.
type history struct {
	t      *testing.T
	store  *remote.Store
	pruner *Pruner
	sv     Subvolume
	byName map[string]*manifest.Record
}

func newHistory(t *testing.T, spec string, r manifest.Retention) *history {
	t.Helper()
	store, err := remote.Open(t.Context(), spec, remote.Options{Retries: 1, RetryDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return &history{
		t:     t,
		store: store,
		pruner: &Pruner{Host: "desk", Store: store, State: State{Dir: t.TempDir()},
			Now: func() time.Time { return pruneNow }, Location: time.UTC},
		sv:     Subvolume{Name: "home", Retention: r},
		byName: make(map[string]*manifest.Record),
	}
}

// daily commits one backup a day at 02:00, oldest first, ending yesterday:
// "F" a full, "i" an incremental on the previous backup.
func (h *history) daily(kinds string) []string {
	h.t.Helper()
	fields := strings.Fields(kinds)
	var names []string
	var parent *manifest.Record
	for i, k := range fields {
		at := pruneNow.AddDate(0, 0, i-len(fields)).Truncate(24 * time.Hour).Add(2 * time.Hour)
		if k == "F" {
			parent = nil
		}
		parent = h.commit(at, parent)
		names = append(names, parent.Snapshot)
	}
	return names
}

// commit stores a backup of two parts and its record, and the record copy.
func (h *history) commit(created time.Time, parent *manifest.Record) *manifest.Record {
	h.t.Helper()
	r := testRecord(created, parent)
	h.putParts(r.Snapshot, 2)
	h.put(remote.RecordName("desk", "home", r.Snapshot))
	if err := h.pruner.State.SaveRecord(r); err != nil {
		h.t.Fatal(err)
	}
	h.byName[r.Snapshot] = r
	return r
}

// abandon stores the parts of a push that never wrote its record.
func (h *history) abandon(created time.Time) string {
	h.t.Helper()
	name := manifest.SnapshotName("home", created)
	h.putParts(name, 2)
	return name
}

// inProgress writes the resume journal of an unfinished push.
func (h *history) inProgress(snapshot, parent string) {
	h.t.Helper()
	j := newJournal(h.pruner.State, "desk", "home", snapshot, parent, true, 1<<20, pruneNow)
	if err := j.save(); err != nil {
		h.t.Fatal(err)
	}
}

func (h *history) putParts(snapshot string, n int) {
	for i := range n {
		h.put(remote.PartName("desk", "home", snapshot, i))
	}
}

func (h *history) put(name string) {
	h.t.Helper()
	if err := h.store.Put(h.t.Context(), name, []byte("sealed "+name)); err != nil {
		h.t.Fatal(err)
	}
}

func (h *history) prune(dryRun bool) (*PruneReport, error) {
	return h.pruner.Prune(h.t.Context(), h.sv, dryRun)
}

func (h *history) mustPrune(dryRun bool) *PruneReport {
	h.t.Helper()
	rep, err := h.prune(dryRun)
	if err != nil {
		h.t.Fatalf("prune: %v", err)
	}
	return rep
}

// objects lists the names stored under one snapshot's directory.
func (h *history) objects(snapshot string) []string {
	h.t.Helper()
	entries, err := h.store.List(h.t.Context(), remote.SnapshotDir("desk", "home", snapshot))
	if err != nil {
		h.t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name[strings.LastIndex(e.Name, "/")+1:])
	}
	return names
}

// stateCopies lists the snapshots state_dir holds records of.
func (h *history) stateCopies() []string {
	h.t.Helper()
	recs, err := h.pruner.State.Records("desk", "home")
	if err != nil {
		h.t.Fatal(err)
	}
	var names []string
	for _, r := range recs {
		names = append(names, r.Snapshot)
	}
	return names
}

// requireWhole fails unless snapshot's record and both parts are stored
// and state_dir still has its record.
func (h *history) requireWhole(snapshot string) {
	h.t.Helper()
	want := []string{"part-000000.zst.age", "part-000001.zst.age", "record.json.age"}
	if got := h.objects(snapshot); !slices.Equal(got, want) {
		h.t.Errorf("%s on the remote: %q, want %q", snapshot, got, want)
	}
	if !slices.Contains(h.stateCopies(), snapshot) {
		h.t.Errorf("%s: its record copy is gone from state_dir", snapshot)
	}
}

// requireGone fails unless nothing of snapshot is left, here or there.
func (h *history) requireGone(snapshot string) {
	h.t.Helper()
	if got := h.objects(snapshot); len(got) > 0 {
		h.t.Errorf("%s: %q still on the remote", snapshot, got)
	}
	if slices.Contains(h.stateCopies(), snapshot) {
		h.t.Errorf("%s: its record copy is still in state_dir", snapshot)
	}
}

// testRecord is a valid record of "home" taken at t, sent against parent
// (nil for a full).
func testRecord(t time.Time, parent *manifest.Record) *manifest.Record {
	name := manifest.SnapshotName("home", t)
	sum := func(what string) string {
		s := sha256.Sum256([]byte(name + what))
		return hex.EncodeToString(s[:])
	}
	u := sum("uuid")
	r := &manifest.Record{
		Format: manifest.FormatVersion, ToolVersion: "test", Host: "desk", Subvolume: "home",
		SourcePath: "/home", Snapshot: name, UUID: u[0:8] + "-" + u[8:12] + "-" + u[12:16] + "-" + u[16:20] + "-" + u[20:32],
		CTransID: uint64(t.Unix()), Created: t.UTC(), Committed: t.UTC().Add(time.Minute),
		SendProto: 2, CompressionLevel: 3, PartSize: 1000, PlainBytes: 1500, StoredBytes: 900,
		StreamSHA256: sum("stream"),
		Parts: []manifest.Part{
			{Index: 0, PlainBytes: 1000, PlainSHA256: sum("p0"), StoredBytes: 600, StoredSHA256: sum("s0")},
			{Index: 1, PlainBytes: 500, PlainSHA256: sum("p1"), StoredBytes: 300, StoredSHA256: sum("s1")},
		},
	}
	if parent != nil {
		r.Parent, r.ParentUUID, r.ParentCTransID, r.Depth = parent.Snapshot, parent.UUID, parent.CTransID, parent.Depth+1
	}
	return r
}

// verdicts renders a report's backups as "keep"/"delete", oldest first.
func verdicts(rep *PruneReport) []string {
	var out []string
	for _, b := range rep.Backups {
		out = append(out, action(b.Keep))
	}
	return out
}

func action(keep bool) string {
	if keep {
		return "keep"
	}
	return "delete"
}

func TestPruneDeletesOnlyWhatNoKeptBackupNeeds(t *testing.T) {
	tests := []struct {
		name      string
		history   string
		retention manifest.Retention
		want      []string // oldest first
	}{
		{"no retention keeps everything", "F i i F i i", manifest.Retention{},
			[]string{"keep", "keep", "keep", "keep", "keep", "keep"}},
		{"an old chain goes whole", "F i i F i i", manifest.Retention{Last: 2},
			[]string{"delete", "delete", "delete", "keep", "keep", "keep"}},
		{"one long chain is kept whole, whatever the counts", "F i i i i i", manifest.Retention{Last: 1},
			[]string{"keep", "keep", "keep", "keep", "keep", "keep"}},
		{"the newest always stays", "F F F", manifest.Retention{Daily: 1},
			[]string{"delete", "delete", "keep"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHistory(t, remotetest.Local(t), tt.retention)
			names := h.daily(tt.history)
			rep := h.mustPrune(false)
			if got := verdicts(rep); !slices.Equal(got, tt.want) {
				t.Fatalf("verdicts %q, want %q", got, tt.want)
			}
			for i, name := range names {
				if tt.want[i] == "keep" {
					h.requireWhole(name)
				} else {
					h.requireGone(name)
				}
			}
		})
	}
}

func TestPruneDryRunDeletesNothing(t *testing.T) {
	h := newHistory(t, remotetest.Local(t), manifest.Retention{Last: 1})
	names := h.daily("F i F i")
	old := h.abandon(pruneNow.Add(-72 * time.Hour))
	rep := h.mustPrune(true)
	if got, want := verdicts(rep), []string{"delete", "delete", "keep", "keep"}; !slices.Equal(got, want) {
		t.Errorf("dry run verdicts %q, want %q", got, want)
	}
	if len(rep.Leftovers) != 1 || !rep.Leftovers[0].Delete {
		t.Errorf("dry run leftovers %+v, want %s to be deleted", rep.Leftovers, old)
	}
	for _, name := range names {
		h.requireWhole(name)
	}
	if got := h.objects(old); len(got) != 2 {
		t.Errorf("the dry run deleted the unfinished push's parts: %q left", got)
	}
	for _, b := range rep.Backups {
		if b.Deleted {
			t.Errorf("dry run reports %s as deleted", b.Snapshot)
		}
	}
}

// Prune deletes a backup's record before its parts. A remote that fails
// the record's delete leaves the backup whole; one that fails a part's
// delete leaves no record, here or there, naming the missing parts, and
// the next prune finishes the job (state_dir's pruning/ names it).
func TestPruneDeletesTheRecordBeforeTheParts(t *testing.T) {
	tests := []struct {
		name        string
		fail        string // the object whose DELETE the remote refuses
		wantWhole   bool   // the backup survives untouched
		wantLeft    []string
		wantCleaned bool // the next prune finishes deleting what is left
	}{
		{"record refused", "record.json.age", true, nil, false},
		{"part refused", "part-000001.zst.age", false, []string{"part-000001.zst.age"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHistory(t, remotetest.WebDAV(t), manifest.Retention{Last: 1})
			names := h.daily("F F")
			victim := names[0]
			refused := failDeletes(t, remote.SnapshotDir("desk", "home", victim)+"/"+tt.fail)

			if _, err := h.prune(false); err == nil || !strings.Contains(err.Error(), victim) {
				t.Fatalf("prune with a failing remote = %v, want an error naming %s", err, victim)
			}
			if refused.Load() == 0 {
				t.Fatal("the remote refused no delete: the test proves nothing")
			}
			if tt.wantWhole {
				h.requireWhole(victim)
				return
			}
			if got := h.objects(victim); !slices.Equal(got, tt.wantLeft) {
				t.Errorf("after the failure %s holds %q, want %q", victim, got, tt.wantLeft)
			}
			if slices.Contains(h.stateCopies(), victim) {
				t.Errorf("state_dir still has the record of %s, whose parts are going", victim)
			}

			fshttp.SetFaultInjector(nil)
			rep := h.mustPrune(false)
			if len(rep.Leftovers) != 0 || len(rep.Backups) != 2 || !rep.Backups[0].Deleted ||
				!slices.Contains(rep.Backups[0].Reasons, resumedReason) {
				t.Errorf("second prune: backups %+v, leftovers %+v; want %s deleted because %q", rep.Backups, rep.Leftovers, victim, resumedReason)
			}
			h.requireGone(victim)
			h.requireWhole(names[1])
		})
	}
}

// failDeletes makes the remote refuse (403) every DELETE of the object
// named, and counts the refusals.
func failDeletes(t *testing.T, object string) *atomic.Int64 {
	var refused atomic.Int64
	fshttp.SetFaultInjector(func(req *http.Request) (int, error) {
		if req.Method == http.MethodDelete && strings.HasSuffix(req.URL.Path, object) {
			refused.Add(1)
			return http.StatusForbidden, nil
		}
		return 0, nil
	})
	t.Cleanup(func() { fshttp.SetFaultInjector(nil) })
	return &refused
}

func TestPruneLeftovers(t *testing.T) {
	h := newHistory(t, remotetest.Local(t), manifest.Retention{Last: 1})
	h.daily("F")
	abandoned := h.abandon(pruneNow.Add(-72 * time.Hour))
	young := h.abandon(pruneNow.Add(-2 * time.Hour))
	running := h.abandon(pruneNow.Add(-48 * time.Hour))
	h.inProgress(running, "")
	unknown := testRecord(pruneNow.Add(-96*time.Hour), nil).Snapshot // committed, state_dir lost it
	h.putParts(unknown, 2)
	h.put(remote.RecordName("desk", "home", unknown))

	rep := h.mustPrune(false)
	want := map[string]bool{abandoned: true, young: false, running: false, unknown: false}
	for _, l := range rep.Leftovers {
		w, ok := want[l.Snapshot]
		if !ok {
			t.Errorf("unexpected leftover %s", l.Snapshot)
			continue
		}
		delete(want, l.Snapshot)
		if l.Deleted != w {
			t.Errorf("leftover %s: deleted %v (%s), want %v", l.Snapshot, l.Deleted, l.Why, w)
		}
		if left := len(h.objects(l.Snapshot)); w == (left > 0) {
			t.Errorf("leftover %s: %d objects left on the remote after deleted=%v", l.Snapshot, left, l.Deleted)
		}
	}
	for name := range want {
		t.Errorf("leftover %s not reported", name)
	}
}

// The parent chain of a push that is still in progress survives, or the
// push could not be resumed.
func TestPruneKeepsTheChainOfAPushInProgress(t *testing.T) {
	h := newHistory(t, remotetest.Local(t), manifest.Retention{Last: 1})
	names := h.daily("F i i F i")
	h.inProgress(manifest.SnapshotName("home", pruneNow), names[2])
	rep := h.mustPrune(false)
	if got, want := verdicts(rep), []string{"keep", "keep", "keep", "keep", "keep"}; !slices.Equal(got, want) {
		t.Fatalf("verdicts %q, want %q", got, want)
	}
	if why := strings.Join(rep.Backups[2].Reasons, ", "); !strings.Contains(why, "push in progress") {
		t.Errorf("%s kept because %q, want the push in progress named", names[2], why)
	}
}

// checkKeptChains is prune's last line of defence: it must refuse a plan
// that deletes what a kept backup needs, and must not refuse because of a
// chain that was broken before prune ran.
func TestCheckKeptChains(t *testing.T) {
	full := testRecord(pruneNow.AddDate(0, 0, -3), nil)
	incr := testRecord(pruneNow.AddDate(0, 0, -2), full)
	orphan := testRecord(pruneNow.AddDate(0, 0, -1), testRecord(pruneNow.AddDate(0, 0, -10), nil))
	keep := func(r *manifest.Record, k bool) manifest.Decision { return manifest.Decision{Record: r, Keep: k} }
	tests := []struct {
		name         string
		decisions    []manifest.Decision
		wantErr      bool
		wantWarnings int
	}{
		{"whole chain kept", []manifest.Decision{keep(full, true), keep(incr, true)}, false, 0},
		{"old chain deleted whole", []manifest.Decision{keep(full, false), keep(incr, false), keep(orphan, true)}, false, 1},
		{"parent of a kept backup deleted", []manifest.Decision{keep(full, false), keep(incr, true)}, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var all []*manifest.Record
			for _, d := range tt.decisions {
				all = append(all, d.Record)
			}
			warnings, err := checkKeptChains(tt.decisions, all)
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, want error %v", err, tt.wantErr)
			}
			if len(warnings) != tt.wantWarnings {
				t.Errorf("warnings %q, want %d", warnings, tt.wantWarnings)
			}
		})
	}
}

// Deleting the same backup twice (a prune stopped half-way, then run
// again) is not an error.
func TestPruneFinishesAnInterruptedPrune(t *testing.T) {
	h := newHistory(t, remotetest.Local(t), manifest.Retention{Last: 1})
	names := h.daily("F F")
	ctx := context.Background()
	if err := h.store.Delete(ctx, remote.RecordName("desk", "home", names[0])); err != nil {
		t.Fatal(err)
	}
	rep := h.mustPrune(false)
	if !rep.Backups[0].Deleted {
		t.Errorf("%s not reported deleted: %+v", names[0], rep.Backups[0])
	}
	h.requireGone(names[0])
	h.requireWhole(names[1])
	if s := fmt.Sprint(rep.Warnings); len(rep.Warnings) > 0 {
		t.Errorf("warnings %s about a backup that was being deleted anyway", s)
	}
}
