package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// find --all over a chain that renames a directory, replaces a file by a
// new inode and deletes files and a directory prints, for every backup
// oldest first, the paths that backup holds: the lines below are written
// by hand from what each push's source tree held.
func TestFindAllHistoryCLI(t *testing.T) {
	m := newMachine(t)
	write := func(rel, content string) {
		p := filepath.Join(m.home, rel)
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, []byte(content), 0o644))
	}
	write("docs/a.txt", "12345")
	write("docs/sub/a.txt", "123")
	write("docs/b.txt", "b")
	for i := range 2000 {
		write(fmt.Sprintf("many/f-%d", i), "x")
	}
	m.run(0, "push")
	must(t, os.Rename(filepath.Join(m.home, "docs"), filepath.Join(m.home, "papers")))
	must(t, os.Remove(filepath.Join(m.home, "file.txt")))
	m.run(0, "push")
	must(t, os.Remove(filepath.Join(m.home, "papers", "a.txt")))
	write("papers/a.txt", "a new inode, longer")
	must(t, os.RemoveAll(filepath.Join(m.home, "papers", "sub")))
	write("docs/a.txt", "1")
	m.run(0, "push")

	out, _ := m.run(0, "find", "a.txt", "--all")
	var snaps, got []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(snaps) == 0 || snaps[len(snaps)-1] != f[0] {
			snaps = append(snaps, f[0])
		}
		// snapshot mode uid gid size date time path
		got = append(got, fmt.Sprintf("%d %s %s", len(snaps)-1, f[7], f[4]))
	}
	want := []string{
		"0 /docs/a.txt 5", "0 /docs/sub/a.txt 3",
		"1 /papers/a.txt 5", "1 /papers/sub/a.txt 3",
		"2 /docs/a.txt 1", "2 /papers/a.txt 19",
	}
	if !slices.Equal(got, want) {
		t.Errorf("find a.txt --all gave\n%s\nwant (backup, path, size)\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(snaps) != 3 || !slices.IsSorted(snaps) {
		t.Errorf("find --all printed backups %q, want three, oldest first", snaps)
	}
	// ls of a directory of many entries: every path a walk of the source
	// meets, in its order.
	list, _ := m.run(0, "ls", "home:latest", "/many")
	var walked []string
	must(t, filepath.WalkDir(filepath.Join(m.home, "many"), func(p string, _ fs.DirEntry, err error) error {
		walked = append(walked, strings.TrimPrefix(p, m.home))
		return err
	}))
	if got := strings.Split(strings.TrimSuffix(list, "\n"), "\n"); !slices.Equal(got, walked) {
		t.Errorf("ls /many printed %d lines, a walk of the source %d, or in another order", len(got), len(walked))
	}
	// One backup by name: the same lines as that backup's part of --all.
	one, _ := m.run(0, "find", "a.txt", "--snapshot", snaps[1])
	if lines := strings.Count(one, "\n"); lines != 2 || !strings.Contains(one, "/papers/sub/a.txt") {
		t.Errorf("find --snapshot %s gave\n%s", snaps[1], one)
	}
}
