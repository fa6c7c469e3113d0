package sendstream

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	lzo "github.com/anchore/go-lzo"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// maxUnencodedLen caps the decompressed size of one ENCODED_WRITE. btrfs
// compresses at most 128 KiB per extent; 16 times that leaves room for
// future kernels while a hostile stream cannot make us allocate gigabytes.
const maxUnencodedLen = 2 << 20

// decoder turns the extents of ENCODED_WRITE back into file bytes, the way
// btrfs-progs' receive does when the kernel cannot take them as they are.
type decoder struct {
	zstd *zstd.Decoder
	zlib io.ReadCloser // reset per extent: a new one allocates ~40 KiB
	out  []byte
}

// decode returns the unencoded_len bytes that data (compressed with
// compression) holds; bytes the compressed data does not cover are zero.
func (d *decoder) decode(data []byte, compression uint32, unencodedLen uint64) ([]byte, error) {
	if unencodedLen > maxUnencodedLen {
		return nil, fmt.Errorf("unencoded length %d is more than the %d any btrfs writes", unencodedLen, maxUnencodedLen)
	}
	if cap(d.out) < int(unencodedLen) {
		d.out = make([]byte, unencodedLen)
	}
	out := d.out[:unencodedLen]
	clear(out)
	var err error
	switch {
	case compression == CompressNone:
		copy(out, data)
	case compression == CompressZlib:
		err = d.zlibDecode(data, out)
	case compression == CompressZstd:
		err = d.zstdDecode(data, out)
	case compression >= CompressLzo4K && compression <= CompressLzo64:
		err = decodeLzo(data, out, 4096<<(compression-CompressLzo4K))
	default:
		return nil, fmt.Errorf("unknown compression %d (known: 0 none, 1 zlib, 2 zstd, 3-7 lzo)", compression)
	}
	return out, err
}

func (d *decoder) zlibDecode(data, out []byte) error {
	var err error
	if d.zlib == nil {
		d.zlib, err = zlib.NewReader(bytes.NewReader(data))
	} else {
		err = d.zlib.(zlib.Resetter).Reset(bytes.NewReader(data), nil)
	}
	if err != nil {
		return fmt.Errorf("zlib: %w", err)
	}
	_, err = io.ReadFull(d.zlib, out)
	return shortIsZeros("zlib", err)
}

func (d *decoder) zstdDecode(data, out []byte) error {
	if d.zstd == nil {
		z, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(64<<20))
		if err != nil {
			return fmt.Errorf("zstd: %w", err)
		}
		d.zstd = z
	}
	if err := d.zstd.Reset(bytes.NewReader(data)); err != nil {
		return fmt.Errorf("zstd: %w", err)
	}
	n, err := io.ReadFull(d.zstd, out)
	if err != nil && n > 0 {
		// btrfs pads the frame to a sector: zeros the decoder reads as the
		// next frame's bad magic. btrfs-progs stops after the first frame.
		return nil
	}
	return shortIsZeros("zstd", err)
}

// shortIsZeros judges the error of filling a buffer: compressed data that
// ends early leaves zeros, as btrfs-progs' calloc'ed buffer does.
func shortIsZeros(what string, err error) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// decodeLzo reads btrfs's lzo framing: a le32 total length, then segments
// of a le32 length and lzo1x data, each decompressing to at most one
// sector; a segment header never straddles a sector boundary (it skips to
// the next sector instead). See btrfs-progs cmds/receive.c decompress_lzo.
func decodeLzo(data, out []byte, sector int) error {
	if len(data) < 4 {
		return fmt.Errorf("lzo: header cut short")
	}
	total := int(binary.LittleEndian.Uint32(data))
	if total > len(data) {
		return fmt.Errorf("lzo: total length %d is more than the %d bytes given", total, len(data))
	}
	in, pos := 4, 0
	for in < total && pos < len(out) {
		if rem := (sector - in%sector) % sector; rem < 4 {
			if total-in <= rem {
				break
			}
			in += rem
		}
		if total-in < 4 {
			return fmt.Errorf("lzo: segment header cut short at byte %d", in)
		}
		n := int(binary.LittleEndian.Uint32(data[in:]))
		in += 4
		if n > total-in {
			return fmt.Errorf("lzo: segment at byte %d claims %d bytes, %d left", in-4, n, total-in)
		}
		m, err := lzo.Decompress(data[in:in+n], out[pos:min(pos+sector, len(out))])
		if err != nil {
			return fmt.Errorf("lzo: segment at byte %d: %w", in-4, err)
		}
		in += n
		pos += m
	}
	return nil
}
