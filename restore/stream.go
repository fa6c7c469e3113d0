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
			// Slots are taken here, in the order of the parts: taken by the
			// downloads themselves, part 0 could wait behind the parts after
			// it (and for ever if those stall).
			if err := acquire(ctx, slots); err != nil {
				p.result <- fetched{nil, err}
				return nil
			}
			downloads.Go(func() error {
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
