package restore_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
	"github.com/argo-backup/argo-backup/restore"
)

// chain is a world that pushed a full and two incrementals, each of a few
// parts (the world's parts are 1 MiB), to a remote stored in dir.
type chain struct {
	*world
	dir                string // the remote's objects, to damage them behind its back
	full, incr1, incr2 *manifest.Record
}

func newChain(t *testing.T, spec, dir string) *chain {
	t.Helper()
	w := newWorld(t, spec)
	writeNoise(t, filepath.Join(w.source, "photos.raw"), 2<<20+1234, 1)
	mustWrite(t, filepath.Join(w.source, "letter.txt"), []byte("dear diary\n"), 0o644)
	c := &chain{world: w, dir: dir}
	c.full = w.push(false)
	writeNoise(t, filepath.Join(w.source, "more.raw"), 1<<20+4321, 2)
	c.incr1 = w.push(false)
	mustWrite(t, filepath.Join(w.source, "letter.txt"), []byte("dear diary, again\n"), 0o644)
	writeNoise(t, filepath.Join(w.source, "even-more.raw"), 1<<20+99, 3)
	c.incr2 = w.push(false)
	if len(c.full.Parts) < 3 || len(c.incr1.Parts) < 2 || c.incr2.Parent != c.incr1.Snapshot {
		t.Fatalf("chain %d+%d+%d parts, want a full of 3 or more and incrementals of 2 or more", len(c.full.Parts), len(c.incr1.Parts), len(c.incr2.Parts))
	}
	return c
}

// writeNoise writes n incompressible bytes, so parts stay as big as the
// plaintext.
func writeNoise(t *testing.T, path string, n int, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed))
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	mustWrite(t, path, data, 0o600)
}

// verify verifies the chain's subvolume with o, in a scratch directory that
// must be empty again afterwards.
func (c *chain) verify(o restore.VerifyOptions) (*restore.Report, error) {
	c.t.Helper()
	scratch := c.t.TempDir()
	v := &restore.Verifier{Restorer: *c.restorer, Scratch: scratch}
	rep, err := v.Verify(c.ctx, host, "home", o)
	requireEmptyDir(c.t, scratch)
	return rep, err
}

func (c *chain) mustVerify(o restore.VerifyOptions) *restore.Report {
	c.t.Helper()
	rep, err := c.verify(o)
	if err != nil {
		c.t.Fatalf("verify (%s): %v", o.Mode(), err)
	}
	for _, ch := range rep.Checks {
		for _, l := range ch.Lines() {
			c.t.Logf("%s: %s", o.Mode(), l)
		}
	}
	return rep
}

// object is the path of a backup's object in the remote's directory: a part
// index, or -1 for the record.
func (c *chain) object(rec *manifest.Record, part int) string {
	name := remote.RecordName(host, "home", rec.Snapshot)
	if part >= 0 {
		name = remote.PartName(host, "home", rec.Snapshot, part)
	}
	return filepath.Join(c.dir, filepath.FromSlash(name))
}

// index is the path of a backup's file index in the remote's directory.
func (c *chain) index(rec *manifest.Record) string {
	return filepath.Join(c.dir, filepath.FromSlash(remote.IndexName(host, "home", rec.Snapshot)))
}

func requireEmptyDir(t *testing.T, dir string) {
	t.Helper()
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("left in the scratch directory: %s", e.Name())
	}
}

// requireOK fails unless the report checked exactly the snapshots want and
// found them all intact.
func requireOK(t *testing.T, rep *restore.Report, want ...*manifest.Record) {
	t.Helper()
	if !rep.OK() {
		t.Errorf("%s verify found damage in an intact chain", rep.Mode)
	}
	var got, names []string
	for _, c := range rep.Checks {
		got = append(got, c.Snapshot)
	}
	for _, r := range want {
		names = append(names, r.Snapshot)
	}
	if strings.Join(got, " ") != strings.Join(names, " ") {
		t.Errorf("%s verify checked %v, want %v", rep.Mode, got, names)
	}
}

// requireProblem fails unless the report names snapshot as damaged with a
// problem about object (a path in the remote's directory, or "" for none)
// whose description contains what.
func requireProblem(t *testing.T, rep *restore.Report, dir, snapshot, object, what string) {
	t.Helper()
	if rep.OK() {
		t.Errorf("%s verify passed a damaged chain", rep.Mode)
	}
	var seen []string
	for _, c := range rep.Checks {
		for _, p := range c.Problems {
			obj := ""
			if p.Object != "" {
				obj = filepath.Join(dir, filepath.FromSlash(p.Object))
			}
			if p.Snapshot == snapshot && obj == object && strings.Contains(p.What, what) {
				return
			}
			seen = append(seen, p.String())
		}
	}
	t.Errorf("%s verify did not report %s, %s: %q; it reported:\n%s", rep.Mode, snapshot, object, what, strings.Join(seen, "\n"))
}
