package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// verify through the CLI: 0 for an intact backup, in both modes; 3 and the
// damaged object's name once a part is damaged, and once its file index is
// (also in the budgeted mode).
func TestVerifyExitStatus(t *testing.T) {
	m := newMachine(t)
	m.run(0, "push")
	out, _ := m.run(0, "verify")
	if !strings.Contains(out, "ok") {
		t.Errorf("verify of an intact backup says:\n%s", out)
	}
	m.run(0, "verify", "--quick")

	parts, _ := filepath.Glob(filepath.Join(m.dir, "remote", "testhost", "home", "*", "part-000000.zst.age"))
	if len(parts) != 1 {
		t.Fatalf("found parts %v", parts)
	}
	data, err := os.ReadFile(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(parts[0], data, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, mode := range [][]string{{"verify", "--quick"}, {"verify"}} {
		out, stderr := m.run(3, mode...)
		if !strings.Contains(out+stderr, "part-000000.zst.age") {
			t.Errorf("%v does not name the damaged part:\n%s%s", mode, out, stderr)
		}
	}

	indexes, _ := filepath.Glob(filepath.Join(m.dir, "remote", "testhost", "home", "*", "index.jsonl.zst.age"))
	if len(indexes) != 1 {
		t.Fatalf("found indexes %v", indexes)
	}
	if err := os.WriteFile(indexes[0], []byte("not an index"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, mode := range [][]string{{"verify", "--quick"}, {"verify", "--quick", "--budget", "1GiB"}} {
		out, stderr := m.run(3, mode...)
		if !strings.Contains(out+stderr, "index.jsonl.zst.age") {
			t.Errorf("%v does not name the damaged file index:\n%s%s", mode, out, stderr)
		}
	}
}
