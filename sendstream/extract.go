package sendstream

import (
	"encoding/binary"
	"fmt"
)

// CommandLen returns the whole length (header included) of the command
// whose first bytes are hdr, so that a reader fetching one command by its
// stream offset (the file index does) knows how much more to fetch.
func CommandLen(hdr []byte) (int, error) {
	if len(hdr) < cmdHeaderLen {
		return 0, fmt.Errorf("command header cut short: %d of %d bytes", len(hdr), cmdHeaderLen)
	}
	n := int(binary.LittleEndian.Uint32(hdr))
	if n > maxCommandLen {
		return 0, fmt.Errorf("command claims %d bytes, more than any btrfs writes", n)
	}
	return cmdHeaderLen + n, nil
}

// ParseCommand decodes one whole command b of a stream of protocol version,
// after checking its crc32c. It is for readers that fetch a single command
// by its offset; Command.Offset is left 0 for the caller to set.
func ParseCommand(b []byte, version uint32) (*Command, error) {
	n, err := CommandLen(b)
	if err != nil {
		return nil, err
	}
	if len(b) != n {
		return nil, fmt.Errorf("command is %d bytes, its header says %d", len(b), n)
	}
	if want, got := binary.LittleEndian.Uint32(b[6:]), commandCRC(b); got != want {
		return nil, fmt.Errorf("crc32c mismatch (stored %#08x, computed %#08x)", want, got)
	}
	c := &Command{Type: Cmd(binary.LittleEndian.Uint16(b[4:]))}
	if _, err := walkAttrs(b[cmdHeaderLen:], version, c.decodeAttr); err != nil {
		return nil, fmt.Errorf("%s: %w", c.Type, err)
	}
	return c, nil
}

// FileData returns the file bytes a WRITE or ENCODED_WRITE command puts at
// its FileOffset: the data as it is, or the used slice of the decompressed
// extent.
func FileData(c *Command) ([]byte, error) {
	switch c.Type {
	case CmdWrite:
		return c.Data, c.need(AttrData)
	case CmdEncodedWrite:
		if err := c.need(AttrData, AttrUnencodedFileLen, AttrUnencodedLen, AttrUnencodedOffset); err != nil {
			return nil, err
		}
		if c.Encryption != 0 {
			return nil, fmt.Errorf("encrypted extent (encryption %d): not supported", c.Encryption)
		}
		if c.UnencodedOffset > c.UnencodedLen || c.UnencodedFileLen > c.UnencodedLen-c.UnencodedOffset {
			return nil, fmt.Errorf("extent slice %d+%d lies outside its %d bytes", c.UnencodedOffset, c.UnencodedFileLen, c.UnencodedLen)
		}
		var d decoder
		out, err := d.decode(c.Data, c.Compression, c.UnencodedLen)
		if d.zstd != nil {
			d.zstd.Close()
		}
		if err != nil {
			return nil, err
		}
		return out[c.UnencodedOffset : c.UnencodedOffset+c.UnencodedFileLen], nil
	}
	return nil, fmt.Errorf("%s carries no file data", c.Type)
}
