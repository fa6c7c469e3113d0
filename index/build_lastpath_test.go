package index_test

import (
	"testing"

	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/sendstream"
)

// After a command that changes names, a path that the commands before it
// named leads where the tree now says: the Builder's memory of the last
// path resolved must not send data or metadata to the inode it named
// before. Each case renames, links or deletes "a" between commands on
// "a"; the expected sizes and modes are the ones written to each inode.
func TestLastPathFollowsNameChanges(t *testing.T) {
	write := func(path, data string) *sendstream.Command {
		return &sendstream.Command{Type: sendstream.CmdWrite, Path: path, Data: []byte(data)}
	}
	chmod := func(path string, mode uint64) *sendstream.Command {
		return &sendstream.Command{Type: sendstream.CmdChmod, Path: path, Mode: mode}
	}
	mkfile := func(path string, ino uint64) *sendstream.Command {
		return &sendstream.Command{Type: sendstream.CmdMkfile, Path: path, Ino: ino}
	}
	rename := func(from, to string) *sendstream.Command {
		return &sendstream.Command{Type: sendstream.CmdRename, Path: from, PathTo: to}
	}
	type want struct {
		size int64
		mode uint32
	}
	tests := []struct {
		name string
		cmds []*sendstream.Command
		want map[string]want
	}{
		{"renamed away, a new file in its place", []*sendstream.Command{
			mkfile("a", 257), write("a", "one"), chmod("a", 0o600),
			rename("a", "b"),
			mkfile("o258-1-0", 258), rename("o258-1-0", "a"), write("a", "four"), chmod("a", 0o644),
		}, map[string]want{"b": {3, 0o600}, "a": {4, 0o644}}},
		{"unlinked, then made again", []*sendstream.Command{
			mkfile("a", 257), write("a", "one"), chmod("a", 0o600),
			{Type: sendstream.CmdUnlink, Path: "a"},
			mkfile("a", 258), write("a", "fifth"), chmod("a", 0o640),
		}, map[string]want{"a": {5, 0o640}}},
		{"two names swapped through an orphan name", []*sendstream.Command{
			mkfile("a", 257), write("a", "1"), mkfile("b", 258), write("b", "22"),
			chmod("a", 0o600),
			rename("a", "o257-1-0"), rename("b", "a"), rename("o257-1-0", "b"),
			chmod("a", 0o640), write("b", "1"), chmod("b", 0o604),
		}, map[string]want{"a": {2, 0o640}, "b": {1, 0o604}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := index.NewBuilder("s", "s.1", nil)
			defer b.Close()
			cmds := append([]*sendstream.Command{{Type: sendstream.CmdSubvol, Path: "s.1"}}, tt.cmds...)
			cmds = append(cmds, &sendstream.Command{Type: sendstream.CmdEnd})
			for i, c := range cmds {
				c.Offset = int64(100 * i)
				if err := b.Add(c); err != nil {
					t.Fatalf("command %d (%v %q): %v", i, c.Type, c.Path, err)
				}
			}
			ix, err := b.Index(2)
			if err != nil {
				t.Fatal(err)
			}
			tree := index.NewTree()
			if err := tree.Apply(ix); err != nil {
				t.Fatal(err)
			}
			for path, w := range tt.want {
				n, err := tree.Lookup(path)
				if err != nil || n == nil {
					t.Fatalf("lookup %q: %v, %v", path, n, err)
				}
				if n.Size != w.size || n.Mode != w.mode {
					t.Errorf("%q: size %d mode %o, want size %d mode %o", path, n.Size, n.Mode, w.size, w.mode)
				}
			}
		})
	}
}
