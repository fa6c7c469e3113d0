package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/backup"
)

// A user with {last: 1} and a full every other backup runs prune: the dry
// run shows a table of what goes and why the rest stays and deletes
// nothing; --json says the same to scripts; prune then deletes the old
// chain, and list shows only what was kept.
func TestPruneCommand(t *testing.T) {
	m := newMachine(t)
	cfg := readFile(t, m.config)
	cfg = strings.Replace(cfg, "/snapshots}", "/snapshots, max_chain: 1, retention: {last: 1}}", 1)
	writeFile(t, m.config, cfg)
	for range 3 { // full, incremental, full
		m.run(0, "push")
	}

	out, _ := m.run(0, "prune", "--dry-run")
	// The objects the two oldest backups hold on the remote, counted there.
	snaps, err := filepath.Glob(filepath.Join(m.dir, "remote", "testhost", "home", "home.*"))
	if err != nil || len(snaps) != 3 {
		t.Fatalf("want 3 backup folders on the remote, got %v (%v)", snaps, err)
	}
	objects := 0
	for _, dir := range snaps[:2] {
		files, _ := os.ReadDir(dir)
		objects += len(files)
	}
	for _, want := range []string{
		`(?m)^testhost/home \(dry run: nothing deleted\)$`,
		`(?m)^SNAPSHOT +ACTION +WHY$`,
		`(?m)^home\.\S+ +delete +outside retention$`,
		`(?m)^home\.\S+ +keep +last 1/1$`,
		fmt.Sprintf(`(?m)^1 kept; would delete 2 backups and 0 unfinished pushes: %d objects, `, objects),
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("prune --dry-run output does not match %s:\n%s", want, out)
		}
	}
	if listed, _ := m.run(0, "list", "--local"); backups(listed) != 3 {
		t.Fatalf("the dry run deleted backups: list shows\n%s", listed)
	}

	out, _ = m.run(0, "prune", "--json", "--dry-run")
	var reports []backup.PruneReport
	if err := json.Unmarshal([]byte(out), &reports); err != nil {
		t.Fatalf("prune --json is not JSON (%v):\n%s", err, out)
	}
	if len(reports) != 1 || len(reports[0].Backups) != 3 || reports[0].Backups[0].Keep || !reports[0].Backups[2].Keep {
		t.Errorf("prune --json = %s, want the two oldest of three to go", out)
	}

	out, _ = m.run(0, "prune")
	if !strings.Contains(out, "1 kept; deleted 2 backups") {
		t.Errorf("prune output lacks the summary:\n%s", out)
	}
	if listed, _ := m.run(0, "list", "--local"); backups(listed) != 1 {
		t.Errorf("after prune, list shows\n%s\nwant one backup", listed)
	}
	if listed, _ := m.run(0, "list"); backups(listed) != 1 {
		t.Errorf("after prune, list of the remote shows\n%s\nwant one backup", listed)
	}
}

// backups counts the rows of list's table.
func backups(listed string) int {
	return len(regexp.MustCompile(`(?m)^home\.`).FindAllString(listed, -1))
}
