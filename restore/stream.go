package restore

import (
	"bytes"
	"context"
	"io"

	"golang.org/x/sync/errgroup"

	"github.com/argo-backup/argo-backup/internal/fallback"
	"github.com/argo-backup/argo-backup/manifest"
)

// Progress receives the bytes written to btrfs receive.
type Progress = fallback.ProgressReporter

type fetched struct {
	buf *bytes.Buffer
	err error
}

// writeStream writes the plaintext send stream of rec to w, in order, while
// up to ahead later parts are downloaded and checked in the background.
//
// The whole stream is not hashed again here: fetchPart checks every part's
// plaintext sha256 before a byte of it is written, and a valid record
// lists its parts in order with indices 0..n-1 summing to the stream's
// size (manifest.Record.Validate), so the parts written are exactly the
// stream whose sha256 the record holds. Hashing it again cost about a
// third of restore's hashing (docs/performance.md) and would only have
// spoken after btrfs receive had taken every byte. verify --quick still
// checks stream_sha256, to report a record inconsistent with itself.
func (c *Catalog) writeStream(ctx context.Context, rec *manifest.Record, w io.Writer, ahead int, progress Progress) error {
	return c.fetchParts(ctx, rec, rec.Parts, ahead, func(_ manifest.Part, data []byte, err error) error {
		if err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
		progress.Add(int64(len(data)))
		return nil
	})
}

// fetchParts downloads and checks parts of rec (see fetchPart), up to ahead
// at a time, and hands each to use in order, with its data or the reason it
// failed, as soon as it and every part before it are checked: parts that
// arrive early wait for their turn. While use writes part i, parts i+1 to
// i+ahead download, so at most ahead+1 parts are held in memory. It stops
// at the first error use returns, and when ctx ends; it returns only once
// its downloads have stopped. Restore stops at the first bad part; verify
// goes on to name them all.
func (c *Catalog) fetchParts(ctx context.Context, rec *manifest.Record, parts []manifest.Part, ahead int,
	use func(manifest.Part, []byte, error) error) error {
	if c.free == nil {
		c.free = &partFree{}
	}
	ctx, cancel := context.WithCancel(ctx)
	var downloads errgroup.Group // a part's failure is its result, not the group's
	defer downloads.Wait()       // deferred first, so it runs after cancel
	defer cancel()
	ahead = max(ahead, 1)
	queue := make(chan pending, ahead)
	slots := make(chan struct{}, ahead) // a slot per download in flight
	downloads.Go(func() error {
		defer close(queue)
		for _, part := range parts {
			p := pending{part, make(chan fetched, 1)}
			select {
			case queue <- p:
			case <-ctx.Done():
				return nil
			}
			downloads.Go(func() error {
				if err := acquire(ctx, slots); err != nil {
					p.result <- fetched{nil, err}
					return nil
				}
				buf, err := c.fetchPart(ctx, rec, part)
				<-slots
				p.result <- fetched{buf, err}
				return nil
			})
		}
		return nil
	})
	for p := range queue {
		if err := c.usePart(ctx, p, use); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// pending is a part whose download has started.
type pending struct {
	part   manifest.Part
	result chan fetched
}

// usePart waits for p's download and hands it to use.
func (c *Catalog) usePart(ctx context.Context, p pending, use func(manifest.Part, []byte, error) error) error {
	var f fetched
	select {
	case f = <-p.result:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer c.free.put(f.buf)
	if err := ctx.Err(); err != nil {
		return err
	}
	var data []byte
	if f.buf != nil {
		data = f.buf.Bytes()
	}
	return use(p.part, data, f.err)
}

// acquire takes a slot, or gives up when ctx ends.
func acquire(ctx context.Context, slots chan struct{}) error {
	select {
	case slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
