package index

import (
	"fmt"

	"github.com/argo-backup/argo-backup/sendstream"
)

// inode is a record while a stream is applied. Records are named by key:
// the inode number shifted left, plus 1 for an inode this stream made, so
// that a new inode that reuses a deleted one's number never meets the old
// one (both may have names while the stream swaps them).
type inode struct {
	key     uint64
	n       *Node
	entries map[string]uint64 // of a directory once used: name -> key
	keys    []uint64          // of a directory reloaded from the spill file: n.Entries' keys
	dirty   bool              // changed by this stream: its record goes in the index
	mod     bool              // changed since it was last written to the spill file
	used    uint64            // the command that last used it (eviction order)
}

func parentKey(ino uint64) uint64  { return ino << 1 }
func createdKey(ino uint64) uint64 { return ino<<1 | 1 }

// Builder makes one backup's index from its send stream's commands, as
// they pass (Add each command sendstream.Reader returns, then Finish or
// Index, then Close).
//
// Its memory is bounded whatever the tree's size: only the records of the
// inodes the last few thousand commands used are held (btrfs send works
// through inodes in increasing order, so a record is rarely used again
// once the stream has moved on); the others are written to a spill file
// and read back when a later command needs them. Finish then writes the
// index from the spill file in inode order, one record at a time. What
// stays in memory for the whole stream is 16 bytes per changed inode (the
// spill file's positions) and the directories being filled.
type Builder struct {
	head       Header
	parent     Parent
	rootKey    uint64
	started    bool
	uuid       [16]byte
	digest     digester // of the file being sent
	parentUUID [16]byte
	live       map[uint64]*inode
	clock      uint64
	spill      *spillFile
	last       lastPath // the path the last data or metadata command resolved
}

// maxLive is how many records a Builder holds in memory before it writes
// the least recently used half to its spill file.
var maxLive = 4096

// NewBuilder returns a Builder of the index of backup snapshot of subvol.
// For an incremental, parent is the tree of the backup it was sent against
// (nil for a full). It spills to the system's temporary directory.
func NewBuilder(subvol, snapshot string, parent *Tree) *Builder {
	var p Parent
	if parent != nil {
		p = treeParent{parent}
	}
	return NewBuilderOn(subvol, snapshot, p, "")
}

// NewBuilderOn is NewBuilder on any Parent (such as a Chain of index files,
// which needs no whole tree in memory), spilling to a file in dir ("": the
// system's temporary directory).
func NewBuilderOn(subvol, snapshot string, parent Parent, dir string) *Builder {
	b := &Builder{head: Header{Subvol: subvol, Snapshot: snapshot}, parent: parent,
		live: map[uint64]*inode{}, spill: &spillFile{dir: dir}}
	if parent != nil {
		b.head.Parent = parent.Snapshot()
	}
	return b
}

// Close removes the spill file.
func (b *Builder) Close() error { return b.spill.close() }

// Add applies one command.
func (b *Builder) Add(c *sendstream.Command) error {
	b.clock++
	if err := b.add(c); err != nil {
		return fmt.Errorf("index %s at stream byte %d: %w", c.Type, c.Offset, err)
	}
	if err := b.trim(); err != nil {
		return fmt.Errorf("index %s: %w", b.head.Snapshot, err)
	}
	return nil
}

func (b *Builder) add(c *sendstream.Command) error {
	if !b.started && c.Type != sendstream.CmdSubvol && c.Type != sendstream.CmdSnapshot {
		return fmt.Errorf("the stream does not begin with a subvolume")
	}
	b.digest.next(c.Type)
	if !keepsNames[c.Type] { // it may change what the remembered path names
		defer func() { b.last = lastPath{} }()
	}
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
	if b.started {
		return fmt.Errorf("a second subvolume")
	}
	b.started, b.uuid = true, c.UUID
	if c.Type == sendstream.CmdSubvol {
		b.head.Parent = ""
		b.rootKey = createdKey(RootIno)
		root := &inode{key: b.rootKey, n: &Node{Ino: RootIno, Kind: KindDir, Mode: 0o755}, entries: map[string]uint64{}}
		b.hold(root)
		b.touch(root)
		return nil
	}
	b.parentUUID = c.CloneUUID
	if b.parent == nil {
		return fmt.Errorf("an incremental stream needs its parent's index")
	}
	b.rootKey = parentKey(RootIno)
	root, err := b.get(b.rootKey)
	if err != nil {
		return err
	}
	if root == nil || root.n.Kind != KindDir {
		return fmt.Errorf("index of %s has no top directory", b.head.Parent)
	}
	return nil
}

// touch marks in as changed by this stream: its record goes in the index.
func (b *Builder) touch(in *inode) {
	in.dirty, in.mod = true, true
}
