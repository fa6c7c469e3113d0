package sendstream

import "fmt"

// Decoder is FileData for a reader of many commands (the file index's
// content digests): it keeps its decompressors between calls. The bytes it
// returns are valid until the next call.
type Decoder struct {
	d decoder
}

// FileData returns the file bytes a WRITE or ENCODED_WRITE command puts at
// its FileOffset, as FileData does.
func (d *Decoder) FileData(c *Command) ([]byte, error) {
	if c.Type != CmdEncodedWrite {
		return FileData(c)
	}
	if err := c.need(AttrData, AttrUnencodedFileLen, AttrUnencodedLen, AttrUnencodedOffset); err != nil {
		return nil, err
	}
	if c.Encryption != 0 {
		return nil, fmt.Errorf("encrypted extent (encryption %d): not supported", c.Encryption)
	}
	if c.UnencodedOffset > c.UnencodedLen || c.UnencodedFileLen > c.UnencodedLen-c.UnencodedOffset {
		return nil, fmt.Errorf("extent slice %d+%d lies outside its %d bytes", c.UnencodedOffset, c.UnencodedFileLen, c.UnencodedLen)
	}
	out, err := d.d.decode(c.Data, c.Compression, c.UnencodedLen)
	if err != nil {
		return nil, err
	}
	return out[c.UnencodedOffset : c.UnencodedOffset+c.UnencodedFileLen], nil
}
