package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"github.com/klauspost/compress/zstd"
)

// zstdWindow is the compression window. It is also what a restore must hold
// in memory per part being decoded, so it is kept at zstd's default for
// level 3 rather than grown with the level.
const zstdWindow = 8 << 20

// A Sealer compresses a part with zstd and encrypts the result with age to
// all its recipients. It is safe for concurrent use: each Seal call borrows
// its own encoder from a free list, so parallel sealing neither races nor
// pays for a new encoder (16 MiB of history and tables) per part.
type Sealer struct {
	recipients []age.Recipient
	opts       []zstd.EOption
	encoders   freeList[*zstd.Encoder]
}

// NewSealer returns a Sealer compressing at zstd level (1..22, as for the
// zstd command) and encrypting to rs.
func NewSealer(rs []age.Recipient, level int) (*Sealer, error) {
	if len(rs) == 0 {
		return nil, errors.New("no recipients to encrypt to")
	}
	if level < 1 || level > 22 {
		return nil, fmt.Errorf("compression level %d is out of range: use 1 (fast) to 22 (small)", level)
	}
	// age refuses some mixes (post-quantum with classic keys) only when
	// encrypting: find out now, while the config is being read.
	if _, err := age.Encrypt(io.Discard, rs...); err != nil {
		return nil, fmt.Errorf("recipients: %w", err)
	}
	s := &Sealer{
		recipients: rs,
		opts: []zstd.EOption{
			zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(level)),
			// Parts are sealed in parallel already; a goroutine per
			// encoder would only add contention and memory.
			zstd.WithEncoderConcurrency(1),
			zstd.WithWindowSize(zstdWindow),
		},
	}
	// Fail now on options the library rejects, not on the first part.
	enc, err := s.encoder()
	if err != nil {
		return nil, err
	}
	s.release(enc)
	return s, nil
}

// Seal writes plain, compressed and encrypted, to dst. The zstd frame
// records the plaintext size, so a part that decodes to a different length
// is an error rather than a silent truncation.
func (s *Sealer) Seal(dst io.Writer, plain []byte) error {
	w, err := age.Encrypt(dst, s.recipients...)
	if err != nil {
		return fmt.Errorf("starting encryption: %w", err)
	}
	enc, err := s.encoder()
	if err != nil {
		return err
	}
	defer s.release(enc)
	enc.ResetContentSize(w, int64(len(plain)))
	if _, err := enc.Write(plain); err != nil {
		return fmt.Errorf("compressing: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("compressing: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("finishing encryption: %w", err)
	}
	return nil
}

// SealBytes seals plain into memory, for callers that need the stored size
// and hash before uploading (as remote.Store.Put does).
func (s *Sealer) SealBytes(plain []byte) ([]byte, error) {
	var buf bytes.Buffer
	// zstd rarely grows input by more than a little; age adds a header
	// and 16 bytes per 64 KiB chunk.
	buf.Grow(len(plain)/2 + 1024)
	if err := s.Seal(&buf, plain); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encoder borrows an encoder from the free list, creating one if it is
// empty.
func (s *Sealer) encoder() (*zstd.Encoder, error) {
	if enc, ok := s.encoders.get(); ok {
		return enc, nil
	}
	enc, err := zstd.NewWriter(nil, s.opts...)
	if err != nil {
		return nil, fmt.Errorf("creating zstd encoder: %w", err)
	}
	return enc, nil
}

// release returns enc to the free list, dropping its reference to the
// caller's writer first.
func (s *Sealer) release(enc *zstd.Encoder) {
	enc.Reset(nil)
	s.encoders.put(enc)
}
