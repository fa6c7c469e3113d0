package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// doctor on a healthy machine says OK for every check that matters, and on
// a broken one names the broken thing with FAIL and exits 1.
func TestDoctor(t *testing.T) {
	m := newMachine(t)
	out, _ := m.run(0, "doctor")
	for _, want := range []string{"OK    running as root", "OK    subvolume home", "same filesystem", "matches a recipient", "reachable and writable"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "FAIL") {
		t.Errorf("doctor fails a healthy machine:\n%s", out)
	}

	// A machine that only pushes keeps no identity: a warning, not a failure.
	if err := os.Rename(m.identity, m.identity+".away"); err != nil {
		t.Fatal(err)
	}
	out, _ = m.run(0, "doctor")
	if !strings.Contains(out, "WARN  identity") {
		t.Errorf("doctor without an identity says:\n%s", out)
	}
	os.Rename(m.identity+".away", m.identity)

	plain := filepath.Join(m.fs, "plain")
	if err := os.Mkdir(plain, 0o755); err != nil {
		t.Fatal(err)
	}
	out, _ = m.runWith(m.writeConfig("broken.yaml", plain, ""), 1, "doctor")
	if !strings.Contains(out, "FAIL  subvolume home: "+plain) {
		t.Errorf("doctor does not name the broken subvolume:\n%s", out)
	}
}
