package main

import (
	"strings"
	"testing"
)

// A snapshot name that is no backup's whole name (ambiguous, truncated,
// mistyped) is one line, exit 2, offering the backups it begins or the
// nearest ones, as the remote names them: not an example name.
func TestLsSuggestsNearestSnapshots(t *testing.T) {
	m := newMachine(t)
	m.run(0, "push")
	m.run(0, "push")
	names := remoteSnapshots(t, m)
	if len(names) != 2 {
		t.Fatalf("the remote holds %q, want 2 backups", names)
	}
	for _, tc := range []struct {
		spec string
		want []string
	}{
		{names[0][:len("home.2026")], names},               // ambiguous: both begin it
		{names[1][:len(names[1])-3], names[1:]},            // truncated: one begins it
		{"home.1999", names[:1]},                           // nothing begins it: the nearest
		{strings.Replace(names[0], "Z", "", 1), names[:1]}, // malformed: begins none, nearest
	} {
		_, stderr := m.run(2, "ls", tc.spec)
		requireOneLine(t, stderr, "did you mean")
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("ls %s does not offer %s:\n%s", tc.spec, w, stderr)
			}
		}
		if strings.Contains(stderr, "20261101T020000Z") {
			t.Errorf("ls %s offers the example, not a backup:\n%s", tc.spec, stderr)
		}
	}
	// restore --snapshot offers the same.
	_, stderr := m.run(2, "restore", "--to", t.TempDir(), "--snapshot", names[0][:len("home.2026")])
	requireOneLine(t, stderr, "did you mean")
	for _, w := range names {
		if !strings.Contains(stderr, w) {
			t.Errorf("restore --snapshot home.2026 does not offer %s:\n%s", w, stderr)
		}
	}
}
