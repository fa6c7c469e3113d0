package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/remote"
)

// docs/formats.md's "Restoring by hand" runs as written with the stock
// rclone, age, zstd and btrfs-progs (also base64 and sed, which read the
// record out of its signature envelope): its list loop names every backup and
// parent, its replay restores a chain of three, and with a part missing
// the calls stop at the first failure with the messages the doc quotes.
func TestStockToolsReplay(t *testing.T) {
	m := newMachine(t)
	btrfstest.RequireTools(t, "rclone, age and zstd (apt-get install rclone age zstd)", "rclone", "age", "zstd")
	for round := range 3 {
		m.grow(round)
		m.run(0, "push")
	}
	recs := m.remoteRecords()
	if len(recs) != 3 || len(recs[0].Parts) < 2 {
		t.Fatalf("want 3 backups, the full in several parts; got %d", len(recs))
	}
	doc := readFile(t, filepath.Join("..", "..", "docs", "formats.md"))
	record := fencedBlock(t, doc, `record() {`)
	list := record + fencedBlock(t, doc, `rclone lsf --dirs-only`)
	replay := record + fencedBlock(t, doc, `replay() {`)
	calls := fencedBlock(t, doc, `btrfs subvolume list -R "$TARGET"`)
	for i, example := range regexp.MustCompile(`home\.\d{8}T\d{6}Z`).FindAllString(calls, -1) {
		calls = strings.ReplaceAll(calls, example, recs[i].Snapshot)
	}

	target := btrfstest.NewFS(t, 1<<30, "")
	out, err := m.stockShell(target, list+"\n"+replay+"\n"+calls)
	if err != nil {
		t.Fatalf("the documented replay failed: %v\n%s", err, out)
	}
	for i, r := range recs {
		want := r.Snapshot + "  parent: none (full)"
		if i > 0 {
			want = r.Snapshot + "  parent: " + recs[i-1].Snapshot
		}
		if !strings.Contains(out, want) {
			t.Errorf("the list loop does not say %q:\n%s", want, out)
		}
		if !strings.Contains(out, "received_uuid "+r.UUID+" path "+r.Snapshot) {
			t.Errorf("%s was not received with its UUID %s:\n%s", r.Snapshot, r.UUID, out)
		}
	}
	if got := readFile(t, filepath.Join(target, recs[2].Snapshot, "file.txt")); got != "hello, round 2\n" {
		t.Errorf("restored file.txt holds %q", got)
	}

	// A part of the full goes missing: the first replay fails, no other runs.
	part := filepath.Join(m.remoteDir(), remote.PartName(recs[0].Host, recs[0].Subvolume, recs[0].Snapshot, 1))
	if err := os.Remove(part); err != nil {
		t.Fatal(err)
	}
	out, err = m.stockShell(btrfstest.NewFS(t, 1<<30, ""), replay+"\n"+calls)
	if err == nil {
		t.Fatalf("the documented replay succeeded with a part missing:\n%s", out)
	}
	for _, want := range []string{"directory not found", "failed to read header", "ERROR: short read from stream"} {
		if !strings.Contains(out, want) {
			t.Errorf("with a part missing the output lacks %q, which formats.md quotes:\n%s", want, out)
		}
	}
	if strings.Contains(out, "At snapshot") {
		t.Errorf("the calls carried on past the failed full:\n%s", out)
	}
}

// stockShell runs script in bash with formats.md's names set for m's
// remote and target, and returns its combined output.
func (m *machine) stockShell(target, script string) (string, error) {
	m.t.Helper()
	rcloneConf := filepath.Join(m.dir, "empty-rclone.conf")
	writeFile(m.t, rcloneConf, "")
	names := fmt.Sprintf("export RCLONE_CONFIG=%s\nREMOTE=%s\nHOST=testhost\nSUBVOL=home\nID=%s\nTARGET=%s\n",
		rcloneConf, m.remoteDir(), m.identity, target)
	out, err := exec.Command("bash", "-c", names+script).CombinedOutput()
	return string(out), err
}

// fencedBlock returns the body of the first ```sh block of doc that
// contains marker.
func fencedBlock(t *testing.T, doc, marker string) string {
	t.Helper()
	for _, block := range strings.Split(doc, "```sh\n")[1:] {
		body, _, _ := strings.Cut(block, "```")
		if strings.Contains(body, marker) {
			return body
		}
	}
	t.Fatalf("no ```sh block with %q in the doc", marker)
	return ""
}
