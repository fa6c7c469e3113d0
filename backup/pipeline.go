package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"sort"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/manifest"
)

// stream is what the pipeline learned about one send stream.
type stream struct {
	info   *btrfs.StreamInfo
	parts  []manifest.Part
	bytes  int64
	stored int64
	sha256 string
}

// storeStream runs `btrfs send` and stores its stream as sealed parts named
// by partName. Send, cut, seal and upload overlap: while part i is read from
// the send, up to Workers earlier parts are sealed and uploaded, and memory
// stays bounded by about (2*Workers+1) * PartSize whatever the stream size.
func (p *Pusher) storeStream(ctx context.Context, snapshot string, o btrfs.SendOptions, partName func(int) string) (*stream, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	pr, pw := io.Pipe()
	sent := make(chan error, 1)
	go func() {
		err := btrfs.Send(ctx, snapshot, o, pw)
		pw.CloseWithError(err)
		sent <- err
	}()

	s, err := p.cutAndStore(ctx, pr, partName)
	if err != nil {
		cancel(err)
		pr.CloseWithError(err)
		if sendErr := <-sent; sendErr != nil && !errors.Is(err, sendErr) && ctx.Err() == nil {
			return nil, fmt.Errorf("btrfs send %s: %w", snapshot, sendErr)
		}
		return nil, err
	}
	if err := <-sent; err != nil {
		return nil, fmt.Errorf("btrfs send %s: %w", snapshot, err)
	}
	return s, nil
}

// cutAndStore reads the plaintext stream, validates it as it passes, cuts it
// into parts and hands each to a worker that seals and uploads it.
func (p *Pusher) cutAndStore(ctx context.Context, r io.Reader, partName func(int) string) (*stream, error) {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.workers())
	validator := btrfs.NewValidator()
	whole := sha256.New()
	var (
		mu    sync.Mutex
		parts []manifest.Part
		total int64
	)
	pool := sync.Pool{New: func() any { return make([]byte, p.PartSize) }}
	for i := 0; ; i++ {
		buf := pool.Get().([]byte)
		n, readErr := io.ReadFull(r, buf)
		if n > 0 {
			chunk := buf[:n]
			if _, err := validator.Write(chunk); err != nil {
				return nil, p.abort(g, fmt.Errorf("the send stream is damaged, nothing was committed: %w", err))
			}
			whole.Write(chunk)
			total += int64(n)
			p.progress().Add(int64(n))
			index := i
			g.Go(func() error {
				defer pool.Put(buf)
				part, err := p.storePart(gctx, partName(index), index, chunk)
				if err != nil {
					return err
				}
				mu.Lock()
				parts = append(parts, part)
				mu.Unlock()
				return nil
			})
		}
		if readErr == io.EOF || readErr == io.ErrUnexpectedEOF {
			break
		}
		if readErr != nil {
			return nil, p.abort(g, readErr)
		}
		if gctx.Err() != nil {
			break
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	info, err := validator.Finish()
	if err != nil {
		return nil, fmt.Errorf("the send stream is incomplete, nothing was committed: %w", err)
	}
	return finishStream(info, parts, total, whole), nil
}

func finishStream(info *btrfs.StreamInfo, parts []manifest.Part, total int64, whole hash.Hash) *stream {
	sort.Slice(parts, func(i, j int) bool { return parts[i].Index < parts[j].Index })
	s := &stream{info: info, parts: parts, bytes: total, sha256: hex.EncodeToString(whole.Sum(nil))}
	for _, p := range parts {
		s.stored += p.StoredBytes
	}
	return s
}

// abort waits for running workers and returns err (or theirs, if first).
func (p *Pusher) abort(g *errgroup.Group, err error) error {
	if werr := g.Wait(); werr != nil && !errors.Is(werr, context.Canceled) {
		return werr
	}
	return err
}

// storePart seals one part and uploads it. The remote checks size and hash
// after the upload and retries from our buffer (remote.Store.Put).
func (p *Pusher) storePart(ctx context.Context, name string, index int, plain []byte) (manifest.Part, error) {
	var sealed bytes.Buffer
	sealed.Grow(len(plain)/2 + 4096)
	if err := p.Sealer.Seal(&sealed, plain); err != nil {
		return manifest.Part{}, fmt.Errorf("seal part %d: %w", index, err)
	}
	if err := p.Store.Put(ctx, name, sealed.Bytes()); err != nil {
		return manifest.Part{}, fmt.Errorf("upload %s: %w", name, err)
	}
	plainSum := sha256.Sum256(plain)
	storedSum := sha256.Sum256(sealed.Bytes())
	return manifest.Part{
		Index:        index,
		PlainBytes:   int64(len(plain)),
		PlainSHA256:  hex.EncodeToString(plainSum[:]),
		StoredBytes:  int64(sealed.Len()),
		StoredSHA256: hex.EncodeToString(storedSum[:]),
	}, nil
}
