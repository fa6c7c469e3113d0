package sendstream_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/sendstream"
)

// btrfs inode flags as FILEATTR carries them (BTRFS_INODE_*, written out
// here from btrfs' ctree.h, not taken from the package).
const (
	btrfsNodatasum = 0x001
	btrfsNodatacow = 0x002
	btrfsSync      = 0x020
	btrfsImmutable = 0x040
	btrfsAppend    = 0x080
	btrfsNodump    = 0x100
	btrfsNoatime   = 0x200
)

// FILEATTR sets the chattr flags the target has, checked with lsattr,
// reports the others, and sets them only once the chain is applied: the
// same stream and the next incremental still write to the append-only
// file, rename the immutable one and unlink from the immutable directory.
// RemoveTree then removes the frozen tree.
func TestFileattr(t *testing.T) {
	btrfstest.RequireRoot(t)
	btrfstest.RequireTools(t, "e2fsprogs (chattr, lsattr)", "chattr", "lsattr")
	for _, target := range []struct {
		name  string
		mount func(testing.TB) string
		must  string // flags this filesystem surely has
	}{
		{"ext4", func(t testing.TB) string { return newExt4(t, 64<<20) }, "adiAS"},
		{"tmpfs", newTmpfs, ""},
	} {
		t.Run(target.name, func(t *testing.T) {
			t.Parallel()
			mnt := target.mount(t)
			has := chattrProbe(t, mnt, "adiASC")
			for _, l := range target.must {
				if !strings.ContainsRune(has, l) {
					t.Fatalf("chattr +%c does not work on %s: the probe is wrong", l, target.name)
				}
			}
			t.Logf("%s has chattr flags %q", target.name, has)
			root, work := filepath.Join(mnt, "tree"), filepath.Join(mnt, "work")
			must(t, os.Mkdir(root, 0o755))
			must(t, os.Mkdir(work, 0o700))

			report := applyFinished(t, root, work, fileattrChain()...)

			for path, want := range map[string]string{"log": "onenew", "kept": "k", "frozen/y": ""} {
				if got, err := os.ReadFile(filepath.Join(root, path)); err != nil || string(got) != want {
					t.Errorf("%s holds %q (%v), want %q", path, got, err, want)
				}
			}
			for _, gone := range []string{"frozen/x", "keep", "gone"} {
				if _, err := os.Lstat(filepath.Join(root, gone)); !os.IsNotExist(err) {
					t.Errorf("%s still there (%v): a command after its FILEATTR did not apply", gone, err)
				}
			}
			checkFlags(t, root, has, report)
			if !report.Incomplete() {
				t.Errorf("a report with flags not set says it is complete")
			}

			if err := sendstream.RemoveTree(root); err != nil {
				t.Fatalf("RemoveTree of a tree with immutable files: %v", err)
			}
			if _, err := os.Lstat(root); !os.IsNotExist(err) {
				t.Errorf("RemoveTree left %s: %v", root, err)
			}
		})
	}
}

// fileattrChain is a full stream whose FILEATTRs come before other
// commands on the same inodes, and an incremental that changes them.
func fileattrChain() [][]byte {
	full := newBuilder(2).subvol("s").
		cmd(3, str(15, "log")).cmd(15, str(15, "log"), u64(18, 0), str(19, "one")).
		cmd(24, str(15, "log"), u64(26, btrfsAppend|btrfsNodump)).
		cmd(15, str(15, "log"), u64(18, 3), str(19, "two")).
		cmd(4, str(15, "frozen")).cmd(3, str(15, "frozen/x")).cmd(3, str(15, "frozen/y")).
		cmd(24, str(15, "frozen"), u64(26, btrfsImmutable)).
		cmd(3, str(15, "keep")).cmd(15, str(15, "keep"), u64(18, 0), str(19, "k")).
		cmd(24, str(15, "keep"), u64(26, btrfsImmutable|btrfsNoatime|btrfsSync|btrfsNodatacow|btrfsNodatasum)).
		cmd(3, str(15, "gone")).cmd(24, str(15, "gone"), u64(26, btrfsImmutable)).
		cmd(6, str(15, "p")).cmd(24, str(15, "p"), u64(26, btrfsNodump)).
		end()
	incr := newBuilder(2).snapshotOf("s2").
		cmd(17, str(15, "log"), u64(4, 3)).cmd(15, str(15, "log"), u64(18, 3), str(19, "new")).
		cmd(11, str(15, "frozen/x")).
		cmd(9, str(15, "keep"), str(16, "kept")).
		cmd(11, str(15, "gone")).
		end()
	return [][]byte{full, incr}
}

// applyFinished applies streams into root and finishes the chain.
func applyFinished(t *testing.T, root, work string, streams ...[]byte) sendstream.Report {
	t.Helper()
	a, err := sendstream.NewApplier(root, sendstream.Options{WorkDir: work})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for i, s := range streams {
		if _, err := a.Apply(context.Background(), bytes.NewReader(s)); err != nil {
			t.Fatalf("stream %d: %v", i, err)
		}
	}
	if err := a.Finish(); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if _, err := a.Apply(context.Background(), bytes.NewReader(streams[0])); err == nil {
		t.Errorf("a stream after Finish was applied")
	}
	return a.Report()
}

// chattrProbe returns which of letters chattr can set on a file in dir
// (and lsattr then shows): the filesystem's own answer.
func chattrProbe(t *testing.T, dir, letters string) string {
	t.Helper()
	var has []rune
	for _, l := range letters {
		probe := filepath.Join(dir, "probe-"+string(l))
		must(t, os.WriteFile(probe, nil, 0o644))
		if exec.Command("chattr", "+"+string(l), probe).Run() == nil && strings.ContainsRune(lsattr(t, probe), l) {
			has = append(has, l)
		}
		run(t, "chattr", "-i", "-a", probe)
		must(t, os.Remove(probe))
	}
	return string(has)
}

// lsattr returns the flag letters lsattr shows for path.
func lsattr(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("lsattr", "-d", path).Output()
	if err != nil {
		t.Fatalf("lsattr %s: %v", path, err)
	}
	return strings.Fields(string(out))[0]
}

// checkFlags checks with lsattr that the tree fileattrChain made in root
// has the flags of has it asked for and no others, and that report counts
// the rest as skipped.
func checkFlags(t *testing.T, root, has string, report sendstream.Report) {
	t.Helper()
	wantSkipped := map[string]int{"d": 1} // the fifo's: chattr flags are for files and directories
	applied := int64(0)
	for path, flags := range map[string]string{"log": "ad", "kept": "iASC", "frozen": "i"} {
		got := lsattr(t, filepath.Join(root, path))
		some := false
		for _, l := range flags {
			switch set := strings.ContainsRune(got, l); {
			case strings.ContainsRune(has, l) && !set:
				t.Errorf("%s: lsattr %q lacks %c, which the target has", path, got, l)
			case !strings.ContainsRune(has, l):
				wantSkipped[string(l)]++
				if set {
					t.Errorf("%s: lsattr %q has %c, which chattr could not set", path, got, l)
				}
			default:
				some = true
			}
		}
		if some {
			applied++
		}
	}
	if !maps.Equal(report.FileattrsSkipped, wantSkipped) || report.FileattrsApplied != applied {
		t.Errorf("report: applied %d, skipped %v; want %d, %v", report.FileattrsApplied, report.FileattrsSkipped, applied, wantSkipped)
	}
}

// A normal user cannot set append-only or immutable (they need
// CAP_LINUX_IMMUTABLE): the applier sets the other flags, reports those
// two, and the chain still applies.
func TestFileattrAsNormalUser(t *testing.T) {
	btrfstest.RequireRoot(t)
	btrfstest.RequireTools(t, "e2fsprogs (chattr, lsattr)", "chattr", "lsattr")
	mnt := newTmpfs(t)
	has := strings.NewReplacer("a", "", "i", "").Replace(chattrProbe(t, mnt, "adiASC"))
	must(t, os.Chmod(mnt, 0o755))
	for d := filepath.Dir(mnt); d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755) // let nobody reach the binary and the streams
	}
	bin := filepath.Join(mnt, "sendstream.test")
	copyExecutable(t, os.Args[0], bin)
	root := filepath.Join(mnt, "work", "tree")
	must(t, os.MkdirAll(root, 0o755))
	must(t, os.Chown(filepath.Dir(root), 65534, 65534))
	must(t, os.Chown(root, 65534, 65534))
	args := []string{root}
	for i, s := range fileattrChain() {
		p := filepath.Join(mnt, fmt.Sprintf("stream.%d", i))
		must(t, os.WriteFile(p, s, 0o644))
		args = append(args, p)
	}
	report := applyAsNobody(t, bin, args)
	checkFlags(t, root, has, report)
}
