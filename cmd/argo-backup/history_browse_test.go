package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/internal/testing/randhist"
	"github.com/argo-backup/argo-backup/internal/testing/treedigest"
)

var historySeed = flag.Uint64("history-seed", 0, "seed of TestRandomHistoryBrowse's history (0: from the clock)")

// TestRandomHistoryBrowse: for a seeded random history pushed (signed) to
// a local remote, at every step and for every backup so far, what a user
// sees through ls, diff, cat, restore --path and mount equals the source
// snapshots, judged from the filesystem alone.
func TestRandomHistoryBrowse(t *testing.T) {
	m := newMachine(t)
	keepAllSnapshots(t, m)
	// Data written from now on is compressed, so that pushes (protocol 2
	// with --compressed-data where the kernel has it) send encoded extents.
	// A mount option, not btrfs property set: that is an xattr
	// (btrfs.compression), which no other filesystem can take back.
	if out, err := exec.Command("mount", "-o", "remount,compress=zstd", m.fs).CombinedOutput(); err != nil {
		t.Fatalf("remount %s with compress=zstd: %v: %s", m.fs, err, out)
	}
	seed := *historySeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun: go test -run TestRandomHistoryBrowse ./cmd/argo-backup/ -args -history-seed %d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 13))
	for step := range 5 {
		randhist.Ops(m.home, rng, 200)
		m.run(0, "push")
		snaps := m.localSnapshots()
		if len(snaps) != step+1 {
			t.Fatalf("step %d: %d local snapshots %v, want %d", step, len(snaps), snaps, step+1)
		}
		paths, changes := 0, 0
		for _, s := range snaps {
			paths = requireLs(t, m, s)
			requireLsLong(t, m, s)
			requireCat(t, m, rng, s)
			requireRestorePath(t, m, rng, s)
		}
		if step > 0 {
			changes = requireDiff(t, m, snaps[step-1], snaps[step])
		}
		if step > 1 { // and in either order
			requireDiff(t, m, snaps[0], snaps[step])
			requireDiff(t, m, snaps[step], snaps[0])
		}
		requireMount(t, m, snaps)
		t.Logf("step %d: ls, cat, restore --path, diff and mount of %d backups equal the snapshots (%d paths, %d changed, send protocol %d)",
			step, len(snaps), paths, changes, m.sendProto(snaps[step]))
	}
}

// sendProto is the send protocol the record of snap names.
func (m *machine) sendProto(snap string) int {
	for _, r := range m.remoteRecords() {
		if r.Snapshot == snap {
			return r.SendProto
		}
	}
	m.t.Fatalf("no record of %s on the remote", snap)
	return 0
}

// keepAllSnapshots keeps every local snapshot: each is the truth its
// backup is judged against, at every later step too.
func keepAllSnapshots(t *testing.T, m *machine) {
	t.Helper()
	cfg := readFile(t, m.config)
	kept := strings.Replace(cfg, "/snapshots}", "/snapshots, keep_local: 100}", 1)
	if kept == cfg {
		t.Fatalf("no subvolume line to add keep_local to in:\n%s", cfg)
	}
	writeFile(t, m.config, kept)
}

// localSnapshots lists the machine's snapshots, oldest first (the names
// end in their UTC time).
func (m *machine) localSnapshots() []string {
	m.t.Helper()
	entries, err := os.ReadDir(filepath.Join(m.fs, "snapshots"))
	if err != nil {
		m.t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func (m *machine) snapshotDir(snap string) string { return filepath.Join(m.fs, "snapshots", snap) }

// lsEntry is one line of ls --json, read as a script would.
type lsEntry struct {
	Path   index.Name `json:"path"`
	Type   string     `json:"type"`
	Mode   string     `json:"mode"`
	UID    uint32     `json:"uid"`
	GID    uint32     `json:"gid"`
	Size   int64      `json:"size"`
	Mtime  time.Time  `json:"mtime"`
	Target index.Name `json:"target"`
}

// requireLs: ls --json (ls -l's fields, with whole-nanosecond mtimes and
// any name's bytes) lists exactly the snapshot's paths, each as lstat
// describes it.
func requireLs(t *testing.T, m *machine, snap string) (paths int) {
	t.Helper()
	var want, got []string
	for p, e := range sourceState(t, m.snapshotDir(snap)) {
		want = append(want, fmt.Sprintf("%q %s", p, e.lsLine()))
	}
	out, _ := m.run(0, "ls", snap, "--json")
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l lsEntry
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("ls --json line %q: %v", sc.Text(), err)
		}
		e := srcEntry{kind: l.Type, uid: l.UID, gid: l.GID, mtimeNs: l.Mtime.UnixNano(), target: string(l.Target), size: l.Size}
		if _, err := fmt.Sscanf(l.Mode, "%o", &e.mode); err != nil {
			t.Fatalf("ls --json mode %q: %v", l.Mode, err)
		}
		got = append(got, fmt.Sprintf("%q %s", string(l.Path), e.lsLine()))
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Fatalf("ls %s differs from the snapshot:\n%s", snap, lineDiff(want, got))
	}
	return len(got)
}

// requireLsLong: ls -l prints the line coreutils' ls -l would for every
// path of the snapshot (compared as a set of lines: a name may hold a
// newline, split alike on both sides).
func requireLsLong(t *testing.T, m *machine, snap string) {
	t.Helper()
	var lines []string
	for p, e := range sourceState(t, m.snapshotDir(snap)) {
		lines = append(lines, e.lsLongLine(p))
	}
	want := strings.Split(strings.Join(lines, "\n"), "\n")
	out, _ := m.run(0, "ls", snap, "-l")
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Fatalf("ls -l %s differs from the snapshot:\n%s", snap, lineDiff(want, got))
	}
}

// requireDiff: diff --json of two backups names exactly what differs
// between their source snapshots, and how.
func requireDiff(t *testing.T, m *machine, a, b string) (changes int) {
	t.Helper()
	want := wantDiff(sourceState(t, m.snapshotDir(a)), sourceState(t, m.snapshotDir(b)))
	out, _ := m.run(0, "diff", a, b, "--json")
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var c struct {
			Path index.Name `json:"path"`
			What string     `json:"change"`
			How  []string   `json:"how"`
		}
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("diff --json line %q: %v", line, err)
		}
		got = append(got, diffLine(c.What, string(c.Path), c.How))
	}
	sort.Strings(got)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Fatalf("diff %s %s differs from the snapshots' difference:\n%s", a, b, lineDiff(want, got))
	}
	return len(got)
}

// requireCat: cat of three random files gives their bytes.
func requireCat(t *testing.T, m *machine, rng *rand.Rand, snap string) {
	t.Helper()
	for range 3 {
		f := randhist.PickEntry(m.snapshotDir(snap), rng, false)
		if f == "" {
			return
		}
		want, err := os.ReadFile(filepath.Join(m.snapshotDir(snap), f))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := m.run(0, "cat", snap, f); got != string(want) {
			t.Fatalf("cat %s %q gave %d bytes unlike the file's %d", snap, f, len(got), len(want))
		}
	}
}

// requireRestorePath: restore --path of a random file and of a random
// directory, into a temporary directory on another filesystem, equals the
// source: content, modes, owners (as root), mtimes, xattrs, symlinks,
// device nodes and the hardlinks within what is restored.
func requireRestorePath(t *testing.T, m *machine, rng *rand.Rand, snap string) {
	t.Helper()
	for _, dirs := range []bool{false, true} {
		p := randhist.PickEntry(m.snapshotDir(snap), rng, dirs)
		if p == "" {
			continue
		}
		to := t.TempDir()
		out, _ := m.run(0, "restore", "--path", "/"+p, "--to", to, "--snapshot", snap)
		if strings.Contains(out, "not restored") {
			t.Errorf("restore --path %q of %s:\n%s", p, snap, out)
		}
		want := treedigest.Of(t, filepath.Join(m.snapshotDir(snap), p), treedigest.Options{})
		got := treedigest.Of(t, filepath.Join(to, snap, p), treedigest.Options{})
		treedigest.Require(t, fmt.Sprintf("restore --path %q of %s", p, snap), want, got)
	}
}

// requireMount: a read-through of every backup in the mount (every file's
// bytes read) equals its snapshot's tree digest, but for what the mount
// does not show: xattrs and hardlink groups (see mountView).
func requireMount(t *testing.T, m *machine, snaps []string) {
	t.Helper()
	dir := t.TempDir()
	cancel, exited := startMount(t, m, dir)
	for _, s := range snaps {
		want := mountView(treedigest.Of(t, m.snapshotDir(s), treedigest.Options{}))
		got := mountView(treedigest.Of(t, filepath.Join(dir, "home", s), treedigest.Options{}))
		treedigest.Require(t, "mounted "+s, want, got)
	}
	cancel()
	if code := <-exited; code != 0 {
		t.Fatalf("mount exited %d after Ctrl-C", code)
	}
}
