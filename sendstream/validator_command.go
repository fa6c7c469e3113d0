package sendstream

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// command checks one complete command c, which starts at stream byte v.off,
// and leaves it decoded in v.last.
func (v *Validator) command(c []byte) error {
	n := v.info.Commands + 1
	typ := Cmd(binary.LittleEndian.Uint16(c[4:]))
	if want, got := binary.LittleEndian.Uint32(c[6:]), commandCRC(c); got != want {
		return fmt.Errorf("send stream: crc32c mismatch in command %d at byte %d (stored %#08x, computed %#08x)", n, v.off, want, got)
	}
	first := n == 1
	switch {
	case typ == 0:
		return fmt.Errorf("send stream: command %d at byte %d has type 0", n, v.off)
	case first && typ != CmdSubvol && typ != CmdSnapshot:
		return fmt.Errorf("send stream: command 1 at byte %d is type %d, not a subvolume or snapshot", v.off, typ)
	case !first && (typ == CmdSubvol || typ == CmdSnapshot):
		return fmt.Errorf("send stream: second subvolume in command %d at byte %d: only one is expected", n, v.off)
	}
	v.last = Command{Type: typ, Offset: v.off}
	if off, err := walkAttrs(c[cmdHeaderLen:], v.info.Version, v.last.decodeAttr); err != nil {
		return fmt.Errorf("send stream: command %d (%s) at byte %d: %v at byte %d", n, typ, v.off, err, v.off+int64(cmdHeaderLen+off))
	}
	if first {
		v.subvol(&v.last)
		if v.info.UUID == "" || v.info.Name == "" {
			return fmt.Errorf("send stream: command 1 at byte %d lacks the subvolume's path or UUID", v.off)
		}
	}
	if err := v.paths.check(&v.last); err != nil {
		return fmt.Errorf("send stream: command %d (%s) at byte %d: %v", n, typ, v.off, err)
	}
	v.info.Commands = n
	v.off += int64(len(c))
	v.ended = typ == CmdEnd
	if v.onCmd != nil {
		v.onCmd(&v.last)
	}
	return nil
}

// subvol records the identity carried by the SUBVOL or SNAPSHOT command.
func (v *Validator) subvol(c *Command) {
	v.info.Name = c.Path
	v.info.UUID = FormatUUID(c.UUID[:])
	v.info.CTransID = c.CTransID
	v.info.ParentUUID = FormatUUID(c.CloneUUID[:])
	v.info.ParentCTransID = c.CloneCTransID
}

// walkAttrs checks the framing of a command's attributes (le16 type, le16
// length, value) and calls visit for each. From version 2 the DATA attribute
// has no length: it runs to the end of the command. On error it returns the
// offset in payload where the bad attribute starts.
func walkAttrs(payload []byte, version uint32, visit func(uint16, []byte) error) (int, error) {
	for off := 0; off < len(payload); {
		rest := payload[off:]
		if len(rest) < 2 {
			return off, fmt.Errorf("attribute header cut short")
		}
		attr := binary.LittleEndian.Uint16(rest)
		if attr == AttrData && version >= 2 {
			return off, visit(attr, rest[2:])
		}
		if len(rest) < 4 {
			return off, fmt.Errorf("attribute %d header cut short", attr)
		}
		n := int(binary.LittleEndian.Uint16(rest[2:]))
		if len(rest) < 4+n {
			return off, fmt.Errorf("attribute %d claims %d bytes, %d left in the command", attr, n, len(rest)-4)
		}
		if err := visit(attr, rest[4:4+n]); err != nil {
			return off, err
		}
		off += 4 + n
	}
	return 0, nil
}

// commandCRC computes btrfs's checksum of a command: crc32c seeded with 0 and
// without the final inversion (the kernel's crc32c(0, ...)), over the whole
// command with its crc field taken as zero. Go's crc32.Update inverts on the
// way in and out, so starting from ^0 and inverting the result gives the raw
// form.
func commandCRC(c []byte) uint32 {
	var zero [4]byte
	crc := crc32.Update(^uint32(0), castagnoli, c[:6])
	crc = crc32.Update(crc, castagnoli, zero[:])
	crc = crc32.Update(crc, castagnoli, c[cmdHeaderLen:])
	return ^crc
}
