package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/manifest"
)

// restore --json reports, for btrfs receive and for the native applier
// alike, where the backup went and which stages (with the sizes the
// remote's records give) it took; the native one also what it applied.
func TestRestoreJSON(t *testing.T) {
	m := newMachine(t)
	m.run(0, "push")
	must(t, os.WriteFile(filepath.Join(m.home, "second.txt"), []byte("more"), 0o644))
	m.run(0, "push")
	out, _ := m.run(0, "list", "home", "--json")
	var records []*manifest.Record
	if err := json.Unmarshal([]byte(out), &records); err != nil || len(records) != 2 {
		t.Fatalf("list --json: %v, %d records:\n%s", err, len(records), out)
	}
	full, incr := records[0], records[1]
	if !full.IsFull() {
		full, incr = incr, full
	}

	for _, c := range []struct {
		name, method string
		target       string
		args         []string
	}{
		{"btrfs", "btrfs-receive", btrfstest.NewFS(t, 1<<30, ""), nil},
		{"native", "native", tmpfsDir(t), nil},
		{"native on btrfs", "native", btrfstest.NewFS(t, 1<<30, ""), []string{"--native"}},
	} {
		out, _ := m.run(0, append([]string{"restore", "--json", "--to", c.target, "home"}, c.args...)...)
		var got []restoreResult
		if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != 1 {
			t.Fatalf("%s: restore --json: %v, %d results:\n%s", c.name, err, len(got), out)
		}
		r := got[0]
		want := []restoreStage{
			{Snapshot: full.Snapshot, Full: true, Bytes: full.PlainBytes, Stored: full.StoredBytes},
			{Snapshot: incr.Snapshot, Bytes: incr.PlainBytes, Stored: incr.StoredBytes},
		}
		if r.Subvolume != "home" || r.Snapshot != incr.Snapshot || r.Method != c.method || !r.Complete ||
			r.Path != filepath.Join(c.target, incr.Snapshot) || r.Bytes != full.PlainBytes+incr.PlainBytes {
			t.Errorf("%s: restore --json says %+v", c.name, r)
		}
		if len(r.Stages) != len(want) {
			t.Fatalf("%s: stages %+v, want %+v", c.name, r.Stages, want)
		}
		for i, s := range r.Stages {
			if s.Snapshot != want[i].Snapshot || s.Full != want[i].Full || s.Bytes != want[i].Bytes || s.Stored != want[i].Stored {
				t.Errorf("%s: stage %d is %+v, want %+v", c.name, i, s, want[i])
			}
		}
		if got := readFile(t, filepath.Join(r.Path, "second.txt")); got != "more" {
			t.Errorf("%s: %s holds %q", c.name, filepath.Join(r.Path, "second.txt"), got)
		}
		switch {
		case c.method == "btrfs-receive" && r.Native != nil:
			t.Errorf("%s: a btrfs receive restore has a native report: %+v", c.name, r.Native)
		case c.method == "native" && (r.Native == nil || r.Native.Streams != 2 || r.Native.StreamBytes != r.Bytes || r.Native.OwnersLeft != 0):
			t.Errorf("%s: native report %+v, want 2 streams of %d bytes, owners set", c.name, r.Native, r.Bytes)
		}
	}

	_, stderr := m.run(2, "restore", "--json", "--layout", "--to", tmpfsDir(t))
	if !strings.Contains(stderr, "--json is not available with --layout") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("restore --json --layout: stderr %q, want one line refusing it", stderr)
	}
}
