package btrfs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// renamer passes a send stream through to w with the subvolume name in its
// first command (SUBVOL or SNAPSHOT) replaced, so that btrfs receive creates
// the subvolume under a name of our choosing. Every later command names
// paths relative to that subvolume, so only the first command changes; its
// length and crc32c are recomputed.
//
// Restore receives under a staging name and renames the finished subvolume
// into place: a read-only subvolume can be renamed within its directory but
// not moved to another one (that would rewrite its "..", which a read-only
// subvolume refuses), so the staging name must sit beside the final one.
//
// It sees only bytes the Validator has passed, so it trusts their framing.
type renamer struct {
	w    io.Writer
	name string
	buf  []byte // the stream header and first command, until complete
	done bool
}

const (
	renameHeaderLen    = 17 // "btrfs-stream\0", le32 version
	renameCmdHeaderLen = 10 // le32 length, le16 type, le32 crc32c
	renameAttrPath     = 15 // BTRFS_SEND_A_PATH
)

func (rn *renamer) Write(p []byte) (int, error) {
	if rn.done {
		return rn.w.Write(p)
	}
	rn.buf = append(rn.buf, p...)
	end := renameHeaderLen + renameCmdHeaderLen
	if len(rn.buf) < end {
		return len(p), nil
	}
	end += int(binary.LittleEndian.Uint32(rn.buf[renameHeaderLen:]))
	if len(rn.buf) < end {
		return len(p), nil
	}
	first, err := renameFirstCommand(rn.buf[renameHeaderLen:end], rn.name)
	if err != nil {
		return 0, err
	}
	out := append(append(append([]byte{}, rn.buf[:renameHeaderLen]...), first...), rn.buf[end:]...)
	rn.buf, rn.done = nil, true
	if _, err := rn.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// renameFirstCommand returns cmd (a whole command, header included) with
// its PATH attribute set to name. It relies on v1 framing (le16 type, le16
// length) for the first command, which every protocol version uses there.
func renameFirstCommand(cmd []byte, name string) ([]byte, error) {
	if len(name) > 0xffff {
		return nil, errors.New("renaming received subvolume: name too long")
	}
	out := append([]byte{}, cmd[:renameCmdHeaderLen]...)
	found := false
	for a := cmd[renameCmdHeaderLen:]; len(a) > 0; {
		if len(a) < 4 {
			return nil, errors.New("renaming received subvolume: truncated attribute")
		}
		typ, n := binary.LittleEndian.Uint16(a), int(binary.LittleEndian.Uint16(a[2:]))
		if len(a) < 4+n {
			return nil, errors.New("renaming received subvolume: truncated attribute")
		}
		val := a[4 : 4+n]
		if typ == renameAttrPath {
			val, found = []byte(name), true
		}
		out = binary.LittleEndian.AppendUint16(out, typ)
		out = binary.LittleEndian.AppendUint16(out, uint16(len(val)))
		out = append(out, val...)
		a = a[4+n:]
	}
	if !found {
		return nil, fmt.Errorf("renaming received subvolume: first command has no path")
	}
	binary.LittleEndian.PutUint32(out, uint32(len(out)-renameCmdHeaderLen))
	binary.LittleEndian.PutUint32(out[6:], 0)
	binary.LittleEndian.PutUint32(out[6:], rawCRC32C(out))
	return out, nil
}

var crc32cTable = crc32.MakeTable(crc32.Castagnoli)

// rawCRC32C is btrfs's crc32c: seed 0 and no final inversion. Go's Update
// inverts on the way in and out, so ^Update(^0) undoes both.
func rawCRC32C(b []byte) uint32 {
	return ^crc32.Update(^uint32(0), crc32cTable, b)
}
