package sendstream_test

import (
	"strings"
	"testing"
)

// TestPathRules: each stream breaks one trust rule and is refused with an
// error that names it; the last ones are fine.
func TestPathRules(t *testing.T) {
	const (
		mkfile, mkdir, mknod, mkfifo, symlink, rename, link, unlink = 3, 4, 5, 6, 8, 9, 10, 11
		write, clone, truncate, chmod                               = 15, 16, 17, 18
		path, pathTo, pathLink, data, clonePath, offset, size, mode = 15, 16, 17, 19, 22, 18, 4, 5
	)
	tests := []struct {
		name  string
		build func(b *builder)
		want  string // "" = accepted
	}{
		{"absolute path", func(b *builder) { b.cmd(mkfile, str(path, "/etc/passwd")) }, "absolute path"},
		{"dot-dot", func(b *builder) { b.cmd(mkfile, str(path, "a/../../x")) }, `".." component`},
		{"dot-dot rename target", func(b *builder) {
			b.cmd(mkfile, str(path, "a")).cmd(rename, str(path, "a"), str(pathTo, "../a"))
		}, `".." component`},
		{"dot-dot link source", func(b *builder) { b.cmd(link, str(path, "a"), str(pathLink, "../../etc/shadow")) }, `".." component`},
		{"empty component", func(b *builder) { b.cmd(mkdir, str(path, "a//b")) }, "empty"},
		{"clone from outside", func(b *builder) {
			b.cmd(mkfile, str(path, "f")).cmd(clone, str(path, "f"), str(clonePath, "../../etc/shadow"), u64(offset, 0))
		}, "clone source"},
		{"symlink then write", func(b *builder) {
			b.cmd(symlink, str(path, "l"), str(pathLink, "/etc/passwd")).cmd(write, str(path, "l"), u64(offset, 0), str(data, "x"))
		}, "made as a symlink"},
		{"symlink renamed then truncated", func(b *builder) {
			b.cmd(symlink, str(path, "l"), str(pathLink, "/etc/passwd")).
				cmd(rename, str(path, "l"), str(pathTo, "f")).cmd(truncate, str(path, "f"), u64(size, 0))
		}, "made as a symlink"},
		{"symlink in a renamed dir", func(b *builder) {
			b.cmd(mkdir, str(path, "d")).cmd(symlink, str(path, "d/l"), str(pathLink, "/etc")).
				cmd(rename, str(path, "d"), str(pathTo, "e")).cmd(write, str(path, "e/l"), u64(offset, 0), str(data, "x"))
		}, "made as a symlink"},
		{"hardlink of a symlink", func(b *builder) {
			b.cmd(symlink, str(path, "l"), str(pathLink, "/etc/passwd")).
				cmd(link, str(path, "h"), str(pathLink, "l")).cmd(write, str(path, "h"), u64(offset, 0), str(data, "x"))
		}, "made as a symlink"},
		{"through a symlink", func(b *builder) {
			b.cmd(symlink, str(path, "l"), str(pathLink, "/etc")).cmd(mkfile, str(path, "l/cron.d"))
		}, `goes through "l"`},
		{"write to a device node", func(b *builder) {
			b.cmd(mknod, str(path, "sda"), u64(mode, 0o060600), u64(8, 0x800)).cmd(write, str(path, "sda"), u64(offset, 0), str(data, "x"))
		}, "block device"},
		{"write to a fifo", func(b *builder) {
			b.cmd(mkfifo, str(path, "p")).cmd(clone, str(path, "p"), str(clonePath, "f"))
		}, "fifo"},
		{"symlink target is data", func(b *builder) {
			b.cmd(symlink, str(path, "l"), str(pathLink, "../../../etc/passwd")).cmd(chmod, str(path, "l"), u64(mode, 0o777))
		}, ""},
		{"symlink unlinked, file made", func(b *builder) {
			b.cmd(symlink, str(path, "l"), str(pathLink, "/x")).cmd(unlink, str(path, "l")).
				cmd(mkfile, str(path, "l")).cmd(write, str(path, "l"), u64(offset, 0), str(data, "x"))
		}, ""},
		{"file renamed over a symlink", func(b *builder) {
			b.cmd(symlink, str(path, "l"), str(pathLink, "/x")).cmd(mkfile, str(path, "o1-1-0")).
				cmd(rename, str(path, "o1-1-0"), str(pathTo, "l")).cmd(write, str(path, "l"), u64(offset, 0), str(data, "x"))
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuilder(1).subvol("s")
			tt.build(b)
			_, err := validate(b.end())
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestSubvolName: the subvolume the stream creates is one path component.
func TestSubvolName(t *testing.T) {
	for _, name := range []string{"..", "a/b", "/abs"} {
		if _, err := validate(newBuilder(1).subvol(name).end()); err == nil || !strings.Contains(err.Error(), "single path component") {
			t.Errorf("subvolume %q: error %v", name, err)
		}
	}
}
