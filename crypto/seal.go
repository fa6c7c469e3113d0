package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"github.com/klauspost/compress/zstd"
)

// zstdWindow is the compression window for level: the one the zstd
// command uses at that level for a stream of unknown size (its windowLog:
// 19 at level 1, 20 at 2, 21 up to 8, 22 up to 16, 23 above), capped at
// 8 MiB, which is what a restore must hold in memory per part being
// decoded. klauspost's encoder keeps twice the window as history: with
// 8 MiB at every level (before 2026-11-29), 16 MiB per sealing worker
// at level 3, against 4 MiB now. Memory is the gain; speed is the same
// within noise, and stored bytes grew by 0.3% (a v2 send stream of
// 379 MiB: 312.4 MB with 8 MiB, 313.2 MB with 2 MiB, `zstd -3` 312.2 MB;
// docs/performance.md).
func zstdWindow(level int) int {
	switch {
	case level <= 1:
		return 512 << 10
	case level == 2:
		return 1 << 20
	case level <= 8:
		return 2 << 20
	case level <= 16:
		return 4 << 20
	}
	return 8 << 20
}

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
			zstd.WithWindowSize(zstdWindow(level)),
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
