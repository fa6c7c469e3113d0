package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// ls, find, diff and cat as a user types them, on a real btrfs and local
// remote, and their bad input: one line, the documented exit status.
func TestBrowseCLI(t *testing.T) {
	m := newMachine(t)
	if err := os.MkdirAll(filepath.Join(m.home, "me", "thesis"), 0o755); err != nil {
		t.Fatal(err)
	}
	must(t, os.Chmod(filepath.Join(m.home, "me"), 0o750)) // a private home
	must(t, os.Chown(filepath.Join(m.home, "me"), 1000, 1000))
	chapter := "It was a dark and stormy night.\n"
	os.WriteFile(filepath.Join(m.home, "me", "thesis", "chapter1.txt"), []byte(chapter), 0o640)
	m.run(0, "push")
	os.WriteFile(filepath.Join(m.home, "me", "thesis", "chapter2.txt"), []byte("two\n"), 0o644)
	os.Remove(filepath.Join(m.home, "file.txt"))
	os.WriteFile(filepath.Join(m.home, "me", "thesis", "chapter1.txt"), []byte(chapter), 0o640) // saved unchanged
	m.run(0, "push")

	out, _ := m.run(0, "ls", "home:latest", "/me", "-l")
	for _, want := range []string{"/me/thesis/chapter1.txt", "/me/thesis/chapter2.txt", "-rw-r-----"} {
		if !strings.Contains(out, want) {
			t.Errorf("ls -l lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "file.txt") {
		t.Errorf("ls of /me lists /file.txt:\n%s", out)
	}
	if out, _ = m.run(0, "cat", "latest", "me/thesis/chapter1.txt"); out != chapter {
		t.Errorf("cat gave %q, want %q", out, chapter)
	}
	out, _ = m.run(0, "find", "chapter*", "--all")
	if strings.Count(out, "chapter1.txt") != 2 || strings.Count(out, "chapter2.txt") != 1 {
		t.Errorf("find --all:\n%s", out)
	}
	list, _ := m.run(0, "ls", "home:latest", "--json")
	if !strings.Contains(list, `"path":"/me/thesis/chapter2.txt"`) {
		t.Errorf("ls --json:\n%s", list)
	}
	first := firstSnapshot(t, m)
	out, _ = m.run(0, "diff", first, "home:latest")
	for _, want := range []string{"+ /me/thesis/chapter2.txt", "- /file.txt"} {
		if !strings.Contains(out, want) {
			t.Errorf("diff lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "chapter1.txt") {
		t.Errorf("diff names chapter1.txt, saved again with the same bytes:\n%s", out)
	}

	to := t.TempDir()
	out, _ = m.run(0, "restore", "--path", "/me/thesis", "--path", "file.txt", "--to", to, "--snapshot", first)
	if b, err := os.ReadFile(filepath.Join(to, first, "me", "thesis", "chapter1.txt")); err != nil || string(b) != chapter {
		t.Errorf("restore --path gave %q, %v:\n%s", b, err, out)
	}
	if fi, err := os.Stat(filepath.Join(to, first, "me", "thesis", "chapter1.txt")); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("restore --path lost the mode: %v %v", fi, err)
	}
	// The parent made for the restored path is the backup's, not root's 0755.
	if fi, err := os.Stat(filepath.Join(to, first, "me")); err != nil || fi.Mode().Perm() != 0o750 || fi.Sys().(*syscall.Stat_t).Uid != 1000 {
		t.Errorf("restore --path made the parent /me as %v (%v), want drwxr-x--- owned by 1000", fi.Mode(), err)
	}
	_, stderr := m.run(2, "restore", "--path", "/me/thesis", "--to", to, "--snapshot", first)
	requireOneLine(t, stderr, "already exists")

	_, stderr = m.run(1, "find", "nothing-like-this")
	requireOneLine(t, stderr, "matches")
	_, stderr = m.run(2, "cat", "latest", "/me/thesis/chapter3.txt")
	requireOneLine(t, stderr, "chapter1.txt")
	_, stderr = m.run(2, "ls", "home.20201010T101010Z")
	requireOneLine(t, stderr, "no backup named")
}

func requireOneLine(t *testing.T, stderr, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 1 || !strings.Contains(stderr, want) {
		t.Errorf("stderr is not one line with %q:\n%s", want, stderr)
	}
}

func firstSnapshot(t *testing.T, m *machine) string {
	t.Helper()
	out, _ := m.run(0, "find", "thesis", "--all")
	return strings.Fields(out)[0]
}

// A backup pushed without an index (its parent's local index was gone, on
// a push-only host, which cannot read the remote's) says to run index
// --rebuild, which makes it from the stream; then ls and cat work.
func TestIndexRebuildCLI(t *testing.T) {
	m := newMachine(t)
	m.run(0, "push")
	if err := os.RemoveAll(filepath.Join(m.dir, "state", "index")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(m.home, "new.txt"), []byte("new\n"), 0o644)
	pushOnly := filepath.Join(m.dir, "push-only.yaml")
	writeFile(t, pushOnly, strings.Replace(readFile(t, m.config), "identity: "+m.identity,
		"identity: "+filepath.Join(m.dir, "absent.txt")+"\nsigning_key: "+filepath.Join(m.dir, "signing.key"), 1))
	if _, stderr := m.runWith(pushOnly, 0, "push"); !strings.Contains(stderr, "no file index") {
		t.Errorf("a push-only host lacking its parent's index did not warn:\n%s", stderr)
	}
	_, stderr := m.run(2, "ls", "latest")
	requireOneLine(t, stderr, "index --rebuild")
	out, _ := m.run(0, "index", "--rebuild")
	if !strings.Contains(out, "1 index(es) made") {
		t.Errorf("index --rebuild said:\n%s", out)
	}
	if out, _ = m.run(0, "cat", "latest", "new.txt"); out != "new\n" {
		t.Errorf("cat after the rebuild gave %q", out)
	}
	if out, _ = m.run(0, "index", "--rebuild"); !strings.Contains(out, "0 index(es) made") {
		t.Errorf("a second index --rebuild said:\n%s", out)
	}
	_, stderr = m.run(2, "index")
	requireOneLine(t, stderr, "--rebuild")
}
