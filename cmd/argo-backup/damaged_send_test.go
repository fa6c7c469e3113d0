package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

// A send stream damaged on its way out of `btrfs send` (one byte flipped
// inside a write command) is never committed: push fails with exit 1 and
// no record, on the remote or in state_dir. Once send is healthy again the
// next push commits a backup that restores as it should.
func TestDamagedSendStreamNeverCommitted(t *testing.T) {
	m := newMachine(t)
	m.grow(0)
	real, err := exec.LookPath("btrfs")
	must(t, err)
	bin := t.TempDir()
	writeFile(t, filepath.Join(bin, "btrfs"), fmt.Sprintf(`#!/bin/sh
# btrfs, except that send flips the byte at offset 100000 of its stream
case " $* " in *" send "*) ;; *) exec %[1]s "$@" ;; esac
tmp=$(mktemp) || exit 1
%[1]s "$@" > "$tmp" || { rm -f "$tmp"; exit 1; }
printf '\377' | dd of="$tmp" bs=1 seek=100000 conv=notrunc 2>/dev/null
cat "$tmp"; rm -f "$tmp"
`, real))
	must(t, os.Chmod(filepath.Join(bin, "btrfs"), 0o755))
	path := os.Getenv("PATH")
	t.Setenv("PATH", bin+":"+path)

	_, stderr := m.run(1, "push")
	if !strings.Contains(stderr, "argo-backup: push home: the send stream is damaged, nothing was committed: send stream: crc32c mismatch") {
		t.Errorf("push of a damaged stream says %q", stderr)
	}
	if recs := m.remoteRecords(); len(recs) != 0 {
		t.Fatalf("a damaged stream was committed: %s", recs[0].Snapshot)
	}
	if out, _ := m.run(0, "list", "--local"); !strings.Contains(out, "no backups yet") {
		t.Errorf("state_dir holds a record of the damaged push:\n%s", out)
	}

	t.Setenv("PATH", path)
	m.run(0, "push")
	recs := m.requireCommittedWhole()
	if len(recs) != 1 {
		t.Fatalf("after a healthy push, %d backups are committed, want 1", len(recs))
	}
	target := btrfstest.NewFS(t, 1<<30, "")
	m.run(0, "restore", "--to", target, "home")
	if got := readFile(t, filepath.Join(target, recs[0].Snapshot, "file.txt")); got != "hello, round 0\n" {
		t.Errorf("restored file.txt holds %q", got)
	}
}
