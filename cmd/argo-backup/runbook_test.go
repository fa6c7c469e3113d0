package main

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

// The disaster-recovery runbook (docs/disaster-recovery.md), step by step:
// the old machine backed up two subvolumes and escrowed its identity; on a
// live system with a new disk, a restore-only config (no recipients, no
// subvolumes) passes doctor, lists them, restores everything, and the
// restored root becomes the default @; an older state by name and by --at;
// then the escrow variant, with no identity file at all. None of it changes
// the remote.
func TestRunbook(t *testing.T) {
	old := newMachine(t)
	varLog := btrfstest.Subvolume(t, old.fs, "@var-log")
	writeFile(t, filepath.Join(varLog, "messages"), "boot ok\n")
	old.config = old.writeConfig("config.yaml", old.home,
		fmt.Sprintf("  - {name: var-log, path: %s, snapshot_dir: %s/snapshots}\n", varLog, old.fs))
	old.run(0, "push")
	first := only(t, filepath.Join(old.fs, "snapshots", "home.*"))
	writeFile(t, filepath.Join(old.home, "file.txt"), "hello again")
	old.run(0, "push", "home") // home is a chain of two now
	passphraseFile(t, runbookPassphrase, 0o600)
	old.run(0, "keygen", "--escrow")

	// 4. On the live system: identity with mode 600, a restore-only config,
	// which doctor checks without writing to the remote.
	live := t.TempDir()
	identity := filepath.Join(live, "identity.txt")
	writeFile(t, identity, readFile(t, old.identity))
	restoreConfig := filepath.Join(live, "restore.yaml")
	writeFile(t, restoreConfig, fmt.Sprintf("host: testhost\nremote: %s\nidentity: %s\nstate_dir: %s\n",
		filepath.Join(old.dir, "remote"), identity, filepath.Join(live, "state")))
	remoteBefore := treeListing(t, old.remoteDir())
	out, _ := old.runWith(restoreConfig, 0, "doctor")
	for _, want := range []string{"OK    no subvolumes and no recipients: a restore-only config", "OK    identity " + identity + " opens testhost/"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor on the restore config lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "FAIL") {
		t.Errorf("doctor fails the runbook's restore config:\n%s", out)
	}

	// 5. Look at the backups.
	out, _ = old.runWith(restoreConfig, 0, "list")
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
	if content := readFile(t, filepath.Join(newDisk, "@home", "file.txt")); content != "hello again" {
		t.Errorf("restored file.txt holds %q", content)
	}

	// The one-step variant: restore one subvolume with --writable.
	other := btrfstest.NewFS(t, 1<<30, "")
	old.runWith(restoreConfig, 0, "restore", "--to", other, "var-log", "--writable", "@var-log")
	if content := readFile(t, filepath.Join(other, "@var-log", "messages")); content != "boot ok\n" {
		t.Errorf("@var-log/messages holds %q", content)
	}

	// An older state: the first home by name, then the newest, which
	// reuses it and says so without -v.
	old.runWith(restoreConfig, 0, "restore", "--to", other, "--snapshot", filepath.Base(first))
	_, stderr := old.runWith(restoreConfig, 0, "restore", "--to", other, "home")
	if !strings.Contains(stderr, `level=INFO msg="already received" snapshot=`+filepath.Base(first)) {
		t.Errorf("a reused stage is not in the log without -v:\n%s", stderr)
	}
	// --at without SUBVOL: every subvolume as it was then.
	atDisk := btrfstest.NewFS(t, 1<<30, "")
	out, _ = old.runWith(restoreConfig, 0, "restore", "--to", atDisk, "--at", time.Now().Format("2006-01-02"))
	if strings.Count(out, "restored") != 2 {
		t.Errorf("restore --at without SUBVOL says:\n%s", out)
	}
	if got := treeListing(t, old.remoteDir()); got != remoteBefore {
		t.Errorf("the runbook's reading commands changed the remote:\nbefore:\n%s\nafter:\n%s", remoteBefore, got)
	}
	runbookEscrow(t, old, live)
}

// runbookEscrow is the runbook's escrow variant: the restore config has no
// identity line; doctor finds the escrowed identity, and list, restore and
// verify --escrow work with the passphrase alone.
func runbookEscrow(t *testing.T, old *machine, live string) {
	if err := os.Rename(old.identity, old.identity+".burnt"); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(live, "restore-escrow.yaml")
	writeFile(t, config, fmt.Sprintf("host: testhost\nremote: %s\nstate_dir: %s\n",
		old.remoteDir(), filepath.Join(live, "state")))
	out, _ := old.runWith(config, 0, "doctor")
	if !strings.Contains(out, "OK    the identity of host testhost is escrowed on the remote") || strings.Contains(out, "FAIL") {
		t.Errorf("doctor on the escrow restore config says:\n%s", out)
	}
	if out, _ = old.runWith(config, 0, "list", "--escrow"); !strings.Contains(out, "var-log.") {
		t.Errorf("list --escrow shows:\n%s", out)
	}
	target := btrfstest.NewFS(t, 1<<30, "")
	if out, _ = old.runWith(config, 0, "restore", "--escrow", "--to", target); strings.Count(out, "restored") != 2 {
		t.Errorf("restore --escrow says:\n%s", out)
	}
	if content := readFile(t, only(t, filepath.Join(target, "home.*"))+"/file.txt"); content != "hello again" {
		t.Errorf("restored file.txt holds %q", content)
	}
	if out, _ = old.runWith(config, 0, "verify", "--quick", "--escrow"); !strings.Contains(out, "all 3 backups verified") {
		t.Errorf("verify --quick --escrow says:\n%s", out)
	}
	runbookEscrowFile(t, old, live)
}

// runbookEscrowFile runs the runbook's commands that turn the escrow into
// an identity file with the stock rclone and age, as written; age asks for
// the passphrase on a terminal, which script(1) provides. The file must be
// the identity, private from the start.
func runbookEscrowFile(t *testing.T, old *machine, live string) {
	btrfstest.RequireTools(t, "rclone, age and script (apt-get install rclone age util-linux)", "rclone", "age", "script")
	doc := readFile(t, filepath.Join("..", "..", "docs", "disaster-recovery.md"))
	block := strings.NewReplacer("gdrive:argo-backup", old.remoteDir(), "OLDHOST", "testhost", "/root/argo", live).
		Replace(fencedBlock(t, doc, "age -d >"))
	writeFile(t, filepath.Join(live, "rclone.conf"), "")
	identity := filepath.Join(live, "identity.txt")
	must(t, os.Remove(identity)) // step 4's copy: this block makes it anew
	cmd := exec.Command("script", "-qec", block, "/dev/null")
	cmd.Stdin = strings.NewReader(runbookPassphrase + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the runbook's age -d block failed: %v\n%s", err, out)
	}
	if readFile(t, identity) != readFile(t, old.identity+".burnt") {
		t.Error("the identity decrypted from the escrow is not the old identity")
	}
	if fi, err := os.Stat(identity); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the decrypted identity: %v, mode %v, want 0600", err, fi.Mode())
	}
}

// treeListing names every file under dir with its size, to tell whether
// anything changed.
func treeListing(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %d\n", path, info.Size())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

const runbookPassphrase = "correct horse battery staple"

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
