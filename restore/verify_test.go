package restore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/restore"
)

var (
	quick       = restore.VerifyOptions{Quick: true}
	restoreMode = restore.VerifyOptions{}
)

// An intact chain passes in both modes; each mode checks the target and
// every backup its chain needs, and nothing else.
func TestVerifyIntactChain(t *testing.T) {
	spec := remotetest.Local(t)
	c := newChain(t, spec, spec)
	for _, o := range []restore.VerifyOptions{quick, restoreMode} {
		requireOK(t, c.mustVerify(o), c.full, c.incr1, c.incr2)
		o.Snapshot = c.incr1.Snapshot
		requireOK(t, c.mustVerify(o), c.full, c.incr1)
		o.Snapshot, o.All = "", true
		requireOK(t, c.mustVerify(o), c.full, c.incr1, c.incr2)
	}
	_, err := c.verify(restore.VerifyOptions{Quick: true, Snapshot: "home.20990101T000000Z"})
	var input *errs.UserError
	if !errors.As(err, &input) {
		t.Errorf("verify of a backup that does not exist: got %v, want an input error", err)
	}
}

// Over a network remote (rclone's S3 server), which lists sizes and MD5s:
// an intact chain passes, and a truncated part is named in both modes.
func TestVerifyOverS3(t *testing.T) {
	spec, dir := remotetest.S3Dir(t)
	c := newChain(t, spec, dir)
	requireOK(t, c.mustVerify(quick), c.full, c.incr1, c.incr2)
	requireOK(t, c.mustVerify(restoreMode), c.full, c.incr1, c.incr2)

	part := c.object(c.incr1, 1)
	must(t, os.Truncate(part, 100))
	requireProblem(t, c.mustVerify(quick), dir, c.incr1.Snapshot, part, "stored size is 100 bytes")
	rep := c.mustVerify(restoreMode)
	requireProblem(t, rep, dir, c.incr1.Snapshot, part, "")
	requireProblem(t, rep, dir, c.incr2.Snapshot, "", "needs "+c.incr1.Snapshot)
}

// Each kind of damage is found by both modes, and the report names the
// damaged backup and object, and the backups that depend on it.
func TestVerifyFindsDamage(t *testing.T) {
	type found struct {
		snapshot func(c *chain) string
		object   func(c *chain) string // "" for none
		what     string
	}
	first := func(c *chain) string { return c.full.Snapshot }
	middle := func(c *chain) string { return c.incr1.Snapshot }
	newest := func(c *chain) string { return c.incr2.Snapshot }
	none := func(*chain) string { return "" }
	middleRecord := func(c *chain) string { return c.object(c.incr1, -1) }
	tests := []struct {
		name   string
		damage func(t *testing.T, c *chain)
		want   []found
	}{
		{
			name:   "flipped byte in a part",
			damage: func(t *testing.T, c *chain) { flipByte(t, c.object(c.full, 1)) },
			want: []found{
				{first, func(c *chain) string { return c.object(c.full, 1) }, ""},
				{middle, none, "needs " + "home."},
				{newest, none, "needs " + "home."},
			},
		},
		{
			name:   "truncated part",
			damage: func(t *testing.T, c *chain) { must(t, os.Truncate(c.object(c.incr1, 0), 1000)) },
			want: []found{
				{middle, func(c *chain) string { return c.object(c.incr1, 0) }, ""},
				{newest, none, "needs home."},
			},
		},
		{
			name:   "deleted part",
			damage: func(t *testing.T, c *chain) { must(t, os.Remove(c.object(c.incr2, 1))) },
			want:   []found{{newest, func(c *chain) string { return c.object(c.incr2, 1) }, "missing from the remote"}},
		},
		{
			name:   "deleted record",
			damage: func(t *testing.T, c *chain) { must(t, os.Remove(c.object(c.incr1, -1))) },
			want:   []found{{newest, middleRecord, "missing or unreadable"}},
		},
		{
			name:   "corrupt record",
			damage: func(t *testing.T, c *chain) { flipByte(t, c.object(c.incr1, -1)) },
			want: []found{
				{middle, middleRecord, "record does not decrypt"},
				{newest, middleRecord, "missing or unreadable"},
			},
		},
		{
			name:   "flipped byte in an index",
			damage: func(t *testing.T, c *chain) { flipByte(t, c.index(c.incr1)) },
			want:   []found{{middle, func(c *chain) string { return c.index(c.incr1) }, "not the one its record names"}},
		},
		{
			name: "swapped index",
			damage: func(t *testing.T, c *chain) {
				data, err := os.ReadFile(c.index(c.incr1))
				must(t, err)
				must(t, os.WriteFile(c.index(c.incr2), data, 0o600))
			},
			want: []found{{newest, func(c *chain) string { return c.index(c.incr2) }, "file index"}},
		},
		{
			name:   "deleted index",
			damage: func(t *testing.T, c *chain) { must(t, os.Remove(c.index(c.full))) },
			want:   []found{{first, func(c *chain) string { return c.index(c.full) }, "file index missing from the remote"}},
		},
		{
			name: "missing middle backup",
			damage: func(t *testing.T, c *chain) {
				must(t, os.RemoveAll(filepath.Dir(c.object(c.incr1, -1))))
			},
			want: []found{{newest, middleRecord, "missing or unreadable"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := remotetest.Local(t)
			c := newChain(t, spec, spec)
			tt.damage(t, c)
			for _, o := range []restore.VerifyOptions{quick, restoreMode} {
				rep := c.mustVerify(o)
				for _, f := range tt.want {
					requireProblem(t, rep, spec, f.snapshot(c), f.object(c), f.what)
				}
			}
		})
	}
}

// Interrupted mid-receive (as by Ctrl-C), verify stops with the
// cancellation, not a verdict, and leaves no mount, loop device or image.
func TestVerifyInterrupted(t *testing.T) {
	spec := remotetest.Local(t)
	c := newChain(t, spec, spec)
	for _, o := range []restore.VerifyOptions{quick, restoreMode} {
		ctx, cancel := context.WithCancel(context.Background())
		c.ctx = ctx
		c.restorer.Progress = cancelOnFirstBytes{cancel}
		rep, err := c.verify(o)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s verify cancelled mid-stream: got report %v, error %v; want context.Canceled", o.Mode(), rep, err)
		}
	}
}

// cancelOnFirstBytes is a Progress that cancels the verify as soon as
// stream bytes flow.
type cancelOnFirstBytes struct{ cancel context.CancelFunc }

func (p cancelOnFirstBytes) Start(string, int64) {}
func (p cancelOnFirstBytes) Add(int64)           { p.cancel() }
func (p cancelOnFirstBytes) Finish()             {}

// --deep compares each received tree with the local snapshot: an intact
// chain of every kind of file matches, and a file changed in the local
// snapshot behind the record's back is reported by path.
func TestVerifyDeep(t *testing.T) {
	spec := remotetest.Local(t)
	w := newWorld(t, spec)
	fillTree(t, w.source)
	full := w.push(false)
	changeTree(t, w.source)
	incr := w.push(false)
	c := &chain{world: w, dir: spec}
	deep := restore.VerifyOptions{Deep: true, LocalSnapshots: w.snapDir}

	rep := c.mustVerify(deep)
	requireOK(t, rep, full, incr)
	for _, ch := range rep.Checks {
		if !ch.Compared {
			t.Errorf("%s was not compared with its local snapshot", ch.Snapshot)
		}
	}

	local := filepath.Join(w.snapDir, incr.Snapshot)
	must(t, btrfs.SetReadOnly(w.ctx, local, false))
	mustWrite(t, filepath.Join(local, "docs", "deep", "secret-change.txt"), []byte("x"), 0o644)
	must(t, os.WriteFile(filepath.Join(local, "noise.bin"), []byte("changed behind the record's back"), 0o644))
	must(t, btrfs.SetReadOnly(w.ctx, local, true))

	rep = c.mustVerify(deep)
	if rep.OK() {
		t.Fatal("--deep passed a backup whose local snapshot changed")
	}
	paths := map[string]bool{}
	for _, ch := range rep.Checks {
		if ch.Snapshot != incr.Snapshot && len(ch.Differences) > 0 {
			t.Errorf("%s: differences reported, but only %s changed", ch.Snapshot, incr.Snapshot)
		}
		for _, d := range ch.Differences {
			paths[d.Path] = true
		}
	}
	for _, p := range []string{"noise.bin", "docs/deep/secret-change.txt"} {
		if !paths[p] {
			t.Errorf("--deep did not report %s; it reported %v", p, paths)
		}
	}
}

// flipByte inverts one byte in the middle of the file at path.
func flipByte(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	data[len(data)/2] ^= 0xff
	must(t, os.WriteFile(path, data, 0o600))
}
