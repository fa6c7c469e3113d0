package index

// Kinds of inode, the letters of find -type.
const (
	KindFile    = "f"
	KindDir     = "d"
	KindSymlink = "l"
	KindBlock   = "b"
	KindChar    = "c"
	KindFifo    = "p"
	KindSocket  = "s"
)

// RootIno is the inode number of a btrfs subvolume's top directory.
const RootIno = 256

// Node is the whole record of one inode as a backup leaves it.
type Node struct {
	Ino     uint64   `json:"ino"`
	Kind    string   `json:"type"`
	Mode    uint32   `json:"mode"` // permission bits, 07777
	UID     uint32   `json:"uid"`
	GID     uint32   `json:"gid"`
	Size    int64    `json:"size"`
	MtimeNs int64    `json:"mtime_ns"`
	Rdev    uint64   `json:"rdev,omitempty"`
	Target  Name     `json:"target,omitempty"` // of a symlink
	Xattrs  []Xattr  `json:"xattrs,omitempty"`
	Extents []Extent `json:"extents,omitempty"` // of a file, by offset
	// Digest is a file's content digest (see DigestBlock), when the
	// stream that last changed its bytes sent them all; "" if unknown.
	Digest  string  `json:"digest,omitempty"`
	Entries []Entry `json:"entries,omitempty"` // of a directory, by name
}

// Xattr names an extended attribute and the sha256 of its value; the value
// itself stays in the stream, in the SET_XATTR command at byte Pos of
// backup Snap's stream (a diff needs only the hash, a restore the value).
type Xattr struct {
	Name   Name   `json:"name"`
	SHA256 string `json:"sha256"`
	Snap   string `json:"snap"`
	Pos    int64  `json:"pos"`
}

// Entry is one name in a directory. Several entries may name one inode
// (hardlinks).
type Entry struct {
	Name Name   `json:"name"`
	Ino  uint64 `json:"ino"`
}

// Extent says where file bytes [Off, Off+Len) are: in the send stream of
// backup Snap, in the WRITE or ENCODED_WRITE command starting at stream
// byte Pos, from byte Skip of the file data it carries. Bytes of a file
// that no extent covers are a hole (zeros). Clones are resolved when the
// index is built: a cloned range points at the command that wrote it.
type Extent struct {
	Off  int64  `json:"off"`
	Len  int64  `json:"len"`
	Snap string `json:"snap"`
	Pos  int64  `json:"pos"`
	Skip int64  `json:"skip,omitempty"`
}

// clone returns a copy of n that shares no slice with it.
func (n *Node) clone() *Node {
	c := *n
	c.Xattrs = append([]Xattr(nil), n.Xattrs...)
	c.Extents = append([]Extent(nil), n.Extents...)
	c.Entries = append([]Entry(nil), n.Entries...)
	return &c
}
