package btrfs

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// FuzzRenameFirstCommand: no first command, however malformed, panics the
// renamer, and whatever it returns is a well-framed command with a correct
// crc32c whose path attribute is the new name.
func FuzzRenameFirstCommand(f *testing.F) {
	subvol := func(attrs ...[]byte) []byte {
		c := make([]byte, renameCmdHeaderLen)
		for _, a := range attrs {
			c = append(c, a...)
		}
		binary.LittleEndian.PutUint32(c, uint32(len(c)-renameCmdHeaderLen))
		binary.LittleEndian.PutUint16(c[4:], 1)
		return c
	}
	tlv := func(typ uint16, val string) []byte {
		b := binary.LittleEndian.AppendUint16(nil, typ)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(val)))
		return append(b, val...)
	}
	f.Add(subvol(tlv(renameAttrPath, "home.1"), tlv(1, "0123456789abcdef"), tlv(2, "\x07\x00\x00\x00\x00\x00\x00\x00")), ".argo-restore-home.1")
	f.Add(subvol(tlv(1, "uuid")), "x")
	f.Add(subvol([]byte{15, 0, 200, 0}), "x")
	f.Add([]byte{}, "")
	f.Fuzz(func(t *testing.T, cmd []byte, name string) {
		if len(cmd) < renameCmdHeaderLen {
			return // the caller only passes whole commands
		}
		out, err := renameFirstCommand(cmd, name)
		if err != nil {
			return
		}
		if n := binary.LittleEndian.Uint32(out); int(n) != len(out)-renameCmdHeaderLen {
			t.Fatalf("length field %d, payload %d", n, len(out)-renameCmdHeaderLen)
		}
		check := bytes.Clone(out)
		binary.LittleEndian.PutUint32(check[6:], 0)
		if got, want := binary.LittleEndian.Uint32(out[6:]), rawCRC32C(check); got != want {
			t.Fatalf("crc %#x, want %#x", got, want)
		}
		if !bytes.Contains(out, []byte(name)) {
			t.Fatalf("renamed command lacks the name %q", name)
		}
	})
}
