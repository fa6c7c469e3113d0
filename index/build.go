package index

import (
	"fmt"
	"sort"

	"github.com/argo-backup/argo-backup/sendstream"
)

// inode is a node while a stream is applied: its record, and for a
// directory its entries by name (loaded from the parent's record on first
// use, so that untouched directories cost nothing).
type inode struct {
	n       *Node
	entries map[string]*inode
	created bool // made by this stream (wins over a parent's inode of the same number)
	dirty   bool
}

// Builder makes one backup's index from its send stream's commands, as
// they pass (Add each command sendstream.Reader returns, then Index).
type Builder struct {
	head       Header
	parent     *Tree
	fromParent map[uint64]*inode
	root       *inode
	uuid       [16]byte
	digest     digester // of the file being sent
	parentUUID [16]byte
	touched    []*inode
}

// NewBuilder returns a Builder of the index of backup snapshot of subvol.
// For an incremental, parent is the tree of the backup it was sent against
// (nil for a full).
func NewBuilder(subvol, snapshot string, parent *Tree) *Builder {
	b := &Builder{head: Header{Subvol: subvol, Snapshot: snapshot}, parent: parent, fromParent: map[uint64]*inode{}}
	if parent != nil {
		b.head.Parent = parent.Head.Snapshot
	}
	return b
}

// Add applies one command.
func (b *Builder) Add(c *sendstream.Command) error {
	if err := b.add(c); err != nil {
		return fmt.Errorf("index %s at stream byte %d: %w", c.Type, c.Offset, err)
	}
	return nil
}

func (b *Builder) add(c *sendstream.Command) error {
	if b.root == nil && c.Type != sendstream.CmdSubvol && c.Type != sendstream.CmdSnapshot {
		return fmt.Errorf("the stream does not begin with a subvolume")
	}
	b.digest.next(c.Type)
	switch c.Type {
	case sendstream.CmdSubvol, sendstream.CmdSnapshot:
		return b.begin(c)
	case sendstream.CmdMkfile, sendstream.CmdMkdir, sendstream.CmdMknod, sendstream.CmdMkfifo,
		sendstream.CmdMksock, sendstream.CmdSymlink:
		return b.create(c)
	case sendstream.CmdRename:
		return b.rename(c.Path, c.PathTo)
	case sendstream.CmdLink:
		return b.link(c.PathLink, c.Path)
	case sendstream.CmdUnlink, sendstream.CmdRmdir:
		return b.unlink(c.Path)
	case sendstream.CmdWrite, sendstream.CmdEncodedWrite, sendstream.CmdClone,
		sendstream.CmdTruncate, sendstream.CmdFallocate:
		return b.data(c)
	case sendstream.CmdSetXattr, sendstream.CmdRemoveXattr, sendstream.CmdChmod,
		sendstream.CmdChown, sendstream.CmdUtimes:
		return b.meta(c)
	}
	return nil // END, update_extent, fileattr, verity: nothing the index shows
}

func (b *Builder) begin(c *sendstream.Command) error {
	if b.root != nil {
		return fmt.Errorf("a second subvolume")
	}
	b.uuid = c.UUID
	if c.Type == sendstream.CmdSubvol {
		b.head.Parent = ""
		b.root = &inode{n: &Node{Ino: RootIno, Kind: KindDir, Mode: 0o755}, entries: map[string]*inode{}, created: true}
		b.touch(b.root)
		return nil
	}
	b.parentUUID = c.CloneUUID
	if b.parent == nil {
		return fmt.Errorf("an incremental stream needs its parent's index")
	}
	root, err := b.parent.Root()
	if err != nil {
		return err
	}
	b.root = b.adopt(root)
	return nil
}

// adopt returns the building inode of a parent's record, one per number
// so that hardlinks stay one inode.
func (b *Builder) adopt(n *Node) *inode {
	if in := b.fromParent[n.Ino]; in != nil {
		return in
	}
	in := &inode{n: n.clone()}
	b.fromParent[n.Ino] = in
	return in
}

// touch marks in as changed by this stream: its record goes in the index.
func (b *Builder) touch(in *inode) {
	if !in.dirty {
		in.dirty = true
		b.touched = append(b.touched, in)
	}
}

// Index returns the finished index: the changed records by inode number.
func (b *Builder) Index(version uint32) (*Index, error) {
	if b.root == nil {
		return nil, fmt.Errorf("index %s: the stream had no subvolume", b.head.Snapshot)
	}
	byIno := map[uint64]*inode{}
	for _, in := range b.touched {
		if old := byIno[in.n.Ino]; old == nil || in.created {
			byIno[in.n.Ino] = in
		}
	}
	ix := &Index{Head: b.head}
	ix.Head.Version = version
	for _, in := range byIno {
		n := *in.n
		if n.Kind == KindDir {
			n.Entries = b.entries(in)
		}
		ix.Nodes = append(ix.Nodes, n)
	}
	sort.Slice(ix.Nodes, func(i, j int) bool { return ix.Nodes[i].Ino < ix.Nodes[j].Ino })
	return ix, nil
}

// entries returns a directory's entries by name.
func (b *Builder) entries(dir *inode) []Entry {
	m := b.children(dir)
	out := make([]Entry, 0, len(m))
	for name, c := range m {
		out = append(out, Entry{Name: Name(name), Ino: c.n.Ino})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
