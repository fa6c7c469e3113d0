package crypto

import (
	"fmt"
	"io"

	"filippo.io/age"
)

// SealFrom is Seal for a plaintext read from r, of exactly size bytes (the
// zstd frame records it, as Seal's does): for an object too large to hold
// in memory, such as the file index of a tree of a million files.
func (s *Sealer) SealFrom(dst io.Writer, r io.Reader, size int64) error {
	w, err := age.Encrypt(dst, s.recipients...)
	if err != nil {
		return fmt.Errorf("starting encryption: %w", err)
	}
	enc, err := s.encoder()
	if err != nil {
		return err
	}
	defer s.release(enc)
	enc.ResetContentSize(w, size)
	n, err := io.Copy(enc, io.LimitReader(r, size))
	if err != nil {
		return fmt.Errorf("compressing: %w", err)
	}
	if n != size {
		return fmt.Errorf("compressing: read %d bytes of %d", n, size)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("compressing: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("finishing encryption: %w", err)
	}
	return nil
}
