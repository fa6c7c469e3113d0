package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

// The disaster-recovery runbook (docs/disaster-recovery.md), step by step:
// the old machine backed up two subvolumes; on a live system with a new
// disk, a restore-only config (no recipients, no subvolumes) lists them,
// restores everything, and the restored root becomes the default @.
func TestRunbook(t *testing.T) {
	old := newMachine(t)
	varLog := btrfstest.Subvolume(t, old.fs, "@var-log")
	writeFile(t, filepath.Join(varLog, "messages"), "boot ok\n")
	old.config = old.writeConfig("config.yaml", old.home,
		fmt.Sprintf("  - {name: var-log, path: %s, snapshot_dir: %s/snapshots}\n", varLog, old.fs))
	old.run(0, "push")

	// 4. On the live system: identity with mode 600, a restore-only config.
	live := t.TempDir()
	identity := filepath.Join(live, "identity.txt")
	writeFile(t, identity, readFile(t, old.identity))
	restoreConfig := filepath.Join(live, "restore.yaml")
	writeFile(t, restoreConfig, fmt.Sprintf("host: testhost\nremote: %s\nidentity: %s\nstate_dir: %s\n",
		filepath.Join(old.dir, "remote"), identity, filepath.Join(live, "state")))

	// 5. Look at the backups.
	out, _ := old.runWith(restoreConfig, 0, "list")
	if !strings.Contains(out, "home.") || !strings.Contains(out, "var-log.") {
		t.Fatalf("list on the live system shows:\n%s", out)
	}
	// 6. Restore everything onto the new disk.
	newDisk := btrfstest.NewFS(t, 1<<30, "")
	out, _ = old.runWith(restoreConfig, 0, "restore", "--to", newDisk)
	if strings.Count(out, "restored") != 2 {
		t.Fatalf("restore of everything says:\n%s", out)
	}
	// 7. Make the restored snapshots the new subvolumes, @ the default.
	homeSnap := only(t, filepath.Join(newDisk, "home.*"))
	runIn(t, newDisk, "btrfs", "subvolume", "snapshot", filepath.Base(homeSnap), "@home")
	runIn(t, newDisk, "btrfs", "subvolume", "set-default", "@home")
	if got := runIn(t, newDisk, "btrfs", "subvolume", "get-default", "."); !strings.Contains(got, "@home") {
		t.Errorf("get-default says %q", got)
	}
	writeFile(t, filepath.Join(newDisk, "@home", "writable"), "yes") // a writable subvolume now
	if content := readFile(t, filepath.Join(newDisk, "@home", "file.txt")); content != "hello" {
		t.Errorf("restored file.txt holds %q", content)
	}

	// The one-step variant: restore one subvolume with --writable.
	other := btrfstest.NewFS(t, 1<<30, "")
	old.runWith(restoreConfig, 0, "restore", "--to", other, "var-log", "--writable", "@var-log")
	if content := readFile(t, filepath.Join(other, "@var-log", "messages")); content != "boot ok\n" {
		t.Errorf("@var-log/messages holds %q", content)
	}
}

func only(t *testing.T, pattern string) string {
	t.Helper()
	matches, _ := filepath.Glob(pattern)
	if len(matches) != 1 {
		t.Fatalf("%s matches %v, want one", pattern, matches)
	}
	return matches[0]
}

func runIn(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}
