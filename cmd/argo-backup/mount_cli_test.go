package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// mount shows every backup read-only: the tree under DIR/home/<snapshot>
// equals the snapshot (names, modes, sizes, contents, symlinks), writing
// is refused, and cancelling (Ctrl-C) unmounts cleanly. A mount point that
// is not an empty directory is one line, exit 2. The parts read are cached
// in state_dir while mounted, and removed on unmount.
func TestMountCLI(t *testing.T) {
	m := newMachine(t)
	os.MkdirAll(filepath.Join(m.home, "me", "thesis"), 0o755)
	os.WriteFile(filepath.Join(m.home, "me", "thesis", "chapter1.txt"), []byte("stormy night\n"), 0o640)
	os.Symlink("thesis/chapter1.txt", filepath.Join(m.home, "me", "latest"))
	m.run(0, "push")
	os.WriteFile(filepath.Join(m.home, "me", "big"), make([]byte, 3<<20), 0o644)
	m.run(0, "push")
	_, stderr := m.run(2, "mount", m.home)
	requireOneLine(t, stderr, "empty directory")
	_, stderr = m.run(2, "mount", t.TempDir(), "nosuchsubvol")
	requireOneLine(t, stderr, `unknown subvolume "nosuchsubvol": the backups of testhost on the remote are of "home"`)
	_, stderr = m.run(2, "mount", m.config)
	requireOneLine(t, stderr, "is a file, not a directory")
	if strings.Contains(stderr, "mkdir -p "+m.config) {
		t.Errorf("mount on a file says to mkdir it: %s", stderr)
	}
	_, stderr = m.run(2, "mount", t.TempDir(), "--cache-size", "lots")
	requireOneLine(t, stderr, "--cache-size")

	dir := t.TempDir()
	cancel, exited := startMount(t, m, dir)

	snaps, err := os.ReadDir(filepath.Join(dir, "home"))
	if err != nil || len(snaps) != 2 {
		t.Fatalf("DIR/home holds %v (%v), want the two backups", snaps, err)
	}
	for _, s := range snaps {
		want := describeDir(t, filepath.Join(m.fs, "snapshots", s.Name()))
		got := describeDir(t, filepath.Join(dir, "home", s.Name()))
		if want != got {
			t.Errorf("mounted %s:\n%s\nwant (the snapshot):\n%s", s.Name(), got, want)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "home", snaps[0].Name(), "me", "new"), []byte("x"), 0o644); err == nil {
		t.Error("writing into the mount worked")
	}
	cacheParts := filepath.Join(m.dir, "state", "cache", "mount", "run-*", "part-*")
	if parts, _ := filepath.Glob(cacheParts); len(parts) == 0 {
		t.Errorf("reading through the mount cached no part in %s", cacheParts)
	}
	cancel()
	requireUnmounted(t, "Ctrl-C", exited, dir, cacheParts)

	// fusermount -u is as clean.
	_, exited = startMount(t, m, dir)
	if _, err := os.ReadFile(filepath.Join(dir, "home", snaps[1].Name(), "me", "big")); err != nil {
		t.Fatal(err)
	}
	if parts, _ := filepath.Glob(cacheParts); len(parts) == 0 {
		t.Errorf("reading through the second mount cached no part in %s", cacheParts)
	}
	if out, err := exec.Command("fusermount", "-u", dir).CombinedOutput(); err != nil {
		t.Fatalf("fusermount -u: %v: %s", err, out)
	}
	requireUnmounted(t, "fusermount -u", exited, dir, cacheParts)
}

// startMount runs mount DIR until the returned cancel (Ctrl-C) or an
// unmount; exited gets its exit status. The test's end unmounts it.
func startMount(t *testing.T, m *machine, dir string) (context.CancelFunc, chan int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	exited := make(chan int, 1)
	done := make(chan struct{})
	go func() {
		code := execute(ctx, []string{"--config", m.config, "mount", dir}, pw, io.Discard)
		pw.Close()
		exited <- code
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		pr.Close() // a mount that failed may still be writing
		<-done
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil || !strings.Contains(line, "mounted") {
		t.Fatalf("mount said %q (%v)", line, err)
	}
	go io.Copy(io.Discard, pr)
	return cancel, exited
}

// requireUnmounted: after how, mount exits 0, leaving an empty mount point
// and no cache of plaintext.
func requireUnmounted(t *testing.T, how string, exited chan int, dir, cacheParts string) {
	t.Helper()
	if code := <-exited; code != 0 {
		t.Errorf("mount exited %d after %s", code, how)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("after %s the mount point holds %v (%v)", how, entries, err)
	}
	if left, _ := filepath.Glob(filepath.Dir(cacheParts)); len(left) != 0 {
		t.Errorf("after %s the mount's cache of plaintext is still there: %v", how, left)
	}
}

// describeDir lists names, modes, sizes, content hashes and link targets.
func describeDir(t *testing.T, root string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %v", strings.TrimPrefix(p, root), fi.Mode())
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			line += fmt.Sprintf(" %d %x", fi.Size(), sha256.Sum256(b))
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
