package main

import (
	"bytes"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The trial's story: a damaged part halfway through a file fails restore
// --path (exit 3) and leaves nothing under DIR/<snapshot> that looks
// restored; once the part is good again, the same command finishes.
func TestRestorePathDamagedPartThenRerun(t *testing.T) {
	m := newMachine(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	big := make([]byte, 3<<20) // random: over three parts of 1 MiB
	for i := range big {
		big[i] = byte(rng.Uint32())
	}
	must(t, os.MkdirAll(filepath.Join(m.home, "me", "photos"), 0o755))
	must(t, os.WriteFile(filepath.Join(m.home, "me", "photos", "big.raw"), big, 0o600))
	m.run(0, "push")
	out, _ := m.run(0, "find", "big.raw")
	snap := strings.Fields(out)[0]
	part := filepath.Join(m.dir, "remote", "testhost", "home", snap, "part-000001.zst.age")
	good, err := os.ReadFile(part)
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(good)
	bad[len(bad)/2] ^= 1
	must(t, os.WriteFile(part, bad, 0o600))

	to := t.TempDir()
	m.run(3, "restore", "--path", "/me", "--to", to, "--snapshot", snap)
	if _, err := os.Lstat(filepath.Join(to, snap)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the failed restore --path left %s (%v)", filepath.Join(to, snap), err)
	}
	must(t, os.WriteFile(part, good, 0o600))
	m.run(0, "restore", "--path", "/me", "--to", to, "--snapshot", snap)
	if got, err := os.ReadFile(filepath.Join(to, snap, "me", "photos", "big.raw")); err != nil || !bytes.Equal(got, big) {
		t.Errorf("after the re-run big.raw holds %d bytes (%v), want the %d of the source", len(got), err, len(big))
	}
	if ents, _ := os.ReadDir(to); len(ents) != 1 {
		t.Errorf("%s holds %v, want only %s (no staging left)", to, ents, snap)
	}
}
