package backup

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
	"golang.org/x/sync/errgroup"
)

// readBackAttempts bounds the uploads of one part whose read-back differs.
const readBackAttempts = 3

// errReadBack marks a part that the remote does not hold as uploaded.
var errReadBack = errors.New("the part did not read back as uploaded")

// readBack checks what the remote now holds under name against the sealed
// bytes just uploaded: the size, and the sha256 or md5 where the listing
// gives one; where it gives neither, the object is downloaded and hashed.
// The upload's own check (remote.Store.Put) compares the remote with what
// reached it; this compares it with what the push meant to store, so that
// a layer that lost bytes on the way is caught before the record commits.
// It returns the object's md5 where known, for later listings (S3).
func (p *Pusher) readBack(ctx context.Context, name string, sealed sealedData, storedSHA256 string) (string, error) {
	e, err := p.Store.Stat(ctx, name)
	if err != nil {
		return "", fmt.Errorf("read back %s: %w", name, err)
	}
	mismatch := func(what, got, want string) error {
		return fmt.Errorf("%w: %s has %s %s, want %s", errReadBack, name, what, got, want)
	}
	if e.Size != sealed.Size() {
		return "", mismatch("size", fmt.Sprint(e.Size), fmt.Sprint(sealed.Size()))
	}
	switch {
	case e.SHA256 != "":
		if e.SHA256 != storedSHA256 {
			return "", mismatch("sha256", e.SHA256, storedSHA256)
		}
		return e.MD5, nil
	case e.MD5 != "":
		h := md5.New()
		if _, err := io.Copy(h, io.NewSectionReader(sealed, 0, sealed.Size())); err != nil {
			return "", fmt.Errorf("read back %s: hashing the sealed part: %w", name, err)
		}
		if want := hex.EncodeToString(h.Sum(nil)); e.MD5 != want {
			return "", mismatch("md5", e.MD5, want)
		}
		return e.MD5, nil
	}
	return "", p.downloadBack(ctx, name, sealed, mismatch)
}

// readBackRange is the least one ranged read of a read-back asks for: a
// part of up to this size is read back in one request.
const readBackRange = 4 << 20

// downloadBack reads the object back where the upload checked no hash, in
// up to transfers ranges at once, comparing each with the sealed bytes
// (no hash, no second part-sized buffer). On a line where
// each connection gets a fraction of the bandwidth (Drive, a WebDAV server
// behind a home uplink) one stream would hold the part's upload slot for
// as long again as the upload took.
func (p *Pusher) downloadBack(ctx context.Context, name string, sealed sealedData, mismatch func(what, got, want string) error) error {
	size := sealed.Size()
	pieces := max(1, min(int64(p.transfers()), (size+readBackRange-1)/readBackRange))
	step := (size + pieces - 1) / pieces
	g, gctx := errgroup.WithContext(ctx)
	for off := int64(0); off < size; off += step {
		want := io.NewSectionReader(sealed, off, min(step, size-off))
		g.Go(func() error { return p.compareRange(gctx, name, off, want, mismatch) })
	}
	return g.Wait()
}

// compareRange reads want.Size() bytes of name from off and compares them
// with want, the sealed part's bytes from off.
func (p *Pusher) compareRange(ctx context.Context, name string, off int64, want *io.SectionReader, mismatch func(what, got, want string) error) error {
	rc, err := p.Store.OpenRange(ctx, name, off, want.Size())
	if err != nil {
		return fmt.Errorf("read back %s: %w", name, err)
	}
	defer rc.Close()
	buf, mine := make([]byte, 64<<10), make([]byte, 64<<10)
	for pos := int64(0); pos < want.Size(); {
		n, err := io.ReadFull(rc, buf[:min(int64(len(buf)), want.Size()-pos)])
		if _, werr := want.ReadAt(mine[:n], pos); werr != nil {
			return fmt.Errorf("read back %s: reading the sealed part: %w", name, werr)
		}
		if !bytes.Equal(buf[:n], mine[:n]) {
			return mismatch("bytes", fmt.Sprintf("that differ within bytes %d-%d", off+pos, off+pos+int64(n)), "the sealed part's")
		}
		pos += int64(n)
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return mismatch("size", fmt.Sprintf("short of byte %d", off+pos), fmt.Sprint(off+want.Size()))
		}
		if err != nil {
			return fmt.Errorf("read back %s: %w", name, err)
		}
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
// its upload slot before the read-back: on the WAN bench (WebDAV) the
// read-back held the slot idle for about 1 s of every 4.5 s upload. It
// keeps its spool file, so a part that does not read back is uploaded
// again, in an upload slot taken again. With one transfer, or for the
// index (job nil), the slot is kept until the part is journaled.
func (p *Pusher) putChecked(ctx context.Context, name string, sealed sealedData, storedSHA256 string, job *partJob) (string, error) {
	var err error
	for attempt := 1; attempt <= readBackAttempts; attempt++ {
		if attempt > 1 && job != nil {
			if err := job.uploadAgain(ctx); err != nil {
				return "", err
			}
		}
		var checked remote.Checked
		if checked, err = p.Store.PutSHA256(ctx, name, sealed, sealed.Size(), storedSHA256); err != nil {
			return "", fmt.Errorf("upload %s: %w", name, err)
		}
		if checked.Hash != "" {
			return checked.MD5, nil
		}
		if job != nil && p.transfers() > 1 {
			job.uploaded() // the next part uploads while this one is read back
		}
		var md5sum string
		md5sum, err = p.readBack(ctx, name, sealed, storedSHA256)
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
