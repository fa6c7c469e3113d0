package sendstream

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Reader reads a send stream command by command. Every command is checked
// by a Validator (framing, crc32c, path rules) before it is returned, so a
// consumer never acts on a command that is damaged or breaks the rules.
type Reader struct {
	r    *bufio.Reader
	v    *Validator
	buf  []byte
	cur  Command // what Next returns, reused: no allocation per command
	done bool
}

// NewReader returns a Reader of the stream r, which must start at its header.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 256<<10), v: NewValidator()}
}

// Info returns what the stream said about itself so far (complete once the
// first command was read; Bytes is set at the end).
func (r *Reader) Info() StreamInfo { return r.v.Info() }

// Next returns the next command, END included, then io.EOF once the stream
// ended properly. Any other error is final. The command is valid until the
// next call.
func (r *Reader) Next() (*Command, error) {
	if r.done {
		return nil, io.EOF
	}
	if r.v.off == 0 {
		if err := r.header(); err != nil {
			return nil, err
		}
	}
	var hdr [cmdHeaderLen]byte
	if _, err := io.ReadFull(r.r, hdr[:]); err != nil {
		return nil, r.short(err)
	}
	n := int(binary.LittleEndian.Uint32(hdr[:]))
	if n > maxCommandLen {
		_, err := r.v.Write(hdr[:]) // reports the length, with its position
		return nil, err
	}
	if cap(r.buf) < cmdHeaderLen+n {
		r.buf = make([]byte, 0, cmdHeaderLen+n)
	}
	r.buf = append(r.buf[:0], hdr[:]...)
	r.buf = r.buf[:cmdHeaderLen+n]
	if _, err := io.ReadFull(r.r, r.buf[cmdHeaderLen:]); err != nil {
		return nil, r.short(err)
	}
	if _, err := r.v.Write(r.buf); err != nil {
		return nil, err
	}
	r.cur = r.v.last
	if r.cur.Type == CmdEnd {
		if err := r.end(); err != nil {
			return nil, err
		}
	}
	return &r.cur, nil
}

func (r *Reader) header() error {
	var h [streamHeaderLen]byte
	n, err := io.ReadFull(r.r, h[:])
	if _, verr := r.v.Write(h[:n]); verr != nil {
		return verr
	}
	if err != nil {
		return r.short(err)
	}
	return nil
}

// end checks that nothing follows END.
func (r *Reader) end() error {
	r.done = true
	if _, err := r.r.Peek(1); err == nil {
		_, err := r.v.Write([]byte{0})
		return err
	} else if !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading send stream: %w", err)
	}
	_, err := r.v.Finish()
	return err
}

// short turns a read error into the validator's account of where the
// stream was cut, or the read error itself.
func (r *Reader) short(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		_, ferr := r.v.Finish()
		if ferr != nil {
			return ferr
		}
	}
	return fmt.Errorf("reading send stream: %w", err)
}

// Finish returns the stream's description after Next returned io.EOF.
func (r *Reader) Finish() (*StreamInfo, error) { return r.v.Finish() }
