package restore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"golang.org/x/sync/errgroup"

	"github.com/argo-backup/argo-backup/internal/chunked"
	"github.com/argo-backup/argo-backup/internal/fallback"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
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
// The whole stream is hashed again although every part's plaintext sha256
// was checked: only this catches a record whose stream_sha256 disagrees
// with its own parts (TestWriteStreamChecksTheWholeStream). It costs about
// a fifth of restore's CPU (docs/performance.md); a signed record, which
// binds both, would make it redundant.
func (c *Catalog) writeStream(ctx context.Context, rec *manifest.Record, w io.Writer, ahead int, progress Progress) error {
	if err := c.checkUnique(ctx, rec); err != nil {
		return err
	}
	whole := sha256.New()
	err := c.fetchParts(ctx, rec, rec.Parts, ahead, func(_ manifest.Part, data []byte, err error) error {
		if err != nil {
			return err
		}
		chunked.Write(whole, data)
		if _, err := w.Write(data); err != nil {
			return err
		}
		progress.Add(int64(len(data)))
		return nil
	})
	if err != nil {
		return err
	}
	return checkStreamSum(rec, whole)
}

// checkUnique refuses a backup whose folder holds an object twice under
// one name (Drive allows it): which copy a read gets is arbitrary, so
// neither is used. One listing of one folder per stage.
func (c *Catalog) checkUnique(ctx context.Context, rec *manifest.Record) error {
	dir := remote.SnapshotDir(rec.Host, rec.Subvolume, rec.Snapshot)
	var dups *remote.DuplicatesError
	if _, err := c.Store.List(ctx, dir); errors.As(err, &dups) {
		return err
	}
	return nil // a listing that fails otherwise is found by the reads
}

// checkStreamSum compares the sha256 of the whole plaintext stream with the
// record: the parts may each be intact and still be the wrong parts.
func checkStreamSum(rec *manifest.Record, whole hash.Hash) error {
	if got := hex.EncodeToString(whole.Sum(nil)); got != rec.StreamSHA256 {
		return fmt.Errorf("snapshot %s: the stream's sha256 is %s, the record says %s", rec.Snapshot, got, rec.StreamSHA256)
	}
	return nil
}

// fetchParts downloads and checks parts of rec, up to ahead at a time, and
// hands each to use in order, with its data or the reason it failed, as
// soon as it and every part before it are checked: parts that arrive early
// wait for their turn. Stops at the first error use returns, and when ctx
// ends; returns only once its downloads have stopped. Restore stops at the
// first bad part; verify goes on to name them all.
//
// A part moves through three stages: downloaded into a spool file and its
// stored bytes checked (spoolPart, up to ahead at once, in any order);
// opened and its plaintext checked (openSpooled, in order, up to decoders
// at once); used. Parts downloaded ahead wait on disk, so memory holds
// decoders plaintext parts whatever ahead is; the disk holds at most
// ahead+1 stored parts.
func (c *Catalog) fetchParts(ctx context.Context, rec *manifest.Record, parts []manifest.Part, ahead int,
	use func(manifest.Part, []byte, error) error) error {
	dir, err := newSpoolDir(c.Spool)
	if err != nil {
		return err
	}
	defer dir.remove() // deferred first, so it runs after the Wait
	free := &partFree{offHeap: true}
	defer free.release() // after the Wait too: no one reads a buffer then
	if c.onFree != nil {
		defer c.onFree(free)
	}
	ctx, cancel := context.WithCancel(ctx)
	var work errgroup.Group // a part's failure is its result, not the group's
	defer work.Wait()       // deferred before cancel, so it runs after it
	defer cancel()
	queue := make(chan *pending, max(ahead, 1))
	opened := make(chan *pending, decoders-1)
	slots := make(chan struct{}, decoders) // a slot per plaintext held
	work.Go(func() error { c.download(ctx, &work, rec, parts, max(ahead, 1), dir, queue); return nil })
	work.Go(func() error { c.openInOrder(ctx, &work, rec, dir, free, queue, opened, slots); return nil })
	for p := range opened {
		err := c.usePart(ctx, p, use, free)
		<-slots
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// decoders is how many parts are opened at once, and so how many
// plaintext parts a restore holds: one being written while the next is
// opened (docs/performance.md, "restore spools the parts it downloads
// ahead").
const decoders = 2

// download spools parts, up to ahead at once, and queues them in order.
func (c *Catalog) download(ctx context.Context, work *errgroup.Group, rec *manifest.Record, parts []manifest.Part,
	ahead int, dir *spoolDir, queue chan<- *pending) {
	defer close(queue)
	slots := make(chan struct{}, ahead) // a slot per download in flight
	for _, part := range parts {
		p := &pending{part: part, spooled: make(chan spooled, 1), result: make(chan fetched, 1)}
		select {
		case queue <- p:
		case <-ctx.Done():
			return
		}
		// Slots are taken here, in the order of the parts: taken by the
		// downloads themselves, part 0 could wait behind the parts after
		// it (and for ever if those stall).
		if err := acquire(ctx, slots); err != nil {
			p.spooled <- spooled{nil, err}
			return
		}
		work.Go(func() error {
			f, err := c.spoolPart(ctx, rec, part, dir)
			<-slots
			p.spooled <- spooled{f, err}
			return nil
		})
	}
}

// openInOrder opens the spooled parts in order, up to decoders at once
// (a slot each, given back once the part is used), and passes them on.
func (c *Catalog) openInOrder(ctx context.Context, work *errgroup.Group, rec *manifest.Record, dir *spoolDir, free *partFree,
	queue <-chan *pending, opened chan<- *pending, slots chan struct{}) {
	defer close(opened)
	for p := range queue {
		var s spooled
		select {
		case s = <-p.spooled:
		case <-ctx.Done():
			return
		}
		if err := acquire(ctx, slots); err != nil {
			dir.close(s.f)
			return
		}
		work.Go(func() error {
			if s.err != nil {
				p.result <- fetched{nil, s.err}
				return nil
			}
			buf, err := c.openSpooled(rec, p.part, s.f, free)
			dir.close(s.f)
			p.result <- fetched{buf, err}
			return nil
		})
		select {
		case opened <- p:
		case <-ctx.Done():
			return
		}
	}
}

// pending is a part whose download has started.
type pending struct {
	part    manifest.Part
	spooled chan spooled
	result  chan fetched
}

// spooled is a part downloaded and checked into its spool file, or why
// not.
type spooled struct {
	f   *os.File
	err error
}

// usePart waits for p to be opened and hands it to use.
func (c *Catalog) usePart(ctx context.Context, p *pending, use func(manifest.Part, []byte, error) error, free *partFree) error {
	var f fetched
	select {
	case f = <-p.result:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer free.put(f.buf)
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
