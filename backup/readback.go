package backup

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
	"github.com/zeebo/xxh3"
	"golang.org/x/sync/errgroup"
)

// readBackAttempts bounds the uploads of one part whose read-back differs.
const readBackAttempts = 3

// errReadBack marks a part that the remote does not hold as uploaded.
var errReadBack = errors.New("the part did not read back as uploaded")

// backCheck is what a read-back compares the remote's object with, taken
// from the sealed bytes before they are given back: the size, the sha256
// (for a listing that has one) and a digest of each range downloadBack
// reads where the listing has none.
type backCheck struct {
	size   int64
	sha256 string
	md5    func() string // the sealed bytes' md5, while they are held; nil after
	ranges []backRange
}

// backRange is one range of a part and its xxh3: fast (the read-back runs
// on every part of a WebDAV push), and proof enough against a layer that
// lost or changed bytes, which is what a read-back looks for; the record's
// sha256 of the whole part still proves what a restore receives.
type backRange struct {
	off, n int64
	sum    uint64
}

// readBackRange is the least one ranged read of a read-back asks for: a
// part of up to this size is read back in one request.
const readBackRange = 4 << 20

// newBackCheck takes what a read-back of sealed compares, cut into up to
// transfers ranges to be read at once: on a line where each connection
// gets a fraction of the bandwidth (Drive, a WebDAV server behind a home
// uplink) one stream would take as long again as the upload took.
func (p *Pusher) newBackCheck(sealed []byte, storedSHA256 string) backCheck {
	c := backCheck{size: int64(len(sealed)), sha256: storedSHA256, md5: func() string {
		sum := md5.Sum(sealed)
		return hex.EncodeToString(sum[:])
	}}
	pieces := max(1, min(p.transfers(), (len(sealed)+readBackRange-1)/readBackRange))
	step := (len(sealed) + pieces - 1) / pieces
	for off := 0; off < len(sealed); off += step {
		end := min(off+step, len(sealed))
		c.ranges = append(c.ranges, backRange{off: int64(off), n: int64(end - off), sum: xxh3.Hash(sealed[off:end])})
	}
	return c
}

// readBack checks what the remote now holds under name against what was
// sealed: the size, and the sha256 or md5 where the listing gives one;
// where it gives neither, the object is downloaded and each range's digest
// compared. The upload's own check (remote.Store.Put) compares the remote
// with what reached it; this compares it with what the push meant to
// store, so that a layer that lost bytes on the way is caught before the
// record commits. It returns the object's md5 where known, for later
// listings (S3).
func (p *Pusher) readBack(ctx context.Context, name string, want backCheck) (string, error) {
	e, err := p.Store.Stat(ctx, name)
	if err != nil {
		return "", fmt.Errorf("read back %s: %w", name, err)
	}
	mismatch := func(what, got, want string) error {
		return fmt.Errorf("%w: %s has %s %s, want %s", errReadBack, name, what, got, want)
	}
	if e.Size != want.size {
		return "", mismatch("size", fmt.Sprint(e.Size), fmt.Sprint(want.size))
	}
	switch {
	case e.SHA256 != "":
		if e.SHA256 != want.sha256 {
			return "", mismatch("sha256", e.SHA256, want.sha256)
		}
		return e.MD5, nil
	case e.MD5 != "" && want.md5 != nil:
		if sum := want.md5(); e.MD5 != sum {
			return "", mismatch("md5", e.MD5, sum)
		}
		return e.MD5, nil
	}
	if err := p.downloadBack(ctx, name, want.ranges, mismatch); err != nil {
		return "", err
	}
	return e.MD5, nil
}

// downloadBack reads the object back in its ranges, all at once, each
// hashed as it arrives and compared with the digest of the sealed range.
func (p *Pusher) downloadBack(ctx context.Context, name string, ranges []backRange, mismatch func(what, got, want string) error) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, r := range ranges {
		g.Go(func() error { return p.compareRange(gctx, name, r, mismatch) })
	}
	return g.Wait()
}

// compareRange reads range r of name and compares its digest.
func (p *Pusher) compareRange(ctx context.Context, name string, r backRange, mismatch func(what, got, want string) error) error {
	rc, err := p.Store.OpenRange(ctx, name, r.off, r.n)
	if err != nil {
		return fmt.Errorf("read back %s: %w", name, err)
	}
	defer rc.Close()
	h := xxh3.New()
	n, err := io.Copy(h, io.LimitReader(rc, r.n))
	if err != nil {
		return fmt.Errorf("read back %s: %w", name, err)
	}
	if n < r.n {
		return mismatch("size", fmt.Sprintf("short of byte %d", r.off+n), fmt.Sprint(r.off+r.n))
	}
	if h.Sum64() != r.sum {
		return mismatch("bytes", fmt.Sprintf("that differ within bytes %d-%d", r.off, r.off+r.n), "the sealed part's")
	}
	return nil
}

// putChecked uploads a sealed part and reads it back, uploading it again
// (up to readBackAttempts times in all) while the remote holds something
// else. It returns the object's md5 where known.
//
// Where the upload itself compared a hash that the remote computed over
// what it holds with the sealed bytes (remote.Checked: the local backend
// reads the file back, Drive and B2 list their own sums, S3 its md5), the
// read-back would prove the same again, and is skipped: on a local remote
// it read and hashed every part a second time. Only a remote that checked
// the size alone (WebDAV, an S3 multipart upload) is read back.
//
// A part of a push with more than one transfer (job not nil) gives back
// its upload slot and sealed buffer before the read-back (job.handOff):
// on WebDAV the read-back held the slot for a third of the upload's time
// again, and the buffer kept the next part from being sealed. Such a part
// cannot be uploaded again from memory: a part that does not read back
// fails the push, which is not committed, and the next push uploads it
// again (it was not journaled). With one transfer, or for the index (job
// nil), the bytes stay until the read-back is done.
func (p *Pusher) putChecked(ctx context.Context, name string, sealed []byte, storedSHA256 string, job *partJob) (string, error) {
	var err error
	for attempt := 1; attempt <= readBackAttempts; attempt++ {
		var checked remote.Checked
		if checked, err = p.Store.PutSHA256(ctx, name, sealed, storedSHA256); err != nil {
			return "", fmt.Errorf("upload %s: %w", name, err)
		}
		if checked.Hash != "" {
			return checked.MD5, nil
		}
		want := p.newBackCheck(sealed, storedSHA256)
		if job != nil && p.transfers() > 1 {
			return p.readBackHandedOff(ctx, name, want, job)
		}
		var md5sum string
		md5sum, err = p.readBack(ctx, name, want)
		if err == nil {
			return md5sum, nil
		}
		if !errors.Is(err, errReadBack) {
			return "", err
		}
		p.log().Warn("a part did not read back as uploaded: uploading it again", "object", name, "attempt", attempt, "err", err)
	}
	return "", fmt.Errorf("upload %s: %w (after %d uploads)", name, err, readBackAttempts)
}

// readBackHandedOff reads a part back after giving back its upload slot
// and sealed buffer (putChecked).
func (p *Pusher) readBackHandedOff(ctx context.Context, name string, want backCheck, job *partJob) (string, error) {
	want.md5 = nil // it would hash the buffer given back
	if err := job.handOff(ctx); err != nil {
		return "", err
	}
	defer job.checked()
	md5sum, err := p.readBack(ctx, name, want)
	if errors.Is(err, errReadBack) {
		return "", fmt.Errorf("upload %s: %w; nothing is committed, the next push uploads it again", name, err)
	}
	return md5sum, err
}

// markReadBack notes, once rec is committed, that the parts this push read
// back were intact then, so that a budgeted verify reads older parts first.
// The log is a cache: failing to write it is worth a warning, no more.
func (p *Pusher) markReadBack(j *pushJournal, rec *manifest.Record) {
	j.mu.Lock()
	readBack := j.readBack
	j.mu.Unlock()
	if len(readBack) == 0 {
		return
	}
	log := p.State.CheckLog(p.Host, rec.Subvolume)
	now := p.now()
	for _, part := range rec.Parts {
		if md5sum, ok := readBack[part.Index]; ok {
			log.Mark(remote.PartName(p.Host, rec.Subvolume, rec.Snapshot, part.Index), part, md5sum, now)
		}
	}
	if err := p.State.SaveCheckLog(p.Host, rec.Subvolume, log); err != nil {
		p.log().Warn("could not note the parts read back after the push: verify --budget reads them again", "err", err)
	}
}
