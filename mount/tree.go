package mount

import (
	"context"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/restore"
)

// treeNode is one inode of a backup's tree.
type treeNode struct {
	fs.Inode
	snap *snapshot
	ino  uint64
}

var (
	_ fs.NodeLookuper   = (*treeNode)(nil)
	_ fs.NodeReaddirer  = (*treeNode)(nil)
	_ fs.NodeGetattrer  = (*treeNode)(nil)
	_ fs.NodeReadlinker = (*treeNode)(nil)
	_ fs.NodeOpener     = (*treeNode)(nil)
	_ fs.NodeReader     = (*treeNode)(nil)
)

func (t *treeNode) node(ctx context.Context) (*index.Tree, *index.Node, syscall.Errno) {
	tree, errno := t.snap.load(ctx)
	if errno != 0 {
		return nil, nil, errno
	}
	n := tree.Nodes[t.ino]
	if n == nil {
		return nil, nil, syscall.EIO
	}
	return tree, n, 0
}

var typeBits = map[string]uint32{
	index.KindFile: syscall.S_IFREG, index.KindDir: syscall.S_IFDIR, index.KindSymlink: syscall.S_IFLNK,
	index.KindFifo: syscall.S_IFIFO, index.KindSocket: syscall.S_IFSOCK, index.KindChar: syscall.S_IFCHR,
	index.KindBlock: syscall.S_IFBLK,
}

func (t *treeNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	tree, n, errno := t.node(ctx)
	if errno != 0 {
		return nil, errno
	}
	ino := n.Child(name) // a binary search: ls -l of a big directory looks up every entry
	if ino == 0 {
		return nil, syscall.ENOENT
	}
	c := tree.Nodes[ino]
	if c == nil {
		return nil, syscall.EIO
	}
	fill(&out.Attr, c)
	if ch := t.GetChild(name); ch != nil {
		return ch, 0
	}
	return t.NewInode(ctx, &treeNode{snap: t.snap, ino: ino}, fs.StableAttr{Mode: typeBits[c.Kind]}), 0
}

func (t *treeNode) Readdir(ctx context.Context) (fs.DirStream, syscall.Errno) {
	tree, n, errno := t.node(ctx)
	if errno != 0 {
		return nil, errno
	}
	list := make([]fuse.DirEntry, 0, len(n.Entries))
	for _, e := range n.Entries {
		if c := tree.Nodes[e.Ino]; c != nil {
			list = append(list, fuse.DirEntry{Name: string(e.Name), Mode: typeBits[c.Kind]})
		}
	}
	return fs.NewListDirStream(list), 0
}

func (t *treeNode) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	_, n, errno := t.node(ctx)
	if errno != 0 {
		return errno
	}
	fill(&out.Attr, n)
	return 0
}

func fill(a *fuse.Attr, n *index.Node) {
	a.Mode = typeBits[n.Kind] | n.Mode
	if n.Kind == index.KindFile {
		a.Size = uint64(n.Size)
		a.Blocks = (a.Size + 511) / 512
	}
	if n.Kind == index.KindSymlink {
		a.Size = uint64(len(n.Target))
	}
	a.Uid, a.Gid, a.Rdev = n.UID, n.GID, uint32(n.Rdev)
	sec, nsec := uint64(n.MtimeNs/1e9), uint32(n.MtimeNs%1e9)
	a.Mtime, a.Mtimensec = sec, nsec
	a.Ctime, a.Ctimensec = sec, nsec
	a.Atime, a.Atimensec = sec, nsec
	a.Nlink = 1
}

func (t *treeNode) Readlink(ctx context.Context) ([]byte, syscall.Errno) {
	_, n, errno := t.node(ctx)
	if errno != 0 {
		return nil, errno
	}
	return []byte(n.Target), 0
}

func (t *treeNode) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	if flags&(syscall.O_WRONLY|syscall.O_RDWR|syscall.O_TRUNC) != 0 {
		return nil, 0, syscall.EROFS
	}
	return nil, fuse.FOPEN_KEEP_CACHE, 0
}

func (t *treeNode) Read(ctx context.Context, f fs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	tree, n, errno := t.node(ctx)
	if errno != 0 {
		return nil, errno
	}
	got, err := t.readAt(ctx, tree, n, dest, off)
	if err != nil {
		t.snap.src.log("read "+t.snap.name, err)
		return nil, syscall.EIO
	}
	return fuse.ReadResultData(dest[:got]), 0
}

// readAt reads a file's bytes. When a check fails (a command's crc32c) on
// bytes the disk cache served, those cached parts are evicted and the read
// is tried once more, from the remote: a part damaged on disk costs one
// download, not every read until the mount ends.
func (t *treeNode) readAt(ctx context.Context, tree *index.Tree, n *index.Node, dest []byte, off int64) (int, error) {
	traced, trace := restore.WithCacheTrace(ctx)
	got, err := tree.ReadFileAt(traced, n, t.snap.streams, dest, off)
	if err != nil && t.snap.streams.EvictTraced(trace) > 0 {
		got, err = tree.ReadFileAt(ctx, n, t.snap.streams, dest, off)
	}
	return got, err
}
