package sendstream_test

import (
	"encoding/binary"
	"hash/crc32"
)

// builder writes send streams by hand, for tests that need streams no
// btrfs would send: hostile paths, huge lengths, unknown commands. It is an
// independent encoder: it follows btrfs-progs' send.h, not this package.
type builder struct {
	version uint32
	buf     []byte
}

// attr is one TLV attribute; data attributes of v2+ are written without a
// length when last.
type attr struct {
	typ uint16
	val []byte
}

func newBuilder(version uint32) *builder {
	b := &builder{version: version}
	b.buf = append([]byte("btrfs-stream\x00"), le32(version)...)
	return b
}

func (b *builder) cmd(typ uint16, attrs ...attr) *builder {
	var payload []byte
	for _, a := range attrs {
		payload = binary.LittleEndian.AppendUint16(payload, a.typ)
		if a.typ == 19 && b.version >= 2 {
			payload = append(payload, a.val...)
			continue
		}
		payload = binary.LittleEndian.AppendUint16(payload, uint16(len(a.val)))
		payload = append(payload, a.val...)
	}
	c := binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))
	c = binary.LittleEndian.AppendUint16(c, typ)
	c = append(c, 0, 0, 0, 0)
	c = append(c, payload...)
	crc := ^crc32.Update(^uint32(0), crc32.MakeTable(crc32.Castagnoli), c)
	binary.LittleEndian.PutUint32(c[6:], crc)
	b.buf = append(b.buf, c...)
	return b
}

var testUUID = []byte("0123456789abcdef")

// subvol starts a full stream of a subvolume named name.
func (b *builder) subvol(name string) *builder {
	return b.cmd(1, str(15, name), attr{1, testUUID}, u64(2, 7))
}

func (b *builder) end() []byte { return b.cmd(21).buf }

func str(typ uint16, s string) attr { return attr{typ, []byte(s)} }
func u64(typ uint16, v uint64) attr { return attr{typ, binary.LittleEndian.AppendUint64(nil, v)} }
func le32(v uint32) []byte          { return binary.LittleEndian.AppendUint32(nil, v) }
