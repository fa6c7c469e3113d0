package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/remote"
)

// chainOrder returns the snapshots of the machine's one chain, full first,
// following the records' parent names.
func (m *machine) chainOrder() []string {
	m.t.Helper()
	byParent := map[string]string{}
	for _, r := range m.remoteRecords() {
		byParent[r.Parent] = r.Snapshot
	}
	var order []string
	for name, ok := byParent[""]; ok; name, ok = byParent[name] {
		order = append(order, name)
	}
	return order
}

func (m *machine) localIndex(snapshot string) string {
	return filepath.Join(m.dir, "state", "index", "testhost", "home", snapshot+".jsonl")
}

// A parent's index gone from state_dir (lost in part, or restored from an
// older copy) while the remote holds it: the next push puts it back from
// the remote and indexes as usual, so no WARN, nothing left to rebuild.
func TestPushFetchesAMissingParentIndex(t *testing.T) {
	m := newMachine(t)
	m.run(0, "push")
	writeFile(t, filepath.Join(m.home, "a.txt"), "a\n")
	m.run(0, "push")
	chain := m.chainOrder()
	if len(chain) != 2 {
		t.Fatalf("chain %v, want a full and an incremental", chain)
	}
	for _, snap := range chain {
		if err := os.Remove(m.localIndex(snap)); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(m.home, "b.txt"), "b\n")
	_, stderr := m.run(0, "push")
	if strings.Contains(stderr, "no file index") {
		t.Errorf("push built no index although the remote holds its parents':\n%s", stderr)
	}
	for _, snap := range chain {
		if _, err := os.Stat(m.localIndex(snap)); err != nil {
			t.Errorf("the local copy of %s's index was not put back: %v", snap, err)
		}
	}
	out, _ := m.run(0, "ls", "latest")
	for _, want := range []string{"/a.txt", "/b.txt", "/file.txt"} {
		if !strings.Contains(out, want) {
			t.Errorf("ls latest lacks %s:\n%s", want, out)
		}
	}
	if out, _ = m.run(0, "index", "--rebuild"); !strings.Contains(out, "0 index(es) made") {
		t.Errorf("index --rebuild after the push said:\n%s", out)
	}
}

// A recorded index object deleted on the remote: browsing that backup or
// one built on it is damage (exit 3) named by object, with what still
// works; index --rebuild cannot replace it (the record pins its bytes) and
// says so with a non-zero exit; a whole-file cat of an older backup works.
func TestMissingRecordedIndexCLI(t *testing.T) {
	m := newMachine(t)
	m.run(0, "push")
	writeFile(t, filepath.Join(m.home, "a.txt"), "a\n")
	m.run(0, "push")
	writeFile(t, filepath.Join(m.home, "b.txt"), "b\n")
	m.run(0, "push")
	chain := m.chainOrder()
	if len(chain) != 3 {
		t.Fatalf("chain %v, want a full and two incrementals", chain)
	}
	gone := remote.IndexName("testhost", "home", chain[1])
	if err := os.Remove(filepath.Join(m.remoteDir(), gone)); err != nil {
		t.Fatal(err)
	}
	for _, snap := range chain[1:] {
		_, stderr := m.run(3, "ls", snap)
		requireOneLine(t, stderr, gone+", which the record of "+chain[1]+" names, is missing from the remote")
		if !strings.Contains(stderr, "push --full home") {
			t.Errorf("ls %s does not say what makes browsing work again:\n%s", snap, stderr)
		}
	}
	if out, _ := m.run(0, "cat", chain[0], "file.txt"); out != "hello" {
		t.Errorf("cat of the full backup gave %q", out)
	}
	out, stderr := m.run(3, "index", "--rebuild")
	if !strings.Contains(out, "cannot rebuild the index of "+chain[1]) || !strings.Contains(out, "0 index(es) made") {
		t.Errorf("index --rebuild said:\n%s", out)
	}
	requireOneLine(t, stderr, "1 backup(s) keep an index that cannot be rebuilt")
	// With state_dir's copy gone too, the next push cannot index on that
	// chain: it says what can.
	must(t, os.Remove(m.localIndex(chain[1])))
	writeFile(t, filepath.Join(m.home, "c.txt"), "c\n")
	_, stderr = m.run(0, "push")
	if !strings.Contains(stderr, "push --full home starts a new, indexed chain") {
		t.Errorf("a push on a chain with a missing index did not say what brings indexes back:\n%s", stderr)
	}
	m.run(0, "push", "--full")
	if out, _ := m.run(0, "cat", "latest", "c.txt"); out != "c\n" {
		t.Errorf("cat after push --full gave %q", out)
	}
}

// index --rebuild where this host's signing key is not: one line naming
// the file and the command that makes one, exit 2, and no key or
// certificate made behind the user's back (the identity is here).
func TestIndexRebuildWithoutSigningKey(t *testing.T) {
	m := newMachine(t)
	m.run(0, "push")
	key := filepath.Join(m.dir, "elsewhere", "signing.key")
	config := m.writeConfig("nokey.yaml", m.home, "signing_key: "+key+"\n")
	_, stderr := m.runWith(config, 2, "index", "--rebuild")
	requireOneLine(t, stderr, key+" does not exist")
	if !strings.Contains(stderr, "argo-backup keygen --signing-only") {
		t.Errorf("index --rebuild does not name the command that makes a key:\n%s", stderr)
	}
	if entries, err := os.ReadDir(filepath.Dir(key)); err == nil {
		t.Errorf("index --rebuild made %v", entries)
	}
}
