package sendstream

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// StreamInfo is what a send stream says about itself. The chain identity of
// a backup comes from here, not from the local subvolume: a snapshot of a
// received subvolume sends its received UUID (see FACTS.md).
type StreamInfo struct {
	Version        uint32 // send protocol version
	Name           string // subvolume name the receiver creates
	UUID           string
	ParentUUID     string // "" for a full stream
	CTransID       uint64
	ParentCTransID uint64
	Commands       int64 // including the first and END
	Bytes          int64
}

// Send stream layout, from linux/btrfs/send.h and btrfs-progs send.h.
const (
	streamMagic     = "btrfs-stream\x00"
	streamHeaderLen = len(streamMagic) + 4 // magic, le32 version
	cmdHeaderLen    = 10                   // le32 payload length, le16 command, le32 crc32c
	maxVersion      = 3

	// maxCommandLen caps the payload length we believe before buffering a
	// command. The kernel builds each command in one buffer of at most
	// 64 KiB (v1) or 16 KiB + 128 KiB of compressed data rounded up to a
	// page (v2, 144-192 KiB), and btrfs receive reads into a buffer of the
	// same size. 2 MiB is ten times the largest real command, leaving room
	// for bigger pages, while a corrupt length cannot make us allocate more.
	maxCommandLen = 2 << 20
)

// castagnoli is the crc32c table; btrfs uses crc32c without the usual
// initial and final inversion, see crc32cRaw.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Validator checks a send stream as it passes: header, every command's
// length and crc32c, attribute framing, exactly one subvolume, and END last.
// Bytes may arrive in chunks of any size; it holds at most one command.
// Use it as an io.Writer (e.g. through io.MultiWriter), then call Finish.
type Validator struct {
	off    int64  // stream bytes checked: where the next command starts
	header []byte // the stream header, until complete
	cmd    []byte // a command that arrived in pieces, until complete
	info   StreamInfo
	ended  bool
	err    error     // sticky: the first error
	last   Command   // the command checked last, decoded
	paths  pathRules // what the stream made each path as
	onCmd  func(*Command)
}

// NewValidator returns a Validator expecting a stream from its first byte.
func NewValidator() *Validator {
	return &Validator{header: make([]byte, 0, streamHeaderLen)}
}

// Info returns what is known of the stream so far: after the first command,
// its name and identity; Commands counts the commands checked.
func (v *Validator) Info() StreamInfo { return v.info }

// Write consumes stream bytes. It returns an error on a bad header, a crc32c
// mismatch, malformed attributes, a second subvolume or data after END; the
// error says where, and every later Write returns it again.
func (v *Validator) Write(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n := len(p)
	for len(p) > 0 && v.err == nil {
		p, v.err = v.consume(p)
	}
	if v.err != nil {
		return n - len(p), v.err
	}
	return n, nil
}

// Finish returns the stream's description once it ended properly, and an
// error if it was damaged, truncated or had no END command.
func (v *Validator) Finish() (*StreamInfo, error) {
	switch {
	case v.err != nil:
		return nil, v.err
	case v.off == 0:
		return nil, fmt.Errorf("send stream: empty")
	case len(v.header) < streamHeaderLen:
		return nil, fmt.Errorf("send stream: truncated in the header at byte %d", v.off)
	case len(v.cmd) > 0:
		return nil, fmt.Errorf("send stream: truncated in command %d at byte %d (stream ends at byte %d)",
			v.info.Commands+1, v.off, v.off+int64(len(v.cmd)))
	case !v.ended:
		return nil, fmt.Errorf("send stream: truncated: no END command after %d commands (%d bytes)", v.info.Commands, v.off)
	}
	info := v.info
	info.Bytes = v.off
	return &info, nil
}

// consume takes what it can from p and returns the rest.
func (v *Validator) consume(p []byte) ([]byte, error) {
	if len(v.header) < streamHeaderLen {
		return v.consumeHeader(p)
	}
	if v.ended {
		return p, fmt.Errorf("send stream: data after the END command at byte %d", v.off)
	}
	// Fast path: a whole command in p is checked where it lies.
	if len(v.cmd) == 0 {
		if n, ok := wholeCommand(p); ok {
			if n > cmdHeaderLen+maxCommandLen {
				return p, v.tooLong(p)
			}
			return p[n:], v.command(p[:n])
		}
	}
	return v.consumePiece(p)
}

func (v *Validator) consumeHeader(p []byte) ([]byte, error) {
	n := min(streamHeaderLen-len(v.header), len(p))
	v.header = append(v.header, p[:n]...)
	v.off += int64(n)
	if len(v.header) < streamHeaderLen {
		return p[n:], nil
	}
	if !bytes.Equal(v.header[:len(streamMagic)], []byte(streamMagic)) {
		return p[n:], fmt.Errorf("send stream: bad magic %q at byte 0: not a btrfs send stream", v.header[:len(streamMagic)])
	}
	v.info.Version = binary.LittleEndian.Uint32(v.header[len(streamMagic):])
	if v.info.Version < 1 || v.info.Version > maxVersion {
		return p[n:], fmt.Errorf("send stream: unsupported version %d at byte %d", v.info.Version, len(streamMagic))
	}
	return p[n:], nil
}

// consumePiece buffers part of a command that spans Writes, and checks it
// once complete.
func (v *Validator) consumePiece(p []byte) ([]byte, error) {
	need, _ := wholeCommand(v.cmd)
	take := min(need-len(v.cmd), len(p))
	v.cmd = append(v.cmd, p[:take]...)
	p = p[take:]
	n, ok := wholeCommand(v.cmd)
	switch {
	case len(v.cmd) < cmdHeaderLen:
		return p, nil
	case n > cmdHeaderLen+maxCommandLen:
		return p, v.tooLong(v.cmd)
	case !ok:
		return p, nil
	}
	err := v.command(v.cmd)
	v.cmd = v.cmd[:0]
	return p, err
}

// wholeCommand returns the total length of the command starting at p, and
// whether p holds all of it.
func wholeCommand(p []byte) (n int, ok bool) {
	if len(p) < cmdHeaderLen {
		return cmdHeaderLen, false
	}
	n = cmdHeaderLen + int(binary.LittleEndian.Uint32(p))
	return n, len(p) >= n
}

func (v *Validator) tooLong(p []byte) error {
	return fmt.Errorf("send stream: command %d at byte %d claims %d bytes, more than the %d any btrfs sends",
		v.info.Commands+1, v.off, binary.LittleEndian.Uint32(p), maxCommandLen)
}
