package sendstream

import (
	"encoding/binary"
	"fmt"
	"time"
)

// Command is one decoded send stream command. Only the attributes the
// command carried are set; Has tells which. Byte slices (Data, XattrData,
// Verity*) point into the reader's buffer and are valid until the next
// command is read.
type Command struct {
	Type   Cmd
	Offset int64 // stream byte where the command starts

	Path, PathTo, PathLink, ClonePath string
	UUID, CloneUUID                   [16]byte
	CTransID, CloneCTransID           uint64

	Ino, Size, Mode, UID, GID, Rdev uint64
	Atime, Mtime, Ctime, Otime      time.Time

	XattrName string
	XattrData []byte

	FileOffset            uint64
	Data                  []byte
	CloneOffset, CloneLen uint64

	FallocateMode                                   uint32
	Fileattr                                        uint64
	UnencodedFileLen, UnencodedLen, UnencodedOffset uint64
	Compression, Encryption                         uint32
	VerityAlgorithm                                 uint8
	VerityBlockSize                                 uint32
	VeritySalt, VeritySig                           []byte

	has uint64 // bit n set: attribute n was present
}

// Has reports whether the command carried attribute attr.
func (c *Command) Has(attr int) bool { return attr >= 0 && attr <= AttrMax && c.has&(1<<attr) != 0 }

// need returns an error naming the first of attrs the command lacks.
func (c *Command) need(attrs ...int) error {
	for _, a := range attrs {
		if !c.Has(a) {
			return fmt.Errorf("%s at byte %d lacks attribute %d", c.Type, c.Offset, a)
		}
	}
	return nil
}

// decodeAttr stores one attribute's value; values of the wrong width are
// an error, so a damaged stream is never applied with guessed numbers.
func (c *Command) decodeAttr(attr uint16, val []byte) error {
	if attr <= AttrMax {
		c.has |= 1 << attr
	}
	var err error
	switch attr {
	case AttrUUID:
		err = fixed(c.UUID[:], val)
	case AttrCloneUUID:
		err = fixed(c.CloneUUID[:], val)
	case AttrPath:
		c.Path = string(val)
	case AttrPathTo:
		c.PathTo = string(val)
	case AttrPathLink:
		c.PathLink = string(val)
	case AttrClonePath:
		c.ClonePath = string(val)
	case AttrXattrName:
		c.XattrName = string(val)
	case AttrXattrData:
		c.XattrData = val
	case AttrData:
		c.Data = val
	case AttrVeritySalt:
		c.VeritySalt = val
	case AttrVeritySig:
		c.VeritySig = val
	case AttrCtime, AttrMtime, AttrAtime, AttrOtime:
		err = c.decodeTime(attr, val)
	case AttrFallocateMode, AttrCompression, AttrEncryption, AttrVerityBlockSize:
		err = c.decodeU32(attr, val)
	case AttrVerityAlgorithm:
		if len(val) != 1 {
			return fmt.Errorf("attribute %d has %d bytes, want 1", attr, len(val))
		}
		c.VerityAlgorithm = val[0]
	default:
		err = c.decodeU64(attr, val)
	}
	return err
}

func (c *Command) decodeU64(attr uint16, val []byte) error {
	var dst *uint64
	switch attr {
	case AttrCTransID:
		dst = &c.CTransID
	case AttrCloneCTransID:
		dst = &c.CloneCTransID
	case AttrIno:
		dst = &c.Ino
	case AttrSize:
		dst = &c.Size
	case AttrMode:
		dst = &c.Mode
	case AttrUID:
		dst = &c.UID
	case AttrGID:
		dst = &c.GID
	case AttrRdev:
		dst = &c.Rdev
	case AttrFileOffset:
		dst = &c.FileOffset
	case AttrCloneOffset:
		dst = &c.CloneOffset
	case AttrCloneLen:
		dst = &c.CloneLen
	case AttrFileattr:
		dst = &c.Fileattr
	case AttrUnencodedFileLen:
		dst = &c.UnencodedFileLen
	case AttrUnencodedLen:
		dst = &c.UnencodedLen
	case AttrUnencodedOffset:
		dst = &c.UnencodedOffset
	default:
		return nil // unknown attributes are kept out, not refused, as btrfs-progs does
	}
	if len(val) != 8 {
		return fmt.Errorf("attribute %d has %d bytes, want 8", attr, len(val))
	}
	*dst = binary.LittleEndian.Uint64(val)
	return nil
}

func (c *Command) decodeU32(attr uint16, val []byte) error {
	if len(val) != 4 {
		return fmt.Errorf("attribute %d has %d bytes, want 4", attr, len(val))
	}
	v := binary.LittleEndian.Uint32(val)
	switch attr {
	case AttrFallocateMode:
		c.FallocateMode = v
	case AttrCompression:
		c.Compression = v
	case AttrEncryption:
		c.Encryption = v
	case AttrVerityBlockSize:
		c.VerityBlockSize = v
	}
	return nil
}

// decodeTime reads btrfs_timespec: le64 seconds, le32 nanoseconds.
func (c *Command) decodeTime(attr uint16, val []byte) error {
	if len(val) != 12 {
		return fmt.Errorf("attribute %d has %d bytes, want 12", attr, len(val))
	}
	t := time.Unix(int64(binary.LittleEndian.Uint64(val)), int64(binary.LittleEndian.Uint32(val[8:])))
	switch attr {
	case AttrAtime:
		c.Atime = t
	case AttrMtime:
		c.Mtime = t
	case AttrCtime:
		c.Ctime = t
	case AttrOtime:
		c.Otime = t
	}
	return nil
}

func fixed(dst, val []byte) error {
	if len(val) != len(dst) {
		return fmt.Errorf("UUID attribute has %d bytes, want %d", len(val), len(dst))
	}
	copy(dst, val)
	return nil
}

// FormatUUID formats a 16-byte UUID the way btrfs-progs prints it
// (lowercase 8-4-4-4-12); the all-zero UUID, btrfs's "none", is "".
func FormatUUID(b []byte) string {
	if len(b) != 16 || b == nil || isZero(b) {
		return ""
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
