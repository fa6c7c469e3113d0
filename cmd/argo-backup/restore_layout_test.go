package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

// restore --layout through the CLI: the dry run prints the plan and changes
// nothing, bad targets are one line and exit 2, and the real run leaves
// @home writable and the received backup where push looks for its parent.
func TestRestoreLayoutCLI(t *testing.T) {
	m := newMachine(t)
	m.run(0, "push")
	uuid := blkidUUID(t, m.fs)
	target := btrfstest.NewFS(t, 1<<30, "")

	out, _ := m.run(0, "restore", "--layout", "--dry-run", "--to", target)
	for _, want := range []string{"mkfs.btrfs -U " + uuid + " /dev/NEWPART", "restore home", "as @home, writable", "EFI system partition"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	if entries, _ := os.ReadDir(target); len(entries) > 0 {
		t.Fatalf("the dry run changed %s: %s", target, entries[0].Name())
	}

	sub := filepath.Join(target, "sub")
	if out, err := exec.Command("btrfs", "subvolume", "create", sub).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, c := range []struct {
		name, want string
		args       []string
		setup      func()
	}{
		{"not the top level", "is not the top level of its btrfs: mount the new filesystem with -o subvolid=5", []string{"--to", sub}, nil},
		{"not empty", "is not empty (it holds sub)", []string{"--to", target}, nil},
		{"name taken", "@home already exists in", []string{"--to", target}, func() { must(t, os.Mkdir(filepath.Join(target, "@home"), 0o755)) }},
		{"dry run alone", "--dry-run goes with --layout", []string{"--dry-run", "--to", target}, nil},
		{"writable with layout", "drop --writable", []string{"--writable", "@x", "--to", target}, nil},
		{"native with layout", "drop --native", []string{"--native", "--to", target}, nil},
		{"snapshot with layout", "not --snapshot", []string{"--snapshot", "home.20261101T000000Z", "--to", target}, nil},
	} {
		if c.setup != nil {
			c.setup()
		}
		args := append([]string{"restore"}, c.args...)
		if c.name != "dry run alone" {
			args = append(args, "--layout")
		}
		_, stderr := m.run(2, args...)
		if strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: stderr %q, want one line saying %q", c.name, stderr, c.want)
		}
	}

	fresh := btrfstest.NewFS(t, 1<<30, "")
	out, _ = m.run(0, "restore", "--layout", "--to", fresh)
	if want := "the old fstab names " + uuid + ": change those UUID= lines"; !strings.Contains(out, want) {
		t.Errorf("restore --layout onto a disk with a new UUID does not say %q:\n%s", want, out)
	}
	if _, err := os.Stat(filepath.Join(fresh, "@home", "file.txt")); err != nil {
		t.Errorf("@home not restored: %v", err)
	}
	kept, _ := filepath.Glob(filepath.Join(fresh, "snapshots", "home.*"))
	if len(kept) != 1 {
		t.Fatalf("want the received backup kept in snapshots/ (snapshot_dir's place), found %v", kept)
	}

	// The restored machine's first push, with its state_dir gone too, is an
	// incremental on the kept backup.
	must(t, os.RemoveAll(filepath.Join(m.dir, "state")))
	must(t, os.WriteFile(filepath.Join(fresh, "@home", "after-restore.txt"), []byte("new"), 0o644))
	restored := m.writeConfig("restored.yaml", filepath.Join(fresh, "@home"), "")
	must(t, os.WriteFile(restored, []byte(strings.Replace(readFile(t, restored), m.fs+"/snapshots", fresh+"/snapshots", 1)), 0o600))
	out, _ = m.runWith(restored, 0, "push")
	if want := "(incremental on " + filepath.Base(kept[0]) + ")"; !strings.Contains(out, want) {
		t.Errorf("the first push after restore --layout is not %s:\n%s", want, out)
	}
}

// blkidUUID asks blkid for the UUID of the filesystem mounted at dir.
func blkidUUID(t *testing.T, dir string) string {
	t.Helper()
	mounts, err := mountinfo.GetMounts(mountinfo.SingleEntryFilter(dir))
	if err != nil || len(mounts) == 0 {
		t.Fatalf("no mount at %s: %v", dir, err)
	}
	out, err := exec.Command("blkid", "-p", "-s", "UUID", "-o", "value", mounts[0].Source).Output()
	if err != nil {
		t.Fatalf("blkid: %v", err)
	}
	return strings.TrimSpace(string(out))
}
