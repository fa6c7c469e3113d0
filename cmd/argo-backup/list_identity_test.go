package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// list with a mistyped or missing identity never says "no backups yet" as
// if the remote were empty: it says the identity is unusable, and shows
// what it can (this host's record copies), or exits 2 if there are none.
func TestListWithoutUsableIdentity(t *testing.T) {
	m := newMachine(t)
	typo := filepath.Join(m.dir, "identty.txt")
	config := m.writeConfig("typo.yaml", m.home, "")
	config = m.withIdentity(config, typo)

	stdout, stderr := m.runWith(config, 2, "list")
	if strings.Contains(stdout+stderr, "no backups yet") || !strings.Contains(stderr, typo+" does not exist") {
		t.Errorf("list with a mistyped identity and no state:\nstdout: %s\nstderr: %s", stdout, stderr)
	}
	m.runWith(config, 2, "list", "--json")

	m.run(0, "push") // the record copies land in the shared state_dir
	stdout, stderr = m.runWith(config, 0, "list")
	if !strings.Contains(stderr, "cannot be read") || !strings.Contains(stdout, "home.") {
		t.Errorf("list with a mistyped identity after a push:\nstdout: %s\nstderr: %s", stdout, stderr)
	}
	if _, stderr := m.run(2, "list", "--identity", typo); !strings.Contains(stderr, "does not exist") {
		t.Errorf("list --identity with a mistyped path: %s", stderr)
	}
	stdout, _ = m.runWith(config, 0, "list", "--local", "--host", "elsewhere")
	if strings.Contains(stdout, "no backups yet") || !strings.Contains(stdout, "no record copies of host elsewhere") {
		t.Errorf("list --local of a host without copies: %s", stdout)
	}
}

// withIdentity rewrites config's identity line to path.
func (m *machine) withIdentity(config, path string) string {
	m.t.Helper()
	b, err := os.ReadFile(config)
	if err != nil {
		m.t.Fatal(err)
	}
	data := string(b)
	lines := strings.Split(data, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "identity:") {
			lines[i] = "identity: " + path
		}
	}
	out := config + ".id.yaml"
	writeFile(m.t, out, strings.Join(lines, "\n"))
	return out
}
