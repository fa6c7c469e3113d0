package crypto

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"filippo.io/age"
	"github.com/klauspost/compress/zstd"
)

// maxWindow is the largest zstd window a part may ask the decoder for.
// Sealer uses 2 to 8 MiB (8 MiB at every level before 2026-11-29); the
// margin admits parts made with other settings while
// refusing a damaged header that would claim gigabytes.
const maxWindow = 64 << 20

// An Opener decrypts and decompresses sealed parts as streams. It is safe
// for concurrent use; decoders are pooled and each open part owns one until
// it is closed. A sync.Pool, not the Sealer's free list: restore makes an
// Opener per part, so a list would reuse nothing and only keep each part's
// decoder alive for its idle time.
type Opener struct {
	identities []age.Identity
	decoders   sync.Pool // of *zstd.Decoder
}

// NewOpener returns an Opener that decrypts with any of ids.
func NewOpener(ids []age.Identity) *Opener {
	return &Opener{identities: ids}
}

// Open reads the age header from sealed and returns a reader of the
// plaintext. A wrong identity fails here (errors.Is ErrWrongIdentity).
// Damage past the header, including truncation, fails a later Read: age
// authenticates each 64 KiB chunk before releasing it, so no unauthenticated
// byte is ever returned.
//
// Close returns the decoder to the pool; it does not close sealed.
func (o *Opener) Open(sealed io.Reader) (io.ReadCloser, error) {
	plain, err := age.Decrypt(sealed, o.identities...)
	if err != nil {
		return nil, decryptError(err)
	}
	dec, err := o.decoder()
	if err != nil {
		return nil, err
	}
	src := &errReader{r: plain}
	if err := dec.Reset(src); err != nil {
		dec.Close()
		return nil, fmt.Errorf("starting zstd decoder: %w", err)
	}
	return &openPart{dec: dec, src: src, o: o}, nil
}

// decoder borrows a decoder from the pool, creating one if it is empty.
func (o *Opener) decoder() (*zstd.Decoder, error) {
	if dec, ok := o.decoders.Get().(*zstd.Decoder); ok {
		return dec, nil
	}
	dec, err := zstd.NewReader(nil,
		// Synchronous decoding: parts are opened in parallel already,
		// and a sync decoder holds one window, not several blocks ahead.
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(maxWindow),
	)
	if err != nil {
		return nil, fmt.Errorf("creating zstd decoder: %w", err)
	}
	return dec, nil
}

// openPart is the reader returned by Open.
type openPart struct {
	dec    *zstd.Decoder
	src    *errReader
	o      *Opener
	failed bool
}

// Read returns plaintext. When decryption failed underneath, the age error
// is reported rather than the zstd decoder's view of it (typically an
// unexpected EOF), since it names the real problem.
func (p *openPart) Read(b []byte) (int, error) {
	if p.dec == nil {
		return 0, errors.New("read from a closed part")
	}
	n, err := p.dec.Read(b)
	if err == nil || err == io.EOF {
		return n, err
	}
	p.failed = true
	if p.src.err != nil && p.src.err != io.EOF {
		return n, fmt.Errorf("decrypting: %w", p.src.err)
	}
	return n, fmt.Errorf("decompressing: %w", err)
}

// Close releases the decoder. A decoder that saw an error is discarded
// rather than pooled, so no state from a bad part can leak into the next.
func (p *openPart) Close() error {
	if p.dec == nil {
		return nil
	}
	if p.failed {
		p.dec.Close()
	} else if err := p.dec.Reset(nil); err == nil {
		p.o.decoders.Put(p.dec)
	}
	p.dec = nil
	return nil
}

// errReader remembers the first error of the reader it wraps.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(b []byte) (int, error) {
	n, err := e.r.Read(b)
	if err != nil && e.err == nil {
		e.err = err
	}
	return n, err
}
