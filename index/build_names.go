package index

import (
	"fmt"
	"strings"

	"github.com/argo-backup/argo-backup/sendstream"
)

// resolve returns the inode at path as the stream has left the tree so far.
func (b *Builder) resolve(path string) (*inode, error) {
	if b.last.ok && b.last.path == path {
		return b.get(b.last.key)
	}
	in, err := b.get(b.rootKey)
	if err != nil || path == "" {
		return in, err
	}
	for rest := path; ; {
		name, more, found := strings.Cut(rest, "/")
		if in.n.Kind != KindDir {
			return nil, fmt.Errorf("%q: a component is not a directory", path)
		}
		key, ok := b.children(in)[name]
		var next *inode
		if ok {
			if next, err = b.get(key); err != nil {
				return nil, err
			}
		}
		if next == nil {
			return nil, fmt.Errorf("%q does not exist", path)
		}
		in = next
		if !found {
			break
		}
		rest = more
	}
	b.last = lastPath{path: path, key: in.key, ok: true}
	return in, nil
}

// lastPath remembers where the last path resolved leads. A file's data
// and metadata commands (writes, chown, chmod, utimes, xattrs) come in a
// run naming the same path, which resolve then walks once instead of
// component by component for each (0.2 s of a push of 380 MiB,
// docs/performance.md, "fourth round"). Any other command may change what
// a path names, so add forgets it once such a command is applied.
type lastPath struct {
	path string
	key  uint64
	ok   bool
}

// keepsNames are the commands that change no name: after them lastPath
// still holds.
var keepsNames = map[sendstream.Cmd]bool{
	sendstream.CmdWrite: true, sendstream.CmdEncodedWrite: true, sendstream.CmdClone: true,
	sendstream.CmdTruncate: true, sendstream.CmdFallocate: true, sendstream.CmdSetXattr: true,
	sendstream.CmdRemoveXattr: true, sendstream.CmdChmod: true, sendstream.CmdChown: true,
	sendstream.CmdUtimes: true, sendstream.CmdUpdateExtent: true,
}

// parentOf returns the directory holding path and path's last name.
func (b *Builder) parentOf(path string) (*inode, string, error) {
	dir, name := "", path
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		dir, name = path[:i], path[i+1:]
	}
	d, err := b.resolve(dir)
	if err != nil {
		return nil, "", err
	}
	if d.n.Kind != KindDir {
		return nil, "", fmt.Errorf("%q is not a directory", dir)
	}
	return d, name, nil
}

var createKinds = map[sendstream.Cmd]string{
	sendstream.CmdMkfile: KindFile, sendstream.CmdMkdir: KindDir, sendstream.CmdMkfifo: KindFifo,
	sendstream.CmdMksock: KindSocket, sendstream.CmdSymlink: KindSymlink,
}

func (b *Builder) create(c *sendstream.Command) error {
	if c.Ino >= 1<<63 {
		return fmt.Errorf("inode number %d is out of range", c.Ino)
	}
	n := &Node{Ino: c.Ino, Kind: createKinds[c.Type], Mode: uint32(c.Mode & 0o7777), Rdev: c.Rdev}
	if c.Type == sendstream.CmdMknod {
		n.Kind = KindChar
		if c.Mode&0o170000 == 0o060000 {
			n.Kind = KindBlock
		}
	}
	if c.Type == sendstream.CmdSymlink {
		n.Target, n.Mode = Name(c.PathLink), 0o777
	}
	in := &inode{key: createdKey(c.Ino), n: n}
	if n.Kind == KindDir {
		in.entries = map[string]uint64{}
	}
	b.hold(in)
	b.touch(in)
	return b.put(c.Path, in)
}

// put links in at path (a name the stream made free first, as btrfs send
// always does; an occupied name is replaced).
func (b *Builder) put(path string, in *inode) error {
	dir, name, err := b.parentOf(path)
	if err != nil {
		return err
	}
	b.children(dir)[name] = in.key
	b.touch(dir)
	return nil
}

func (b *Builder) rename(from, to string) error {
	in, err := b.resolve(from)
	if err != nil {
		return err
	}
	if err := b.unlink(from); err != nil {
		return err
	}
	return b.put(to, in)
}

func (b *Builder) link(existing, path string) error {
	in, err := b.resolve(existing)
	if err != nil {
		return err
	}
	return b.put(path, in)
}

func (b *Builder) unlink(path string) error {
	dir, name, err := b.parentOf(path)
	if err != nil {
		return err
	}
	entries := b.children(dir)
	if _, ok := entries[name]; !ok {
		return fmt.Errorf("%q does not exist", path)
	}
	delete(entries, name)
	b.touch(dir)
	return nil
}
